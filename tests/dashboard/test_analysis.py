"""The analyst's tools on the course data (issue 15): presets, time grains with empty periods,
the change against the previous period, the breakdown's top N plus "other", orders without a
status, dimension filters, customer suggestions and the empty state. Expected values come from
the independent oracle (tests/oracle/course.py: csv + Decimal) or are computed by hand here."""

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard.query import period_range
from dashboard.reports import report_query
from dashboard.services import report_compute
from tests.oracle.course import counted, course_orders

AS_OF = date(2025, 6, 1)
CENTS = Decimal("0.01")
# A second file without a status column, with a category: its orders are `unknown`.
EXTRA = "OrderID,Customer,Amount,OrderDate,Category\nX-1,Zed,10.00,2025-03-03,Books\nX-2,Zed,20.50,2025-03-10,Books\n"
EXTRA += "X-3,bobby,5.25,2025-04-01,Games\n"


@pytest.fixture
def oracle() -> list[dict]:
    return counted(course_orders(), AS_OF)


@pytest.fixture
def with_extra(crawled, tmp_path):
    path = tmp_path / "no_status.csv"
    path.write_text(EXTRA)
    call_command("upload", str(path), "--as-of", "2025-06-01", stdout=StringIO())
    call_command("lambda_runtime", "--drain", stdout=StringIO())
    call_command("crawl", "--wait", stdout=StringIO())


def rows(slug: str, **params) -> list[list]:
    return report_compute(query=report_query(slug, params)).rows


def money(value: Decimal) -> str:
    return str(value.quantize(CENTS, ROUND_HALF_EVEN))


@pytest.mark.parametrize(
    ("preset", "first", "last"),
    [
        ("last_7_days", date(2025, 2, 8), date(2025, 2, 14)),
        ("last_30_days", date(2025, 1, 16), date(2025, 2, 14)),
        ("last_90_days", date(2024, 11, 17), date(2025, 2, 14)),
        ("this_month", date(2025, 2, 1), date(2025, 2, 14)),
        ("last_month", date(2025, 1, 1), date(2025, 1, 31)),
        ("this_quarter", date(2025, 1, 1), date(2025, 2, 14)),
        ("year_to_date", date(2025, 1, 1), date(2025, 2, 14)),
    ],
)
def test_a_preset_is_the_range_of_days_it_names_counting_today(preset, first, last):
    assert period_range(preset, date(2025, 2, 14)) == (first, last)


def test_a_preset_is_resolved_to_dates_in_the_query_and_narrows_with_a_month():
    query = report_query("kpis", {"period": "all_time", "month": "2025-02"})
    assert (query.start_date, query.end_date) == (date(2025, 2, 1), date(2025, 2, 28))
    assert query.previous().start_date == date(2025, 1, 4) and query.previous().end_date == date(2025, 1, 31)
    # a chart over one month is drawn by day unless a grain is chosen; an open range by month
    assert report_query("orders-over-time", {"month": "2025-02"}).grain == "day"
    assert report_query("orders-over-time", {"month": "2025-02", "grain": "week"}).grain == "week"
    assert report_query("orders-over-time", {}).grain == "month"


