"""Sales by customer is the top N plus one Other row, so its rows sum to the key figures (review
B9-4): the breakdown's fold (breakdown.sql) by customer, through the real report path (the twin's
Lambda, then the DuckDB engine). Every expected value below is worked out by hand from the file."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.query import ParamError
from dashboard.reports import report_query
from dashboard.services import report_compute
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync

# 13 customers and 2 orders without one, all shipped in May 2025 (none stale at the 2025-06-01 as-of).
ORDERS = [
    ("Ann", "100.00"), ("Ann", "50.00"), ("Ben", "140.00"), ("Cal", "130.00"), ("Dee", "120.00"),
    ("Eve", "110.00"), ("Fay", "100.00"), ("Gus", "90.00"), ("Hal", "80.00"), ("Ivy", "70.00"),
    ("", "55.00"), ("", "10.00"), ("Jon", "30.00"), ("Jon", "30.00"), ("Kim", "20.00"), ("Kim", "10.01"),
    ("Lou", "25.00"), ("Max", "5.02"),
]  # fmt: skip
# By hand: Ann 150.00 (2 orders, 75.00 each), Ben .. Ivy one order each, (none) 65.00 (2, 32.50) tenth;
# folded: Jon 60.00 (2), Kim 30.01 (2), Lou 25.00, Max 5.02 = 4 customers, 6 orders, 120.03, whose
# average 120.03 / 6 = 20.005 rounds half to even: 20.00. Total 18 orders, 1,175.03.
EXPECTED = [
    ["Ann", 0, 2, "150.00", "75.00"],
    *[[name, 0, 1, f"{amount}.00", f"{amount}.00"] for name, amount in
      [("Ben", 140), ("Cal", 130), ("Dee", 120), ("Eve", 110), ("Fay", 100), ("Gus", 90), ("Hal", 80), ("Ivy", 70)]],
    [None, 0, 2, "65.00", "32.50"],
    [None, 4, 6, "120.03", "20.00"],
]  # fmt: skip


def many_customers_csv() -> str:
    """ORDERS as a file: order ids T-0 .. T-17 (the two without a customer: T-10, T-11)."""
    return "order_id,customer,amount,status,order_date\n" + "".join(
        f"T-{n},{customer},{amount},shipped,2025-05-{n % 28 + 1:02}\n" for n, (customer, amount) in enumerate(ORDERS)
    )


@pytest.fixture
def many_customers(twin):
    upload_create(user=None, fileobj=io.BytesIO(many_customers_csv().encode()), name="many.csv", as_of=date(2025, 6, 1))
    runtime_drain()
    uploads_sync()


def rows(slug: str, **params) -> list[list]:
    return report_compute(query=report_query(slug, params)).rows


def test_sales_by_customer_is_the_top_10_and_one_other_row_that_sum_to_the_key_figures(many_customers):
    table = rows("sales-by-customer")
    assert table == EXPECTED
    (revenue, orders, *_) = rows("kpis")[0]
    assert (Decimal(revenue), orders) == (Decimal("1175.03"), 18)
    assert sum(Decimal(r[3]) for r in table) == Decimal(revenue) and sum(r[2] for r in table) == orders
    # A limit past the customers folds nothing: 13 customers and (none), no Other row.
    assert [r[0] for r in rows("sales-by-customer", limit="20")][-4:] == ["Jon", "Kim", "Lou", "Max"]
    assert all(r[1] == 0 for r in rows("sales-by-customer", limit="20"))
    # The breakdown by customer is the same fold.
    assert rows("breakdown", group_by="customer") == [[r[0], *r[1:]] for r in EXPECTED]


def test_the_card_says_top_10_and_names_the_other_row_with_its_customers(
    client, many_customers, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("dashboard:home"))
    page = client.get(reverse("dashboard:home")).content.decode()
    card = page.split('id="card-sales-by-customer"', 1)[1].split("</section>", 1)[0]
    assert "<h2>Sales by customer: top 10</h2>" in card
    assert "The top 10 customers by revenue, and one Other row with the rest" in card
    table = re.findall(r"<tr>(.*?)</tr>", card.split("<tbody>", 1)[1], flags=re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in table]
    assert cells[-2:] == [["(none)", "2", "65.00", "32.50"], ["Other (4 customers)", "6", "120.03", "20.00"]]
    assert '"labels": ["Ann", "Ben"' in card and '"(none)", "Other (4 customers)"]' in card  # the chart's names


def test_orders_without_a_customer_have_their_own_filter(client, drill, many_customers, analyst):
    # The "(none)" row: T-10 (55.00) and T-11 (10.00), by hand 2 orders, 65.00.
    query = report_query("kpis", {"no_customer": "1"})
    assert query.no_customer and query.as_params()["no_customer"] == "1"
    assert "no_customer" not in report_query("kpis", {}).as_params()  # other queries keep their fingerprint
    with pytest.raises(ParamError, match="customer 'Ann' and no_customer .* exclude each other"):
        report_query("kpis", {"customer": "Ann", "no_customer": "1"})
    assert rows("kpis", no_customer="1")[0][:2] == ["65.00", 2]
    assert rows("sales-by-customer", no_customer="1") == [[None, 0, 2, "65.00", "32.50"]]
    client.force_login(analyst)
    body = drill(reverse("orders_api"), {"no_customer": "1"}).json()
    assert (body["total_orders"], body["total_amount"]) == (2, "65.00")
    assert sorted(r["order_id"] for r in body["rows"]) == ["T-10", "T-11"]
    page = client.get(reverse("dashboard:home"), {"no_customer": "1"}).content.decode()
    assert "Customer: (none)" in page and '<input type="hidden" name="no_customer" value="1">' in page
