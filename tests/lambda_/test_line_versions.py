"""A status log of line items: a line that comes again with only another status or date is one line,
its last row counting (review B14-2), not summed twice. Every value below is worked out by hand."""

from decimal import Decimal

import pytest
from filter_and_process_orders.reasons import warnings_for

from tests.lambda_.test_shapes import clean, orders, total

BUCKETS = pytest.mark.parametrize("buckets", [1, 3])
HEADER = "order_id,sku,amount,status,order_date\n"


@BUCKETS
def test_a_line_item_that_comes_again_with_another_status_counts_once_as_its_last_row(tmp_path, buckets):
    text = HEADER
    text += "1,A,10.00,shipped,2025-05-01\n"  # line 2: order 1, line A
    text += "1,B,5.00,shipped,2025-05-01\n"  # line 3: order 1, line B (order 1 differs by SKU: line items)
    text += "2,A,20.00,pending,2025-05-01\n"  # line 4: order 2, line A
    text += "2,A,20.00,shipped,2025-05-03\n"  # line 5: the same line, shipped two days later
    result = clean(text, tmp_path, buckets=buckets)
    assert result.grain == "line_items"
    found = orders(result)
    assert {k: (r["amount"], r["status"], str(r["order_date"]), r["line_count"]) for k, r in found.items()} == {
        "1": (Decimal("15.00"), "shipped", "2025-05-01", 2),
        "2": (Decimal("20.00"), "shipped", "2025-05-03", 1),
    }
    assert (found["2"]["source_line"], found["2"]["source_lines"]) == (5, "5")
    assert (result.superseded, result.merged, result.duplicates, result.orders) == (1, 1, 0, 2)
    assert total(result) == Decimal("35.00")
    warning = {w["code"]: w for w in warnings_for(result)}["line_versions_superseded"]
    assert (warning["count"], warning["lines"]) == (1, [4])


@BUCKETS
def test_one_line_item_twice_with_other_amounts_stays_two_lines_summed(tmp_path, buckets):
    # Not a version: the amount differs (two lines of the same product, 20.00 and 7.00).
    text = HEADER
    text += "1,A,10.00,shipped,2025-05-01\n1,B,5.00,shipped,2025-05-01\n"
    text += "2,A,20.00,pending,2025-05-01\n2,A,7.00,shipped,2025-05-03\n"
    result = clean(text, tmp_path, buckets=buckets)
    found = orders(result)
    assert {k: (r["amount"], r["line_count"]) for k, r in found.items()} == {
        "1": (Decimal("15.00"), 2),
        "2": (Decimal("27.00"), 2),
    }
    assert (result.superseded, result.merged) == (0, 2)
    assert "line_versions_superseded" not in {w["code"] for w in warnings_for(result)}


@BUCKETS
def test_a_lines_three_versions_and_an_exact_copy_leave_its_last_version(tmp_path, buckets):
    text = HEADER
    text += "7,A,3.00,pending,2025-05-01\n"  # line 2
    text += "7,B,4.00,pending,2025-05-01\n"  # line 3
    text += "7,A,3.00,paid,2025-05-02\n"  # line 4: A again
    text += "7,A,3.00,paid,2025-05-02\n"  # line 5: an exact copy of line 4
    text += "7,A,3.00,shipped,2025-05-04\n"  # line 6: A's last version
    result = clean(text, tmp_path, buckets=buckets)
    (order,) = orders(result).values()
    assert (order["amount"], order["status"], str(order["order_date"]), order["line_count"]) == (
        Decimal("7.00"),
        "shipped",
        "2025-05-04",
        2,
    )
    assert (result.duplicates, result.superseded, result.merged) == (1, 2, 1)
    warning = {w["code"]: w for w in warnings_for(result)}["line_versions_superseded"]
    assert (warning["count"], warning["lines"]) == (2, [2, 4])
