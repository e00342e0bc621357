"""The `unreadable_quantities` warning names only the lines whose quantity an order would have used
(review B7-9): not a history's superseded rows, an exact duplicate once. Expected values by hand."""

import pytest

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines
from tests.lambda_.test_used_lines import said

HEADER = "order_id,amount,status,order_date,quantity"


def unreadable(result) -> tuple[int, list[int]] | None:
    return said(result, "unreadable_quantities")


# A history's rows: (the file's rows, each order's quantity, rows rejected by reason, the warning's
# (count, lines) or None), worked out by hand.
HISTORIES = {
    # Order 1: line 2 (abc) is superseded by line 3 (3): its quantity is 3, nothing left out. Line 4's
    # amount is unreadable: rejected, its 1.5 never read. Order 3: quantity 2. (Review B7-9's file.)
    "superseded": (
        ["1,1.00,pending,2025-05-01,abc", "1,1.00,shipped,2025-05-02,3", "2,xyz,shipped,2025-05-01,1.5"]
        + ["3,1.00,shipped,2025-05-01,2"],
        {"1": 3, "3": 2},
        {"bad_amount": 1},
        None,
    ),
    # Order 1's last row (line 3) holds abc: its quantity is the one before, 3 (line 2), and line 3 is
    # said. Order 2's last row (line 5) has no quantity cell, so the row before (line 4, 1.5) is the one
    # its quantity would come from: said; order 2 has no quantity.
    "last": (
        ["1,1.00,pending,2025-05-01,3", "1,1.00,shipped,2025-05-02,abc", "2,1.00,pending,2025-05-01,1.5"]
        + ["2,1.00,shipped,2025-05-02,"],
        {"1": 3, "2": None},
        {},
        (2, [3, 4]),
    ),
}


@pytest.mark.parametrize("buckets", [1, 3])  # the same when orders are spread over buckets
@pytest.mark.parametrize("case", HISTORIES)
def test_a_history_names_only_each_orders_last_row_with_a_quantity_cell(tmp_path, buckets, case):
    rows, quantities, rejected, warning = HISTORIES[case]
    result = clean(lines(HEADER, *rows), tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "history"
    assert {k: r["quantity"] for k, r in kept_by_id(result).items()} == quantities
    assert result.rejected_reasons == rejected
    assert unreadable(result) == warning


@pytest.mark.parametrize("buckets", [1, 3])  # the same when orders are spread over buckets
def test_every_line_item_with_an_unreadable_quantity_is_named_an_exact_duplicate_once(tmp_path, buckets):
    # Order 1: lines 2 and 3 are one line exported twice (abc), line 4 another product (2): 1.00 + 2.00,
    # quantity 2. Order 2: one line, 1.5. Said: line 2 (its copy on line 3 not again) and line 5.
    body = lines(
        "order_id,product,amount,order_date,quantity",
        "1,a,1.00,2025-05-01,abc",
        "1,a,1.00,2025-05-01,abc",
        "1,b,2.00,2025-05-01,2",
        "2,a,1.00,2025-05-01,1.5",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and (result.grain, result.duplicates) == ("line_items", 1)
    assert {k: (str(r["amount"]), r["quantity"]) for k, r in kept_by_id(result).items()} == {
        "1": ("3.00", 2),
        "2": ("1.00", None),
    }
    assert unreadable(result) == (2, [2, 5])


def test_staff_choosing_line_items_names_every_line_of_a_history_like_file(tmp_path):
    # The first file read as line items (staff's choice): both of order 1's lines are summed, line 2's
    # abc is left out of its quantity (3) and said.
    body = lines(HEADER, "1,1.00,pending,2025-05-01,abc", "1,1.00,shipped,2025-05-02,3")
    result = clean(body, tmp_path, grain="line_items")
    assert kept_by_id(result)["1"]["quantity"] == 3
    assert unreadable(result) == (1, [2])
