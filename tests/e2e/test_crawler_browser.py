"""The crawler pages in a real browser: the page follows a running crawl by itself (htmx)."""

import pytest
from playwright.sync_api import expect

from .conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_crawler_page_follows_a_running_crawl_without_a_reload(page, pipeline_admin, pipeline_loop, shared_data):
    from django.core.management import call_command

    from pipeline_admin import services

    call_command("upload", str(shared_data / "orders.csv"), "--as-of", "2025-06-01", "--wait")
    run, _ = services.crawl_request(user=pipeline_admin)  # queued: no worker has picked it up yet
    login(page, "padmin")
    page.goto("/pipeline/crawler/")
    expect(page.locator("#run-crawler")).to_be_disabled()
    expect(page.locator("#run-crawler")).to_have_text("Crawl running…")
    screenshot(page, "1-crawl-running")
    page.evaluate("window.notReloaded = true")
    services.crawl_execute(run_id=run.pk)  # what the worker does
    expect(page.locator("#run-crawler")).to_be_enabled(timeout=15_000)
    expect(page.locator(f'a[href="/pipeline/crawler/runs/{run.pk}/"]')).to_be_visible()
    expect(page.locator("[data-state]").first).to_have_attribute("data-state", "succeeded")
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "2-crawl-finished")
    page.click(f'a[href="/pipeline/crawler/runs/{run.pk}/"]')
    expect(page.locator("h1")).to_contain_text(f"Crawl {run.pk}")
    page.goto("/pipeline/crawler/catalog/")
    expect(page.locator('[data-table="orders"] [data-partitions]')).to_have_attribute("data-partitions", "4")
    screenshot(page, "3-catalog")
