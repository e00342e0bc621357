"""Bare CRs (old Mac line ends) against README's line rule ("Line numbers": a line ends at an LF, a CRLF
or a bare CR, also inside a quoted field, as the csv module counts), every number by hand.

A file whose header sample holds no LF is read with every line end made LF, a quoted cell's line break
too: its value holds LF where the file has CR or CRLF. Elsewhere a quoted cell keeps its line break as
written. Before, a CRLF further down such a file (below the sample) became two LFs: an empty line more
for each, counted as a blank row, and every row after it a line further down than an editor shows."""

from decimal import Decimal

import pytest
from filter_and_process_orders import text

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, rejected_rows

HEADER = b"order_id,customer,amount,order_date"


def outcome(result) -> tuple:
    kept = {k: (r["source_line"], r["customer"]) for k, r in kept_by_id(result).items()}
    rejected = [row[:3] for row in rejected_rows(result)[1:]]
    return kept, rejected, result.rows_in, result.rows_blank


def test_a_quoted_bare_cr_in_a_file_of_lfs_is_a_line_end_and_stays_in_the_cell(tmp_path):
    # Line 1 the header; A1 starts on line 2, its cell's CR ends line 2, so it ends on line 3; A2 is
    # line 4, A3 line 5. The cell keeps its CR, as written.
    body = HEADER + b'\nA1,"Ann\rSmith",1.00,2025-05-01\nA2,Bob,oops,2025-05-01\nA3,Cy,3.00,2025-05-01\n'
    result = clean(body, tmp_path)
    assert outcome(result) == (
        {"A1": (2, "Ann\rSmith"), "A3": (5, "Cy")},
        [["4", "bad_amount", "unparseable amount: oops"]],
        3,
        0,
    )
    assert accounted(result)


def test_a_file_of_bare_crs_counts_each_as_a_line_and_reads_a_quoted_one_as_lf(tmp_path):
    # Lines: 1 "Export" (skipped), 2 empty (skipped), 3 the header, 4 A1, 5 A2 (a quoted CR: to 6), 7 an
    # empty record (blank), 8 A3 (rejected), 9 A4.
    body = b"Export\r\r" + HEADER + b'\rA1,Ann,1.00,2025-05-01\rA2,"Zo\xc3\xab\rM\xc3\xbcller",2.00,2025-05-01\r'
    body += b"\rA3,Bob,oops,2025-05-01\rA4,Cy,4.00,2025-05-01"
    result = clean(body, tmp_path)
    assert (result.header_line, [s["line"] for s in result.skipped_lines]) == (3, [1, 2])
    assert outcome(result) == (
        {"A1": (4, "Ann"), "A2": (5, "Zoë\nMüller"), "A4": (9, "Cy")},
        [["8", "bad_amount", "unparseable amount: oops"]],
        4,
        1,
    )
    assert sum(r["amount"] for r in kept_by_id(result).values()) == Decimal("7.00")


# Lines: 1 the header, 2 A1, 3-4 A2 (a quoted CR), 5 A3; below the header's sample (SAMPLE_BYTES is set
# to end before B1) CRLFs: 6 B1 (rejected), 7 B2, 8-9 B3 (a quoted CRLF), 10 B4 (rejected). 1.00 +
# 2.00 + 3.00 + 4.00 + 5.00 = 15.00.
HEAD = HEADER + b'\rA1,Ann,1.00,2025-05-01\rA2,"Zoe\rMay",2.00,2025-05-01\rA3,Cy,3.00,2025-05-01\r'
TAIL = b'B1,Bob,oops,2025-05-01\r\nB2,Di,4.00,2025-05-01\r\nB3,"Ed\r\nEve",5.00,2025-05-01\r\nB4,Fay,bad,2025-05-01\r\n'
EXPECTED = (
    {"A1": (2, "Ann"), "A2": (3, "Zoe\nMay"), "A3": (5, "Cy"), "B2": (7, "Di"), "B3": (8, "Ed\nEve")},
    [["6", "bad_amount", "unparseable amount: oops"], ["10", "bad_amount", "unparseable amount: bad"]],
    7,
    0,  # was 4: an empty line more after each CRLF, B2 on line 8, B3 on 10 (its cell "Ed\n\nEve"), B4 on 14
)
# A block ending on the CR of each CRLF of the tail (the CRLF cut between two blocks), and one size of
# none; the first block is read at CHUNK_BYTES too.
CUTS = [len(HEAD) + i + 1 for i in range(len(TAIL)) if TAIL[i : i + 2] == b"\r\n"]


@pytest.mark.parametrize("chunk_bytes", [4 << 20, *CUTS], ids=["one block", *(f"cut at {c}" for c in CUTS)])
def test_a_crlf_below_the_sample_of_a_file_of_bare_crs_is_one_line_end(tmp_path, monkeypatch, chunk_bytes):
    monkeypatch.setattr(text, "SAMPLE_BYTES", len(HEAD))  # the sample holds no LF: a file of bare CRs
    monkeypatch.setattr(text, "CHUNK_BYTES", chunk_bytes)
    assert (HEAD + TAIL)[chunk_bytes - 1 : chunk_bytes + 1] == b"\r\n" or chunk_bytes == 4 << 20
    result = clean(HEAD + TAIL, tmp_path)
    assert outcome(result) == EXPECTED
    assert sum(r["amount"] for r in kept_by_id(result).values()) == Decimal("15.00")
    assert accounted(result)
