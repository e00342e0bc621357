"""Exports joined one after the other (`cat a.csv b.csv c.csv`), each starting with a byte-order mark and
quoting its header (review B12-6): a BOM at a record's start is dropped before the record's quotes are
read, as at the file's start, by Arrow's reader and by the csv module's alike. Expected values by hand."""

import pytest
from filter_and_process_orders import text

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, rejected_rows

BOM = "\ufeff"
# The csv module reads a chunk holding a row of the wrong width (`records.parse_chunk`): order 1 gets an
# extra cell "x" (its line then said in `extra_cells`, the counts the same).
PATHS = {"arrow": "", "csv module": ',"x"'}


def _amounts(result) -> dict[str, str]:
    return {k: str(r["amount"]) for k, r in kept_by_id(result).items()}


@pytest.mark.parametrize("extra", PATHS.values(), ids=PATHS.keys())
def test_a_quoted_header_after_a_bom_mid_file_is_a_repeated_header(tmp_path, extra):
    # CRLF, every cell quoted. Line 1 the header (the file's BOM); lines 3 and 5 the header again, each after
    # a BOM (three exports joined). 5 rows: orders 1, 2, 3 (lines 2, 4, 6: 10.00, 20.00, 30.00) and 2
    # repeated headers (lines 3, 5), not `bad_amount` "amount" with the id `\ufeff"order_id"`.
    header = '"order_id","customer","amount","order_date"'
    body = "\r\n".join(
        [
            BOM + header,
            '"1","Ann","10.00","2025-05-01"' + extra,
            BOM + header,
            '"2","Bob","20.00","2025-05-02"',
            BOM + header,
            '"3","Cy","30.00","2025-05-03"',
        ]
    )
    result = clean((body + "\r\n").encode(), tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.orders, result.rows_rejected, result.duplicates) == (5, 3, 2, 0)
    assert _amounts(result) == {"1": "10.00", "2": "20.00", "3": "30.00"}
    assert [(r[0], r[1], r[3]) for r in rejected_rows(result)[1:]] == [
        ("3", "repeated_header", "order_id"),
        ("5", "repeated_header", "order_id"),
    ]


@pytest.mark.parametrize("chunk_bytes", [None, 16], ids=["one chunk", "16-byte blocks"])
@pytest.mark.parametrize("extra", PATHS.values(), ids=PATHS.keys())
def test_a_wrapped_header_after_a_bom_mid_file_is_one_record(tmp_path, monkeypatch, extra, chunk_bytes):
    # Excel's wrapped header "Order⏎ID",Amount,"Order⏎Date" on lines 1-3, and again after a BOM on lines 5-7
    # and 9-11; orders 1, 2, 3 on lines 4, 8, 12. 5 rows: 3 orders (10.00, 20.00, 30.00), 2 repeated headers
    # (lines 5, 9); not 7 rows with `ID"` rejected and `\ufeff"Order` an exact duplicate of itself.
    header = '"Order\nID",Amount,"Order\nDate"\n'
    body = header + f"1,10.00,2025-05-01{extra}\n"
    body += BOM + header + "2,20.00,2025-05-02\n" + BOM + header + "3,30.00,2025-05-03\n"
    if chunk_bytes:  # blocks cut inside the wrapped cells, a BOM starting a block
        monkeypatch.setattr(text, "CHUNK_BYTES", chunk_bytes)
    result = clean(body.encode(), tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.orders, result.rows_rejected, result.duplicates) == (5, 3, 2, 0)
    assert _amounts(result) == {"1": "10.00", "2": "20.00", "3": "30.00"}
    assert [(r[0], r[1]) for r in rejected_rows(result)[1:]] == [("5", "repeated_header"), ("9", "repeated_header")]


@pytest.mark.parametrize("extra", PATHS.values(), ids=PATHS.keys())
def test_a_bom_starting_a_line_inside_a_quoted_cell_stays_in_the_cell(tmp_path, extra):
    # Order 1's customer "Ann⏎<BOM>Smith" spans lines 2-3: the BOM starts line 3 but no record, so it is
    # kept inside the cell (only a cell's ends are trimmed). Order 2 on line 4 after a BOM: its id is "2".
    body = f'order_id,customer,amount,order_date\n1,"Ann\n{BOM}Smith",5.00,2025-05-01{extra}\n'
    body += f"{BOM}2,Bob,6.00,2025-05-02\n"
    result = clean(body.encode(), tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.orders, result.rows_rejected) == (2, 2, 0)
    kept = kept_by_id(result)
    assert {k: (r["customer"], str(r["amount"]), r["source_line"]) for k, r in kept.items()} == {
        "1": (f"Ann\n{BOM}Smith", "5.00", 2),
        "2": ("Bob", "6.00", 4),
    }


def test_a_header_after_a_title_and_a_bom_is_read_with_its_quotes(tmp_path):
    # Line 1 a title; lines 2-3 the header after a BOM (an export pasted below a title), its first cell
    # wrapped: "Order⏎ID" is the column Order ID, not `"Order` and `ID"` on two lines (no order id column).
    # Line 4: order 1, 5.00. 1 row: 1 order.
    body = f'Orders of May\n{BOM}"Order\nID",Amount,Order Date\n1,5.00,2025-05-01\n'
    result = clean(body.encode(), tmp_path)
    assert (result.header_line, result.header_last_line, result.header) == (2, 3, ["Order ID", "Amount", "Order Date"])
    assert (result.rows_in, result.orders) == (1, 1)
    assert _amounts(result) == {"1": "5.00"}
