"""Texts of the file page that name what happened to rows (review B9-5): the label of a rejection
reason covers every row it counts, and a history's unreadable quantity says the order keeps its
earlier one. Through the handler on the twin; expected values by hand."""

from decimal import Decimal

import pytest
from django.conf import settings

from tests.lambda_.test_empty_cells_of_repeated_orders import process


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def test_bad_order_date_is_labelled_for_unreadable_dates_and_those_of_the_other_order():
    # Two rows read only month first (02/14, 02/15), one only day first (21/02): month first by 2 votes
    # to 1, so line 4 is rejected as read in the other order; line 5's date no order reads.
    body = "order_id,amount,order_date\n1,1.00,02/14/2025\n2,2.00,02/15/2025\n3,3.00,21/02/2025\n4,4.00,2025-02-30\n"
    manifest, orders, rejected = process("dates.csv", body.encode())
    assert sorted(orders) == ["1", "2"]
    assert [r[:3] for r in rejected] == [
        ["4", "bad_order_date", "order_date 21/02/2025 reads only day first; this file's dates are month first"],
        ["5", "bad_order_date", "unparseable order_date: 2025-02-30"],
    ]
    label = "unreadable order_date, or read only in the other day/month order"
    assert manifest["reasons"] == [{"code": "bad_order_date", "text": label, "count": 2}]


def test_a_historys_unreadable_quantity_says_the_order_keeps_its_earlier_one():
    # Review B9-5's uq_hist.csv. Order 1: line 2 (x) is superseded by line 3 (2): quantity 2, not said.
    # Order 2: line 5's y is read as empty, so the order keeps line 4's 3 beside line 5's 7.00; said.
    # Order 3: lines 6 and 7 are one row exported twice (1.5): no quantity; said once, as line 6.
    body = (
        "order_id,product,amount,order_date,quantity\n1,P1,5.00,2025-05-01,x\n1,P1,6.00,2025-05-01,2\n"
        "2,P1,5.00,2025-05-01,3\n2,P1,7.00,2025-05-01,y\n3,P1,1.00,2025-05-01,1.5\n3,P1,1.00,2025-05-01,1.5\n"
    )
    manifest, orders, rejected = process("uq_hist.csv", body.encode())
    assert rejected == [] and manifest["grain"] == "history"
    got = {k: (o["amount"], o["quantity"]) for k, o in orders.items()}
    assert got == {"1": (Decimal("6.00"), 2), "2": (Decimal("7.00"), 3), "3": (Decimal("1.00"), None)}
    (warning,) = [w for w in manifest["warnings"] if w["code"] == "unreadable_quantities"]
    assert warning["text"] == (
        "some quantities are not whole numbers: each is read as an empty cell, so its order keeps its quantity "
        "from an earlier row that has one (none if no earlier row has one): 2 lines, e.g. lines 5, 6 (“y”, “1.5”)"
    )
    assert (warning["count"], warning["lines"]) == (2, [5, 6])
