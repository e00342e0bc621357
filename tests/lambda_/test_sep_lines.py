"""Excel's delimiter hint (`sep=;`) after the header, as exports joined with their own hint lines have
it: rejected `sep_line` with its line, never an order `sep=` or an exact duplicate of one (review
B12-11). Expected values by hand."""

import pytest

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, rejected_rows
from tests.lambda_.test_used_lines import warned


@pytest.mark.parametrize("buckets", [1, 3])
def test_joined_exports_hint_lines_are_rejected_as_such(tmp_path, buckets):
    # The review's sepjoin.csv: three Excel exports joined (CRLF, `;`), each `sep=;`, the header, one
    # order. Line 1 skipped before the header; 7 rows (lines 3-9): orders 1 (10,00), 2 (20,00), 3 (30,00);
    # lines 4 and 7 the hint again, 5 and 8 the header again: 4 rejected, no duplicate.
    part = "sep=;\r\norder_id;amount;order_date\r\n{}\r\n"
    body = "".join(part.format(f"{k};{k}0,00;2025-05-0{k}") for k in (1, 2, 3)).encode()
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result)
    assert (result.rows_in, result.orders, result.rows_rejected, result.duplicates) == (7, 3, 4, 0)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"1": "10.00", "2": "20.00", "3": "30.00"}
    assert dict(result.rejected_reasons) == {"sep_line": 2, "repeated_header": 2}
    assert [(r[0], r[1], r[3]) for r in rejected_rows(result)[1:]] == [
        ("4", "sep_line", "sep="), ("5", "repeated_header", "order_id"),
        ("7", "sep_line", "sep="), ("8", "repeated_header", "order_id"),
    ]  # fmt: skip
    assert "many_duplicates" not in warned(result)


@pytest.mark.parametrize("buckets", [1, 3])
def test_only_a_record_that_is_exactly_the_hint_is_one(tmp_path, buckets):
    # Lines 2 and 7 orders 1 (1.00) and 2 (2.00). Line 3 `sep=,` (the delimiter: cells "sep=", "", "")
    # and line 4 `SEP=|` (one cell) are hints. Line 5 `sep=ab` (two characters) is an order id without an
    # amount: `missing_amount`; line 6 `sep=,x` has a cell more: its amount x, `bad_amount`. 6 rows.
    body = b"order_id,amount,order_date\n1,1.00,2025-05-01\nsep=,\nSEP=|\nsep=ab\nsep=,x\n2,2.00,2025-05-02\n"
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result)
    assert (result.rows_in, result.orders, result.rows_rejected, result.duplicates) == (6, 2, 4, 0)
    assert sorted(kept_by_id(result)) == ["1", "2"]
    assert sorted((r[0], r[1]) for r in rejected_rows(result)[1:]) == [
        ("3", "sep_line"), ("4", "sep_line"), ("5", "missing_amount"), ("6", "bad_amount"),
    ]  # fmt: skip


def test_a_hint_is_one_whichever_column_comes_first(tmp_path):
    # The amount column first: line 3's `sep=,` puts "sep=" in the amount (`bad_amount` before) and leaves
    # the id and date empty. 3 rows: orders A (1.00, line 2) and B (2.00, line 4), line 3 sep_line.
    body = b"amount,order_id,order_date\n1.00,A,2025-05-01\nsep=,\n2.00,B,2025-05-02\n"
    result = clean(body, tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.orders, dict(result.rejected_reasons)) == (3, 2, {"sep_line": 1})
    assert [(r[0], r[1]) for r in rejected_rows(result)[1:]] == [("3", "sep_line")]
