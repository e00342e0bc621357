"""`unknown_statuses` names only the statuses an order keeps, in lines (review B10-5): an order's
status is its last line with one (a history's latest row, a line item order's last line), so an
earlier row's or line's word, or that of a copy of a rejected row, is in no order. Expected values by
hand, on the reviewer's /tmp/bk10/cases/unk_hist.csv and fl.csv and variants."""

import pytest

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines
from tests.lambda_.test_used_lines import said, warned


@pytest.mark.parametrize("buckets", [1, 3])
def test_a_histories_superseded_status_is_not_said_and_the_one_an_order_keeps_is(tmp_path, buckets):
    # unk_hist.csv: order 1's line 2 (weird) is superseded by line 3 (shipped); order 2 shipped.
    body = lines(
        "order_id,amount,order_date,status",
        "1,10.00,2025-05-01,weird",
        "1,10.00,2025-05-02,shipped",
        "2,5.00,2025-05-01,shipped",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "history"
    assert {k: r["status"] for k, r in kept_by_id(result).items()} == {"1": "shipped", "2": "shipped"}
    assert "unknown_statuses" not in warned(result)
    # Line 3 without a status: order 1 keeps line 2's weird (and line 3's amount 12.00); order 3's
    # only line 5 has weird too. 2 lines.
    body = lines(
        "order_id,amount,order_date,status",
        "1,10.00,2025-05-01,weird",
        "1,12.00,2025-05-02,",
        "2,5.00,2025-05-01,shipped",
        "3,1.00,2025-05-01,Weird",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert {k: (r["status"], str(r["amount"])) for k, r in kept_by_id(result).items()} == {
        "1": ("weird", "12.00"), "2": ("shipped", "5.00"), "3": ("weird", "1.00"),
    }  # fmt: skip
    assert said(result, "unknown_statuses") == (2, [2, 5])
    assert warned(result)["unknown_statuses"]["words"] == {"weird": 2}
    said_text = "kept as written: 1 word on 2 lines: weird (2 lines); e.g. lines 2, 5"
    assert warned(result)["unknown_statuses"]["text"].endswith(said_text)


@pytest.mark.parametrize("buckets", [1, 3])
def test_line_items_say_only_the_status_of_each_orders_last_line(tmp_path, buckets):
    # fl.csv: orders 7 (lines 2 `7.0` weird1, 3 shipped) and 10 (lines 7 weird4, 8 shipped) end shipped;
    # order 8 (lines 4, 5 `8.00`, exact copies, no amount) is rejected missing_amount, line 5 a duplicate;
    # line 6's amount `abc` is bad_amount as read. No order keeps an unknown status.
    body = lines(
        "order_id,product,amount,order_date,status",
        "7.0,P1,5.00,2025-05-01,weird1",
        "7,P2,6.00,2025-05-01,shipped",
        "8.00,P1,,2025-05-01,weird2",
        "8.00,P1,,2025-05-01,weird2",
        "9.0,P1,abc,2025-05-01,weird3",
        "10,P1,1.00,2025-05-01,weird4",
        "10,P2,2.00,2025-05-01,shipped",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "line_items"
    kept = {k: (r["status"], str(r["amount"])) for k, r in kept_by_id(result).items()}
    assert kept == {"7": ("shipped", "11.00"), "10": ("shipped", "3.00")}
    assert result.rejected_reasons == {"missing_amount": 1, "bad_amount": 1} and result.duplicates == 1
    assert "unknown_statuses" not in warned(result)
    # Order 10's last line weird4 (line 8): order 10 keeps it; order 7's lines 2 weird1, 3 without a
    # status: it keeps weird1 (line 2).
    body = lines(
        "order_id,product,amount,order_date,status",
        "7,P1,5.00,2025-05-01,weird1",
        "7,P2,6.00,2025-05-01,",
        "10,P1,1.00,2025-05-01,shipped",
        "10,P2,2.00,2025-05-01,weird4",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert {k: r["status"] for k, r in kept_by_id(result).items()} == {"7": "weird1", "10": "weird4"}
    assert said(result, "unknown_statuses") == (2, [2, 5])
    assert warned(result)["unknown_statuses"]["words"] == {"weird1": 1, "weird4": 1}
