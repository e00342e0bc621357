"""A quote that never closes (review B14-4): its line is rejected `unclosed_quote` with its line, read
alone (the quote runs to the line's end), and every line after it is read as rows of its own, wherever
the quote is (the last line, an earlier one, a field running past MAX_RECORD_BYTES). Values by hand."""

import pytest
from filter_and_process_orders import csv_records, text

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, rejected_rows

HEADER = b"order_id,customer,amount,status,order_date\n"


def amounts(result) -> dict[str, str]:
    return {k: str(r["amount"]) for k, r in kept_by_id(result).items()}


@pytest.mark.parametrize("buckets", [1, 3])
def test_an_unclosed_quote_above_the_last_line_rejects_its_line_and_keeps_the_others(tmp_path, buckets):
    # The review's m10.csv: the quote opens on line 3; lines 2 and 4 are orders 1 (10.00) and 3 (30.00).
    body = HEADER + b'1,Ann,10.00,shipped,2025-05-01\n2,"Bob,20.00,shipped,2025-05-01\n3,Cy,30.00,shipped,2025-05-01\n'
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result)
    assert (result.rows_in, result.orders, result.rows_rejected) == (3, 2, 1)
    assert amounts(result) == {"1": "10.00", "3": "30.00"}
    assert dict(result.rejected_reasons) == {"unclosed_quote": 1}
    rows = rejected_rows(result)
    assert [r[:2] for r in rows[1:]] == [["3", "unclosed_quote"]]
    assert rows[1][2].startswith("a quote opens on this line and never closes")
    assert rows[1][3:8] == ["2", "Bob,20.00,shipped,2025-05-01", "", "", ""]  # the rest of line 3 one cell


def test_an_unclosed_quote_on_the_last_line_is_named_not_a_missing_amount(tmp_path):
    # The review's m11_noeol.csv: orders 1 (10.00) and 2 (20.00); line 4 without its line break.
    body = HEADER + b'1,Ann,10.00,shipped,2025-05-01\n2,Bob,20.00,shipped,2025-05-01\n3,"Cy,30.00,shipped,2025-05-01'
    result = clean(body, tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.orders, dict(result.rejected_reasons)) == (3, 2, {"unclosed_quote": 1})
    assert amounts(result) == {"1": "10.00", "2": "20.00"}
    assert [r[:2] for r in rejected_rows(result)[1:]] == [["4", "unclosed_quote"]]


def test_an_unclosed_quote_alone_on_its_line_is_a_row_and_a_blank_line_after_it_blank(tmp_path):
    # Line 2 order 1 (1.00); line 3 a quote alone (no cell has text: a row still, rejected); line 4
    # blank; lines 5 and 6 orders 5 (5.00) and 6 (6.00). 4 rows and 1 blank record: 3 orders.
    body = b'order_id,amount,order_date\n1,1.00,2025-05-01\n"\n\n5,5.00,2025-05-01\n6,6.00,2025-05-01\n'
    result = clean(body, tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.rows_blank, result.orders) == (4, 1, 3)
    assert amounts(result) == {"1": "1.00", "5": "5.00", "6": "6.00"}
    assert [r[:2] for r in rejected_rows(result)[1:]] == [["3", "unclosed_quote"]]


@pytest.mark.parametrize("limit", [None, 200])
def test_a_quote_open_past_the_record_limit_rejects_its_line_as_at_the_end(tmp_path, monkeypatch, limit):
    # Line 3 opens a quote; lines 4-43 are orders B1..B40 of amounts 1..40. In 64-byte chunks, with the
    # limit at 200 bytes the open field passes it before the file ends; without, the file's end finds it.
    monkeypatch.setattr(text, "CHUNK_BYTES", 64)
    if limit:
        monkeypatch.setattr(csv_records, "MAX_RECORD_BYTES", limit)
    rows = "".join(f"B{i},{i},2025-05-30\n" for i in range(1, 41)).encode()
    body = b'order_id,amount,order_date\nA1,1,2025-05-30\nA2,"2,2025-05-30\n' + rows
    result = clean(body, tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.orders, dict(result.rejected_reasons)) == (42, 41, {"unclosed_quote": 1})
    assert sum(float(v) for v in amounts(result).values()) == 821.0  # 1 + (1 + ... + 40)
    assert [r[:2] for r in rejected_rows(result)[1:]] == [["3", "unclosed_quote"]]
