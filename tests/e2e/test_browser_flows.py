"""Every main flow in a real browser; screenshots of each step land in test-artifacts/e2e/."""

import json
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_uploader_uploads_the_course_file_and_watches_it_reach_processed(page, uploader, pipeline_loop, shared_data):
    login(page, "uploader")
    page.goto("/pipeline/upload/")
    page.set_input_files("input[type=file]", str(shared_data / "orders.csv"))
    page.fill("input[name=as_of]", "2025-06-01")
    screenshot(page, "1-upload-form")
    page.click("#upload-button")
    expect(page.locator("#file-list")).to_contain_text("orders.csv: stored", timeout=30_000)
    page.goto("/pipeline/files/")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "processed", timeout=30_000)
    screenshot(page, "2-processed")
    expect(page.locator("tr[data-upload] td.num").nth(1)).to_have_text("109")


def test_an_admin_runs_the_crawler_and_watches_it_finish(page, pipeline_admin, pipeline_loop, shared_data):
    from django.core.management import call_command

    call_command("upload", str(shared_data / "orders.csv"), "--as-of", "2025-06-01", "--wait")
    login(page, "padmin")
    page.goto("/pipeline/crawler/")
    screenshot(page, "1-crawler-page")
    page.click("#run-crawler")
    expect(page.locator("[data-state]").first).to_have_attribute("data-state", "succeeded", timeout=30_000)
    screenshot(page, "2-crawl-finished")


def test_an_analyst_sees_the_expected_kpis_and_charts(page, analyst, pipeline_loop, shared_data):
    from django.core.management import call_command

    call_command("upload", str(shared_data / "orders.csv"), "--as-of", "2025-06-01", "--wait")
    call_command("crawl", "--wait")
    expected = json.loads((shared_data / "orders.expected.json").read_text())
    # Celery runs eagerly in tests: a cold page computes its reports inside the request.
    page.set_default_navigation_timeout(90_000)
    login(page, "analyst")
    page.goto("/dashboard/")
    kpis = expected["kpis"]
    expect(page.locator('[data-kpi="revenue"]')).to_have_text(f"${Decimal(kpis['revenue']):,}", timeout=30_000)
    expect(page.locator('[data-kpi="orders"]')).to_have_text(str(kpis["orders"]))
    expect(page.locator('[data-kpi="average_order_value"]')).to_have_text(f"${Decimal(kpis['average_order_value']):,}")
    expect(page.locator('[data-kpi="customers"]')).to_have_text(str(kpis["customers"]))
    expect(page.locator("canvas[data-chart][data-drawn='1']")).to_have_count(5, timeout=15_000)
    screenshot(page, "1-dashboard")
    months = page.evaluate(
        "() => JSON.parse(document.getElementById('orders-over-time').textContent).rows"
        ".map(r => [r[0].slice(0, 7), r[1], r[2]])"
    )
    assert months == [[m["month"], m["orders"], m["revenue"]] for m in expected["revenue_by_month"]]


def test_an_analyst_cannot_open_the_upload_or_crawler_pages(page, analyst):
    login(page, "analyst", next_path="/dashboard/orders/history/")
    page.wait_for_url("**/dashboard/orders/history/")
    for path in ("/pipeline/upload/", "/pipeline/crawler/"):
        response = page.goto(path)
        assert response.status == 403, path
    screenshot(page, "1-forbidden")
