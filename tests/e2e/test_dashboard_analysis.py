"""The analyst's dashboard in a real browser (issue 15): a preset and a drill-down from a chart
change the URL and the numbers to the course oracle's values, the trail removes a filter, and a
filter that matches nothing shows the empty state. One data load; screenshots in test-artifacts/e2e/."""

import json
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from .conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def patient_expect():
    """A cold page shows its cards once they are computed (live.js swaps them in)."""
    expect.set_options(timeout=90_000)
    yield
    expect.set_options(timeout=5_000)


def money(text: str) -> str:
    return f"${Decimal(text):,}"


def query_of(page) -> dict:
    return {k: v for k, v in parse_qs(urlparse(page.url).query).items()}


def test_an_analyst_narrows_with_a_preset_and_a_customer_bar_removes_it_and_meets_the_empty_state(
    page, analyst, pipeline_loop, shared_data
):
    from django.core.management import call_command

    call_command("upload", str(shared_data / "orders.csv"), "--as-of", "2025-06-01", "--wait")
    call_command("crawl", "--wait")
    expected = json.loads((shared_data / "orders.expected.json").read_text())
    february = [m for m in expected["revenue_by_month"] if m["month"] == "2025-02"][0]
    bob = [c for c in expected["sales_by_customer"] if c["customer"] == "Bob"][0]
    page.set_default_navigation_timeout(90_000)  # eager Celery: a cold page computes in the request
    page.set_default_timeout(90_000)
    login(page, "analyst")

    page.goto("/dashboard/?month=2025-02")
    expect(page.locator('[data-kpi="orders"]')).to_have_text(str(february["orders"]))
    expect(page.locator('[data-kpi="revenue"]')).to_have_text(money(february["revenue"]))
    expect(page.locator("#filter-trail")).to_contain_text("Month: 2025-02")
    screenshot(page, "1-february")

    page.select_option("#filter-period", "all_time")  # a preset replaces the month
    page.click("#filters button[type=submit]")
    page.wait_for_url("**period=all_time**")
    assert "month" not in query_of(page)
    expect(page.locator('[data-kpi="revenue"]')).to_have_text(money(expected["kpis"]["revenue"]))
    expect(page.locator('[data-kpi="orders"]')).to_have_text(str(expected["kpis"]["orders"]))
    expect(page.locator("#card-sales-by-customer canvas[data-drawn='1']")).to_have_count(1)

    # Bob's bar: Chart.js knows where it drew it
    point = page.evaluate(
        """() => {
            const canvas = document.querySelector('#card-sales-by-customer canvas');
            const chart = Chart.getChart(canvas);
            const index = chart.data.labels.indexOf('Bob');
            const bar = chart.getDatasetMeta(0).data[index];
            return {x: bar.x, y: (bar.y + bar.base) / 2};
        }"""
    )
    page.click("#card-sales-by-customer canvas", position=point)
    menu = page.locator(".chart-menu")
    expect(menu.locator("[data-action=filter]")).to_have_text("Filter to Bob")
    expect(menu.locator("[data-action=orders]")).to_have_text(f"Show the {bob['orders']} orders")
    orders_link = parse_qs(urlparse(menu.locator("[data-action=orders]").get_attribute("href")).query)
    assert orders_link["customer"] == ["Bob"] and "grain" not in orders_link
    screenshot(page, "2-bar-menu")
    menu.locator("[data-action=filter]").click()
    page.wait_for_url("**customer=Bob**")
    expect(page.locator('[data-kpi="orders"]')).to_have_text(str(bob["orders"]))
    expect(page.locator('[data-kpi="revenue"]')).to_have_text(money(bob["revenue"]))
    screenshot(page, "3-bob")

    page.click("#filter-trail a.chip:has-text('Customer: Bob')")  # remove the filter again
    expect(page.locator('[data-kpi="orders"]')).to_have_text(str(expected["kpis"]["orders"]))
    assert "customer" not in query_of(page)

    page.select_option("#filter-period", "last_month")  # the course data ends in 2025
    page.click("#filters button[type=submit]")
    expect(page.locator("#empty-state")).to_contain_text("No orders match these filters.")
    screenshot(page, "4-empty")
    page.click("#empty-state a")
    expect(page.locator('[data-kpi="orders"]')).to_have_text(str(expected["kpis"]["orders"]))
    page.wait_for_load_state("networkidle")  # no request of this page outlives the test


def test_a_page_first_computed_for_its_filters_says_no_updated_with(page, analyst, pipeline_loop, shared_data):
    """Review B12-5: filters nobody computed before show no complete set; live.js swaps the first one in
    and said "updated with 1 new file, ..." (every change since the stack began). By hand: the first set
    replaces nothing, so the note reads the data version, as a page opened on computed filters does."""
    from django.core.cache import cache
    from django.core.management import call_command

    from dashboard.keys import cache_key, data_version_get
    from dashboard.services import report_compute
    from dashboard.views import _page_queries

    call_command("upload", str(shared_data / "orders.csv"), "--as-of", "2025-06-01", "--wait")
    call_command("crawl", "--wait")
    expected = json.loads((shared_data / "orders.expected.json").read_text())
    bob = [c for c in expected["sales_by_customer"] if c["customer"] == "Bob"][0]
    version, queries = data_version_get(), _page_queries({"customer": "Bob"})
    for query in queries:  # "a job is on its way" (single flight): the page starts none, it shows "Computing…"
        cache.add("flight:" + cache_key(query, version), 1, timeout=600)
    page.set_default_timeout(90_000)
    login(page, "analyst")
    page.goto("/dashboard/?customer=Bob")
    expect(page.locator("#cards.updating")).to_have_count(1)
    assert page.locator("#cards").get_attribute("data-since") is None  # no complete set shown
    for query in queries:  # the jobs end: live.js swaps the first complete set in
        report_compute(query=query)
    expect(page.locator('[data-kpi="orders"]')).to_have_text(str(bob["orders"]))
    expect(page.locator("#live-note")).to_have_text(f"data version {version}")
    page.wait_for_timeout(1500)  # showNote runs every second: it keeps saying so
    expect(page.locator("#live-note")).to_have_text(f"data version {version}")
    assert page.locator("#cards").get_attribute("data-since") is None  # (live.js keeps `since` itself)
    page.wait_for_load_state("networkidle")
