"""The doubt warnings say nothing of the lines of orders rejected whole after the chunks (no amount or
no date on any line: review B9-8): those lines are in no order, and rejected_rows.csv gives each its
own reason. Expected values by hand."""

import pytest
from filter_and_process_orders import text as text_module

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines, rejected_rows
from tests.lambda_.test_used_lines import said, warned


@pytest.mark.parametrize("buckets", [1, 3])
def test_unreadable_quantities_of_rejected_orders_are_not_said(tmp_path, buckets):
    # Review B9-8's uq_rej.csv. Order 1 (lines 2, 3) has no amount on any line: rejected missing_amount;
    # order 2 (line 4) no date: missing_order_date; line 7's amount is unreadable: bad_amount as read.
    # Order 3 = 5.00 + 5.00 = 10.00, quantity 1 (line 6's 2.5 left out): only line 6 is said.
    body = lines(
        "order_id,product,amount,order_date,quantity",
        "1,P1,,2025-05-01,1.5",
        "1,P2,,2025-05-01,2",
        "2,P1,5.00,,1.5",
        "3,P1,5.00,2025-05-01,1",
        "3,P2,5.00,2025-05-01,2.5",
        "4,P1,abc,2025-05-01,1.5",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result)
    assert {k: (str(r["amount"]), r["quantity"]) for k, r in kept_by_id(result).items()} == {"3": ("10.00", 1)}
    assert result.rejected_reasons == {"missing_amount": 2, "missing_order_date": 1, "bad_amount": 1}
    assert said(result, "unreadable_quantities") == (1, [6])
    assert "2.5" in warned(result)["unreadable_quantities"]["text"]
    assert "1.5" not in warned(result)["unreadable_quantities"]["text"]


@pytest.mark.parametrize("buckets", [1, 3])
def test_negative_amounts_float_like_ids_and_unit_prices_of_rejected_rows_are_not_said(tmp_path, buckets):
    # Review B9-8's warn_rej.csv: lines 2 (id 1.0, -5.00, quantity 2) and 4 (4.00, quantity 3) have no
    # date: rejected missing_order_date. Order 2 (line 3) = -3.00, quantity 1: a negative amount, said;
    # no kept line has a float-like id or a quantity other than 1 beside its price.
    body = lines(
        "order_id,product,Price,order_date,quantity",
        "1.0,P1,-5.00,,2",
        "2,P1,-3.00,2025-05-01,1",
        "3,P1,4.00,,3",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"2": "-3.00"}
    assert result.rejected_reasons == {"missing_order_date": 2}
    assert said(result, "negative_amounts") == (1, [3])
    assert said(result, "float_like_ids") is None
    assert said(result, "amount_may_be_unit_price") is None


def test_unknown_statuses_of_rejected_rows_are_not_said(tmp_path):
    # Review B9-8's unk_rej.csv: line 2 has no date (missing_order_date), line 3's amount is unreadable
    # (bad_amount as read); the one order (line 4) is shipped: no unknown status is kept.
    body = lines(
        "order_id,amount,order_date,status",
        "1,5.00,,weirdstatus",
        "2,abc,2025-05-01,otherweird",
        "3,1.00,2025-05-01,shipped",
    )
    result = clean(body, tmp_path)
    assert accounted(result)
    assert result.rejected_reasons == {"missing_order_date": 1, "bad_amount": 1}
    assert "unknown_statuses" not in warned(result)