def test_monthly_and_weekly_series_fill_periods_without_orders_with_zeros(crawled, oracle):
    months = rows("orders-over-time", grain="month", start_date="2024-11-01", end_date="2025-07-15")
    assert [r[0] for r in months] == [
        f"{y}-{m:02}-01" for y, m in [(2024, 11), (2024, 12)] + [(2025, m) for m in range(1, 8)]
    ]
    for period, orders, revenue in months:
        group = [o for o in oracle if o["order_date"].strftime("%Y-%m-01") == period]
        assert (orders, Decimal(revenue)) == (len(group), sum((o["amount"] for o in group), Decimal(0))), period
    with_orders = {o["order_date"].strftime("%Y-%m-01") for o in oracle}  # 2025-01 .. 2025-04
    assert [r[0] for r in months if r[1] == 0] == [p for p in (r[0] for r in months) if p not in with_orders]
    assert len([r for r in months if r[1] == 0]) == 9 - len(with_orders) == 5  # Nov, Dec, May, Jun, Jul

    weeks = rows("orders-over-time", grain="week")
    mondays = {o["order_date"] - timedelta(days=o["order_date"].weekday()) for o in oracle}
    first, last = min(mondays), max(mondays)
    assert [r[0] for r in weeks] == [
        (first + timedelta(weeks=n)).isoformat() for n in range((last - first).days // 7 + 1)
    ]
    assert sum(r[1] for r in weeks) == len(oracle)


def test_the_breakdown_shows_the_top_n_and_folds_the_rest_into_other_summing_to_the_total(crawled, oracle):
    table = rows("breakdown", group_by="customer", limit="2")
    by_customer: dict[str, list[Decimal]] = {}
    for o in oracle:
        by_customer.setdefault(o["customer"], []).append(o["amount"])
    ranked = sorted(by_customer, key=lambda c: (-sum(by_customer[c]), c))
    rest = [a for c in ranked[2:] for a in by_customer[c]]

    def row(value, other: int, amounts: list[Decimal]) -> list:
        total = sum(amounts, Decimal(0))
        return [value, other, len(amounts), money(total), money(total / len(amounts))]

    assert table == [
        row(ranked[0], 0, by_customer[ranked[0]]),
        row(ranked[1], 0, by_customer[ranked[1]]),
        row(None, len(ranked) - 2, rest),  # `other`: how many customers it folds (3)
    ]
    assert sum(r[2] for r in table) == 109 and sum(Decimal(r[3]) for r in table) == Decimal("30205.10")


def test_orders_without_a_status_are_unknown_and_filterable_and_dimensions_filter(with_extra):
    assert ["unknown", 3, "35.75"] in rows("status-summary")
    assert rows("kpis", statuses="unknown")[0][:2] == ["35.75", 3]
    assert rows("kpis", statuses="unknown,shipped")[0][1] == 3 + 46
    assert rows("kpis", category="Books")[0][:2] == ["30.50", 2]
    values = rows("filter-values")
    assert ["category", "Books", 2] in values and ["category", "Games", 1] in values
    assert ["status", "unknown", 3] in values
    assert rows("kpis", customer="Bob")[0][1] == 30  # exact: `bobby` is another customer


def test_the_page_offers_the_data_s_values_suggests_customers_and_shows_the_change(
    client, analyst, with_extra, oracle, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    february = {"start_date": "2025-02-01", "end_date": "2025-02-28"}
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("dashboard:home"), february)
    page = client.get(reverse("dashboard:home"), february).content.decode()

    # the previous 28 days: 2025-01-04 .. 2025-01-31, by hand from the oracle's orders
    now = [o for o in oracle if date(2025, 2, 1) <= o["order_date"] <= date(2025, 2, 28)]
    before = [o for o in oracle if date(2025, 1, 4) <= o["order_date"] <= date(2025, 1, 31)]
    delta = sum(o["amount"] for o in now) - sum(o["amount"] for o in before)
    percent = delta / sum(o["amount"] for o in before) * 100
    sign = "+" if delta >= 0 else "-"
    assert (
        f'data-change="revenue" title="against 2025-01-04 – 2025-01-31">{sign}${abs(delta):,} ({percent:+.1f}%)<'
        in page
    )
    orders_delta = len(now) - len(before)
    assert f'data-change="orders" title="against 2025-01-04 – 2025-01-31">{orders_delta:+d} (' in page
    assert 'data-kpi="revenue" data-value="11917.41">$11,917.41<' in page
    assert "<option selected>Books</option>" not in page and "<option>Books</option>" in page
    assert 'value="unknown"' in page
    assert "Data as of" in page and page.count("Data as of") == 1

    suggestions = client.get(reverse("dashboard:customers"), {"q": "BO"}).json()["customers"]
    assert suggestions == ["Bob", "bobby"]  # any case, Bob (30 orders) before bobby (1)
    assert client.get(reverse("dashboard:customers"), {"q": "li"}).json()["customers"] == ["Alice", "Charlie"]


def test_filters_that_match_nothing_show_the_empty_state_with_a_clear_link(
    client, analyst, crawled, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("dashboard:home"), {"customer": "Nobody"})
    page = client.get(reverse("dashboard:home"), {"customer": "Nobody"}).content.decode()
    assert (
        "No orders match these filters." in page and f'<a href="{reverse("dashboard:home")}">Clear filters</a>' in page
    )
    assert "Customer: Nobody" in page  # the trail names the filter that matched nothing


def test_the_change_shows_with_its_figures_only_and_reads_n_a_against_a_period_without_orders(client, analyst, crawled):
    """The page renders what is stored (no job runs in this test): a tile's change, and the line
    explaining it, appear once the previous period is computed too."""
    client.force_login(analyst)

    def page(month: str, *, previous: bool) -> str:
        kpis = report_query("kpis", {"month": month})
        report_compute(query=kpis)
        if previous:
            report_compute(query=kpis.previous())
        return client.get(reverse("dashboard:home"), {"month": month}).content.decode()

    cold = page("2025-02", previous=False)  # the figures are there, the previous period's not yet
    assert 'data-kpi="orders" data-value="41">' in cold
    assert "data-change=" not in cold and "Change against the previous period" not in cold

    # January's previous period, the 31 days before it, has no orders: the oracle's first order is in January.
    first = min(o["order_date"] for o in counted(course_orders(), AS_OF))
    assert first.strftime("%Y-%m") == "2025-01"
    january = page("2025-01", previous=True)
    for column in ("revenue", "orders", "average_order_value", "customers"):
        assert (
            f'<div class="change flat" data-change="{column}" title="against 2024-12-01 – 2024-12-31">n/a</div>'
            in january
        )
    assert (
        "Change against the previous period of the same length, 2024-12-01 – 2024-12-31, which has no orders."
        in january
    )
