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
    ("Lou", "25.00"), ("Max", "5.01"),
]  # fmt: skip
# By hand: Ann 150.00 (2 orders, 75.00 each), Ben .. Ivy one order each, Jon 60.00 (2, 30.00) tenth;
# then (none) 65.00 (2, 32.50): its own row after the top 10, never folded, though it out-earns Jon
# (review B10-1); folded: Kim 30.01 (2), Lou 25.00, Max 5.01 = 3 customers, 4 orders, 60.02, whose
# average 60.02 / 4 = 15.005 rounds half to even: 15.00. Total 18 orders, 1,175.02.
EXPECTED = [
    ["Ann", 0, 2, "150.00", "75.00"],
    *[[name, 0, 1, f"{amount}.00", f"{amount}.00"] for name, amount in
      [("Ben", 140), ("Cal", 130), ("Dee", 120), ("Eve", 110), ("Fay", 100), ("Gus", 90), ("Hal", 80), ("Ivy", 70)]],
    ["Jon", 0, 2, "60.00", "30.00"],
    [None, 0, 2, "65.00", "32.50"],
    [None, 3, 4, "60.02", "15.00"],
]  # fmt: skip
# limit=3, by hand: Ann, Ben, Cal; (none); folded Dee .. Max = 10 customers, 6 + 2 + 2 + 1 + 1 = 12 orders,
# 570.00 + 60.00 + 30.01 + 25.00 + 5.01 = 690.02, average 690.02 / 12 = 57.5016.. -> 57.50.
EXPECTED_TOP_3 = [
    ["Ann", 0, 2, "150.00", "75.00"], ["Ben", 0, 1, "140.00", "140.00"], ["Cal", 0, 1, "130.00", "130.00"],
    [None, 0, 2, "65.00", "32.50"], [None, 10, 12, "690.02", "57.50"],
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
    assert (Decimal(revenue), orders) == (Decimal("1175.02"), 18)
    assert sum(Decimal(r[3]) for r in table) == Decimal(revenue) and sum(r[2] for r in table) == orders
    # The orders without a customer are never counted as a folded customer: 10 customers folded, not 11.
    top_3 = rows("sales-by-customer", limit="3")
    assert top_3 == EXPECTED_TOP_3
    assert sum(Decimal(r[3]) for r in top_3) == Decimal(revenue) and sum(r[2] for r in top_3) == orders
    # A limit past the customers folds nothing: 13 customers, then (none), no Other row.
    assert [r[0] for r in rows("sales-by-customer", limit="20")][-4:] == ["Kim", "Lou", "Max", None]
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
    # The subtitle names every kind of row the table has: the top 10, "(none)" and Other.
    assert (
        '<p class="meta">The top 10 customers by revenue, then the orders without a customer as one "(none)" row, '
        "and one Other row with the rest, so the rows sum to the total.</p>"
    ) in card
    table = re.findall(r"<tr>(.*?)</tr>", card.split("<tbody>", 1)[1], flags=re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in table]
    assert cells[-3:] == [
        ["Jon", "2", "60.00", "30.00"],
        ["(none)", "2", "65.00", "32.50"],
        ["Other (3 customers)", "4", "60.02", "15.00"],
    ]  # fmt: skip
    assert '"labels": ["Ann", "Ben"' in card and '"Jon", "(none)", "Other (3 customers)"]' in card  # the chart's names


def test_the_breakdown_card_names_its_none_row_after_its_column_and_a_report_by_status_has_none(client, twin, analyst):
    """The subtitle is written before any result (the card is still computing): a breakdown by region
    has a "(none)" row of the orders without a region; statuses always have a value (`unknown`)."""
    client.force_login(analyst)

    def subtitle(**params) -> str:
        card = client.get(reverse("dashboard:card", args=["breakdown"]), params).content.decode()
        return re.search(r'<p class="meta">(The top .*?)</p>', card).group(1)

    assert subtitle(group_by="region", limit="5") == (
        'The top 5 regions by revenue, then the orders without a region as one "(none)" row, '
        "and one Other row with the rest, so the rows sum to the total."
    )
    assert subtitle(group_by="status") == (
        "The top 10 statuses by revenue, and one Other row with the rest, so the rows sum to the total."
    )


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


# Review B10-4: the CSV exports name the rows as the card does. Five customers, one order without a
# customer and one without a region, all shipped in May 2025.
REGIONS_CSV = """order_id,customer,region,amount,status,order_date
R-1,Ann,North,100.00,shipped,2025-05-01
R-2,Ben,South,50.00,shipped,2025-05-02
R-3,Cal,,30.00,shipped,2025-05-03
R-4,Dee,East,20.00,shipped,2025-05-04
R-5,Eve,West,10.00,shipped,2025-05-05
R-6,,North,5.00,shipped,2025-05-06
"""
MAY = {"start_date": "2025-05-01", "end_date": "2025-05-31"}


def test_the_csv_exports_name_the_none_row_and_the_other_row_as_the_card_does(client, twin, analyst):
    upload_create(user=None, fileobj=io.BytesIO(REGIONS_CSV.encode()), name="regions.csv", as_of=date(2025, 6, 1))
    runtime_drain()
    uploads_sync()
    client.force_login(analyst)

    def export(slug: str, **params) -> list[str]:
        report_compute(query=report_query(slug, {**MAY, **params}))
        response = client.get(reverse("dashboard:export", args=[slug]), {**MAY, **params})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        return response.content.decode().split("\r\n")

    # By hand: North = R-1 + R-6 = 105.00 (2 orders, 52.50); (none) = R-3 30.00; folded South 50.00, East
    # 20.00, West 10.00 = 3 regions, 3 orders, 80.00, average 26.666.. -> 26.67.
    assert export("breakdown", group_by="region", limit="1") == [
        "region,other,orders,revenue,average_order_value",
        "North,0,2,105.00,52.50",
        "(none),0,1,30.00,30.00",
        "Other (3 regions),3,3,80.00,26.67",
        "",
    ]
    # By hand: Ann 100.00, Ben 50.00; (none) = R-6 5.00; folded Cal 30.00, Dee 20.00, Eve 10.00 = 3 customers,
    # 3 orders, 60.00, average 20.00.
    assert export("sales-by-customer", limit="2") == [
        "customer,other,orders,revenue,average_order_value",
        "Ann,0,1,100.00,100.00",
        "Ben,0,1,50.00,50.00",
        "(none),0,1,5.00,5.00",
        "Other (3 customers),3,3,60.00,20.00",
        "",
    ]