@pytest.mark.parametrize("buckets", [1, 4])
def test_doubts_of_orders_rejected_whole_far_from_their_other_lines(tmp_path, monkeypatch, buckets):
    # Line items (products differ), read in many chunks and spread over buckets. Lines 2-6 open five
    # orders whose other line comes after 40 filler orders of two lines (7-86), at lines 87-91:
    # R1 (2, 87) has no amount on any line: missing_amount (line 2's 1.5 not said);
    # R2 (3, 88) no date on any line: missing_order_date (line 3's -4.00 beside quantity 3, weirdstatus: not said);
    # 9.0 / 9 (4, 89) no amount: missing_amount (line 4's float-like id not said);
    # K1 (5, 90) = -2.00 + 3.00 = 1.00, kept: line 5's -2.00, abc and oddstatus said (line 90 has no status:
    # K1 keeps line 5's, review B10-5), line 90's 3.00 beside 2 said;
    # 8.0 / 8 (6, 91) = 1.00 + 1.00, kept: line 6's float-like id said.
    monkeypatch.setattr(text_module, "CHUNK_BYTES", 256)
    fillers = [f"F{k:02},P{p},1.00,2025-05-02,1,shipped" for k in range(40) for p in (1, 2)]
    body = lines(
        "order_id,product,Price,order_date,quantity,status",
        "R1,P1,,2025-05-01,1.5,shipped",
        "R2,P1,-4.00,,3,weirdstatus",
        "9.0,P1,,,1,shipped",
        "K1,P1,-2.00,2025-05-03,abc,oddstatus",
        "8.0,P1,1.00,2025-05-03,1,shipped",
        *fillers,
        "R1,P2,,2025-05-01,2,shipped",
        "R2,P2,2.00,,1,shipped",
        "9,P2,,,1,shipped",
        "K1,P2,3.00,2025-05-03,2,",
        "8,P2,1.00,2025-05-03,1,shipped",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "line_items"
    kept = {k: str(r["amount"]) for k, r in kept_by_id(result).items()}
    assert kept == {**{f"F{k:02}": "2.00" for k in range(40)}, "K1": "1.00", "8": "2.00"}
    assert result.rejected_reasons == {"missing_amount": 4, "missing_order_date": 2}
    assert said(result, "unreadable_quantities") == (1, [5])
    assert said(result, "negative_amounts") == (1, [5])
    assert said(result, "amount_may_be_unit_price") == (1, [90])
    assert said(result, "float_like_ids") == (1, [6])
    assert warned(result)["unknown_statuses"]["words"] == {"oddstatus": 1}
    assert said(result, "unknown_statuses") == (1, [5])


@pytest.mark.parametrize("buckets", [1, 3])
def test_copies_of_a_rejected_row_are_not_said(tmp_path, buckets):
    # Order 1.0 (lines 2, 3, 4: three exact copies) has no date on any line: rejected missing_order_date,
    # its kept copy (line 4) named by its first copy (line 2): 1 row rejected, 2 duplicates.
    # Order 9 (line 5 `9`, line 6 `9.0`, the same row once the id is read as 9): no amount on any
    # line, rejected missing_amount (named line 5); line 6's float-like id and oddstatus reach no order.
    # Order 7.0 (lines 7, 8, exact copies) = 1.00 and is kept: both its lines are said (every
    # duplicate is), its status `otherweird` once, of line 7 (the line the order keeps, an exact
    # duplicate once, named by its first copy: review B10-5). Duplicates: 2 + 1 + 1 = 4.
    body = lines(
        "order_id,amount,order_date,status",
        "1.0,5.00,,weirdstatus",
        "1.0,5.00,,weirdstatus",
        "1.0,5.00,,weirdstatus",
        "9,,2025-05-01,oddstatus",
        "9.0,,2025-05-01,oddstatus",
        "7.0,1.00,2025-05-01,otherweird",
        "7.0,1.00,2025-05-01,otherweird",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"7": "1.00"}
    assert result.rejected_reasons == {"missing_order_date": 1, "missing_amount": 1}
    assert result.duplicates == 4
    assert said(result, "float_like_ids") == (2, [7, 8])
    assert warned(result)["unknown_statuses"]["words"] == {"otherweird": 1}
    assert said(result, "unknown_statuses") == (1, [7])


@pytest.mark.parametrize("buckets", [1, 3])
def test_lines_of_an_order_summing_past_the_limit_are_not_said(tmp_path, buckets):
    # Line items (products differ). Order 5.0 (lines 2-6; line 3 an exact copy of line 2, dropped as a
    # duplicate; line 6 without an amount, a line of its order) sums 9,000,000,000.00 + 999,999,999.99
    # + 0.01 = 10,000,000,000.00 > 9,999,999,999.99: amount_too_large, its 4 kept lines; line 3 is in
    # no order either. Order 6 (lines 7 `6.0`, 8 `6`, without a status) = 1.00 + 2.00 = 3.00: only line
    # 7's float-like id is said, and only line 7's status `weird`, the one order 6 keeps (lines 5 and 6
    # hold it too, once each).
    body = lines(
        "order_id,product,amount,order_date,status",
        "5.0,P1,9000000000.00,2025-05-01,shipped",
        "5.0,P1,9000000000.00,2025-05-01,shipped",
        "5.0,P2,999999999.99,2025-05-01,shipped",
        "5.0,P3,0.01,2025-05-01,weird",
        "5.0,P4,,2025-05-01,weird",
        "6.0,P1,1.00,2025-05-01,weird",
        "6,P2,2.00,2025-05-01,",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "line_items"
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"6": "3.00"}
    assert result.rejected_reasons == {"amount_too_large": 4}
    assert result.duplicates == 1
    assert said(result, "float_like_ids") == (1, [7])
    assert warned(result)["unknown_statuses"]["words"] == {"weird": 1}
    assert said(result, "unknown_statuses") == (1, [7])


@pytest.mark.parametrize("buckets", [1, 3])
def test_extra_cells_of_orders_rejected_whole_are_not_said_on_any_copy(tmp_path, buckets):
    # Line items (products differ). A set of exact copies said of extra_cells is named by its first line
    # with a real extra cell (review B12-8), its order's rejection by its first copy's line: the copies of
    # rejected orders were said. Order 5: lines 2, 3 (copy, extra "x"), no amount: missing_amount (line 2),
    # line 3 a duplicate. Order 6: lines 4, 5 (copy, extra "y"), no date: missing_order_date (line 4), line
    # 5 a duplicate. Order 7: 9,000,000,000.00 + 999,999,999.99 + 0.01 (line 8, its copy line 9 with "z")
    # = 10,000,000,000.00: amount_too_large (lines 6, 7, 8), line 9 a duplicate. Order 8: lines 10 (extra
    # "w") and 11, no amount on either: missing_amount. Order 9: lines 12, 13 (copy, extra "v"), 14 =
    # 2.00 + 3.00 = 5.00, kept: its set said at line 13. Before: said 3, 5, 9, 13.
    body = lines(
        "order_id,product,amount,order_date",
        "5,P1,,2025-05-01",
        "5,P1,,2025-05-01,x",
        "6,P1,1.00,",
        "6,P1,1.00,,y",
        "7,P1,9000000000.00,2025-05-01",
        "7,P2,999999999.99,2025-05-01",
        "7,P3,0.01,2025-05-01",
        "7,P3,0.01,2025-05-01,z",
        "8,P1,,2025-05-01,w",
        "8,P2,,2025-05-01",
        "9,P1,2.00,2025-05-01",
        "9,P1,2.00,2025-05-01,v",
        "9,P2,3.00,2025-05-01",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "line_items"
    assert (result.rows_in, result.duplicates, result.merged, result.orders) == (13, 4, 1, 1)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"9": "5.00"}
    assert result.rejected_reasons == {"missing_amount": 3, "missing_order_date": 1, "amount_too_large": 3}
    assert [r[0] for r in rejected_rows(result)[1:]] == ["2", "4", "6", "7", "8", "10", "11"]
    assert said(result, "extra_cells") == (1, [13])
