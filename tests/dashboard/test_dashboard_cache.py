"""Jobs and cache on the twin with the course data: one job per cache key, stale results shown
with their age while a new one computes, warm-up after new data, Redis down, budget, refresh."""

import io
import random
import socket
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from dashboard.models import ReportResult, ReportRun
from dashboard.reports import DASHBOARD, PAGE, report_query
from dashboard.selectors import report_view
from dashboard.services import data_version_bump, report_compute
from ordersite.aws import aws_client, s3
from ordersite.signals import processed_data_changed


def api(client, slug: str, **params):
    return client.get(reverse("report_api", args=[slug]), params)


def computed(client, slug: str, capture, **params) -> dict:
    """The API's body once its job has run (the first request only enqueues it)."""
    with capture(execute=True):
        api(client, slug, **params)
    response = api(client, slug, **params)
    assert response.status_code == 200, response.json()
    return response.json()


def rows(body: dict) -> list[dict]:
    return [dict(zip(body["columns"], r)) for r in body["rows"]]


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


# --- golden values on the DuckDB engine, through the filters ------------------------------


def test_daily_orders_add_up_to_the_expected_totals(
    analyst_client, crawled, expected, django_capture_on_commit_callbacks
):
    days = rows(computed(analyst_client, "daily-orders", django_capture_on_commit_callbacks))
    assert sum(d["orders"] for d in days) == expected["kpis"]["orders"]
    assert sum(Decimal(d["revenue"]) for d in days) == Decimal(expected["kpis"]["revenue"])
    assert [d["day"] for d in days] == sorted({d["day"] for d in days})


def test_a_status_filter_gives_that_status_expected_figures(
    analyst_client, crawled, expected, django_capture_on_commit_callbacks
):
    for status in expected["status_summary"]:
        (kpis,) = rows(computed(analyst_client, "kpis", django_capture_on_commit_callbacks, statuses=status["status"]))
        assert (kpis["orders"], kpis["revenue"]) == (status["orders"], status["revenue"])
    everything = ",".join(s["status"] for s in expected["status_summary"])
    (kpis,) = rows(computed(analyst_client, "kpis", django_capture_on_commit_callbacks, statuses=everything))
    assert kpis["revenue"] == expected["kpis"]["revenue"]


def test_a_customer_filter_gives_that_customer_expected_figures(
    analyst_client, crawled, expected, django_capture_on_commit_callbacks
):
    bob = next(c for c in expected["sales_by_customer"] if c["customer"] == "Bob")
    (kpis,) = rows(computed(analyst_client, "kpis", django_capture_on_commit_callbacks, customer="Bob"))
    assert (kpis["orders"], kpis["revenue"], kpis["average_order_value"]) == (
        bob["orders"],
        bob["revenue"],
        bob["average_order_value"],
    )


def test_top_orders_in_a_date_range_equal_the_expected_february(
    analyst_client, crawled, expected, django_capture_on_commit_callbacks
):
    body = computed(
        analyst_client, "top-orders", django_capture_on_commit_callbacks, start_date="2025-02-01", end_date="2025-02-28"
    )
    assert rows(body) == expected["top_orders_2025_02"]


def _synthetic_month(month: str, orders: int) -> bytes:
    """`orders` distinct orders dated in `month`, in the Lambda's Parquet columns."""
    rng = random.Random(month)
    first = date.fromisoformat(f"{month}-01")
    table = pa.table(
        {
            "order_id": [f"{month}-{i:06d}" for i in range(orders)],
            "customer": [f"Customer {rng.randrange(500):03d}" for _ in range(orders)],
            "amount": pa.array(
                [Decimal(rng.randrange(100, 100_000)) / 100 for _ in range(orders)], pa.decimal128(12, 2)
            ),
            "status": [rng.choice(["shipped", "delivered", "confirmed"]) for _ in range(orders)],
            "order_date": [first + timedelta(days=rng.randrange(28)) for _ in range(orders)],
            "source_key": [f"raw/2025/06/01/{month}.csv"] * orders,
            "ingested_at": pa.array([datetime(2025, 6, 1, tzinfo=UTC)] * orders, pa.timestamp("ms", tz="UTC")),
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out, compression="snappy")
    return out.getvalue()


def test_a_date_range_reads_fewer_bytes_because_only_its_months_wide_columns_are_read(twin):
    for month in ("2025-01", "2025-02", "2025-03", "2025-04"):
        key = f"{settings.PROCESSED_PREFIX}order_month={month}/{month}.parquet"
        s3.object_put_bytes(key=key, body=_synthetic_month(month, 20_000), content_type="application/octet-stream")
    call_command("crawl", "--wait", stdout=io.StringIO())
    whole = report_compute(query=report_query("kpis", {}))
    february = report_compute(query=report_query("kpis", {"start_date": "2025-02-01", "end_date": "2025-02-28"}))
    assert (whole.rows[0][1], february.rows[0][1]) == (80_000, 20_000)
    assert 0 < february.meta["bytes_scanned"] < whole.meta["bytes_scanned"] * 0.75


# --- one job per cache key -----------------------------------------------------------------


def test_fifty_viewers_of_a_cold_report_share_one_job_and_one_engine_run(
    client, crawled, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        statuses = {api(client, "status-summary").status_code for _ in range(50)}
    assert statuses == {202}
    assert len(callbacks) == 1
    callbacks[0]()
    assert ReportRun.objects.filter(slug="status-summary").count() == 1
    assert api(client, "status-summary").status_code == 200


def test_a_duplicate_job_for_a_cached_key_does_not_run_the_engine_again(crawled):
    report_compute(query=report_query("kpis", {}))
    report_compute(query=report_query("kpis", {}))
    assert ReportRun.objects.filter(slug="kpis").count() == 1
    report_compute(query=report_query("kpis", {}), force=True)
    assert ReportRun.objects.filter(slug="kpis").count() == 2


# --- freshness ----------------------------------------------------------------------------


def test_new_data_makes_the_cached_result_stale_and_the_page_shows_it_with_its_age_while_refreshing(
    analyst_client, crawled, django_capture_on_commit_callbacks
):
    first = report_compute(query=report_query("kpis", {}))
    assert report_view(query=report_query("kpis", {})).fresh
    data_version_bump(reason="processed")
    stale = report_view(query=report_query("kpis", {}))
    assert (stale.fresh, stale.result.pk) == (False, first.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        card = analyst_client.get(reverse("dashboard:card", args=["kpis"])).content.decode()
    assert 'data-kpi="revenue" data-value="30205.10">' in card  # the old numbers stay on screen
    assert "before newer data" in card and "refreshing" in card and 'hx-trigger="every 2s"' in card
    assert len(callbacks) == 1
    callbacks[0]()
    fresh = report_view(query=report_query("kpis", {}))
    assert fresh.fresh and fresh.result.pk != first.pk and fresh.result.data_version == first.data_version + 1


def test_new_data_warms_the_default_views(crawled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        processed_data_changed.send(sender=None, reason="processed", source_keys=[])
    assert sorted(ReportRun.objects.values_list("slug", flat=True)) == sorted(PAGE)
    assert all(report_view(query=report_query(slug, {})).fresh for slug in PAGE)


def test_the_page_says_data_as_of_and_computed_once_and_every_card_its_bytes_scanned_and_athena_cost(
    analyst_client, crawled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.get(reverse("dashboard:home"))
    page = analyst_client.get(reverse("dashboard:home")).content.decode()
    assert page.count("Data as of 20") == 1 and page.count("computed") == 1
    for text in ["scanned", "Athena cost ~$0.0000"]:
        assert page.count(text) == len(DASHBOARD), text


def test_an_error_on_one_card_leaves_the_other_cards_showing(
    analyst_client, crawled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.get(reverse("dashboard:home"))
    ReportResult.objects.filter(slug="status-summary").update(error="Athena query failed: boom")
    page = analyst_client.get(reverse("dashboard:home")).content.decode()
    assert "Athena query failed: boom" in page
    assert 'data-kpi="revenue" data-value="30205.10">' in page and "data-top-orders" not in page
    assert page.count("<canvas") == 4  # over time, customers, breakdown (2); kpis and table draw none; one failed


# --- Redis down ---------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_with_redis_down_the_page_shows_the_last_stored_results_with_a_warning(
    analyst_client, crawled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.get(reverse("dashboard:home"))
    unreachable = {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}
    with override_settings(CACHES={"default": unreachable}):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = analyst_client.get(reverse("dashboard:home"))
            body = api(analyst_client, "kpis").json()
    page = response.content.decode()
    assert response.status_code == 200
    assert "The cache is unreachable" in page and 'data-kpi="revenue" data-value="30205.10">' in page
    assert body["rows"][0][0] == "30205.10" and body["meta"]["cache_ok"] is False
    assert callbacks == []


# --- refresh and budget -------------------------------------------------------------------


def test_the_refresh_button_recomputes_every_card_but_only_once_per_interval(
    analyst_client, crawled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = analyst_client.post(reverse("dashboard:refresh"), {"customer": "Bob"}, follow=True)
    assert f"Refreshing all {len(PAGE)} reports; cards update as results arrive." in first.content.decode()
    assert ReportRun.objects.count() == len(PAGE)
    with django_capture_on_commit_callbacks(execute=True):
        second = analyst_client.post(reverse("dashboard:refresh"), {"customer": "Bob"}, follow=True)
    assert "Refresh is limited to once every" in second.content.decode()
    assert ReportRun.objects.count() == len(PAGE)


def test_refresh_while_every_card_is_being_computed_says_nothing_new_was_started(
    analyst_client, crawled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as opened:
        analyst_client.get(reverse("dashboard:home"), {"customer": "Bob"})
    assert opened, "opening the page started the cards' jobs"
    with django_capture_on_commit_callbacks(execute=False) as refreshed:
        page = analyst_client.post(reverse("dashboard:refresh"), {"customer": "Bob"}, follow=True).content.decode()
    assert refreshed == []
    assert "Every report of this page is already being recomputed; nothing new to start." in page
    assert "Refreshing 0" not in page


@override_settings(DASHBOARD_DAILY_SCAN_BYTES_PER_USER=1)
def test_a_spent_daily_scan_budget_blocks_further_refreshes_with_a_clear_message(
    analyst_client, crawled, analyst, django_capture_on_commit_callbacks
):
    computed(analyst_client, "kpis", django_capture_on_commit_callbacks)
    assert ReportRun.objects.get().requested_by == analyst
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(analyst_client, "kpis", customer="Bob")
        refresh = analyst_client.post(reverse("dashboard:refresh"), follow=True)
    assert callbacks == []
    assert response.status_code == 202 and "daily budget" in response.json()["meta"]["notice"]
    assert "the daily budget is 1" in refresh.content.decode()


# --- CSV export ---------------------------------------------------------------------------


def test_a_report_exports_as_csv_with_the_same_rows(
    analyst_client, crawled, expected, django_capture_on_commit_callbacks
):
    computed(analyst_client, "sales-by-customer", django_capture_on_commit_callbacks)
    response = analyst_client.get(reverse("dashboard:export", args=["sales-by-customer"]))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "customer,other,orders,revenue,average_order_value"  # other: customers folded (none)
    sales = expected["sales_by_customer"]
    rows = [[c["customer"], 0, c["orders"], c["revenue"], c["average_order_value"]] for c in sales]
    assert lines[1:] == [",".join(str(v) for v in row) for row in rows]


def test_exporting_a_report_nobody_computed_starts_its_job_once_and_downloads_once_it_is_ready(
    analyst_client, crawled, expected, django_capture_on_commit_callbacks
):
    url = reverse("dashboard:export", args=["top-orders"])
    february = {"start_date": "2025-02-01", "end_date": "2025-02-28", "limit": "3"}
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        first = analyst_client.get(url, february)
        second = analyst_client.get(url, february)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first["Retry-After"].isdigit() and '<meta http-equiv="refresh"' in first.content.decode()
    assert len(jobs) == 1, "both requests wait for the same job (single flight)"
    jobs[0]()  # the worker runs it
    ready = analyst_client.get(url, february)
    assert ready.status_code == 200 and ready["Content-Type"].startswith("text/csv")
    ids = [line.split(",")[0] for line in ready.content.decode().splitlines()[1:]]
    assert ids == [order["order_id"] for order in expected["top_orders_2025_02"][:3]]


def test_csv_export_neutralises_cells_a_spreadsheet_would_run_as_formulas(analyst_client, twin):
    report_compute(query=report_query("sales-by-customer", {}))  # no table yet: stores a result to overwrite
    ReportResult.objects.filter(slug="sales-by-customer").update(
        error="",
        columns=["customer", "orders", "revenue", "average_order_value"],
        rows=[['=HYPERLINK("http://x")', 1, "-12.50", "1"], ["@SUM(A1)", 2, "+1", "-cmd|' /C calc'!A0"]],
    )
    body = analyst_client.get(reverse("dashboard:export", args=["sales-by-customer"])).content.decode()
    assert body.splitlines()[1:] == [
        '"\'=HYPERLINK(""http://x"")",1,-12.50,1',
        "'@SUM(A1),2,'+1,'-cmd|' /C calc'!A0",
    ]


def test_a_failed_refresh_keeps_the_previous_numbers_and_says_why(
    analyst_client, crawled, django_capture_on_commit_callbacks
):
    good = report_compute(query=report_query("kpis", {}))
    # the catalog loses the table: the next run cannot find it
    aws_client("glue").delete_table(DatabaseName=settings.GLUE_DATABASE, Name=settings.GLUE_TABLE)
    again = report_compute(query=report_query("kpis", {}), force=True)
    assert again.pk == good.pk and again.rows == good.rows
    assert "not in the catalog" in again.meta["refresh_error"]
    assert ReportRun.objects.filter(slug="kpis").exclude(error="").count() == 1
    card = analyst_client.get(reverse("dashboard:card", args=["kpis"])).content.decode()
    assert "The last refresh failed" in card and 'data-kpi="revenue" data-value="30205.10">' in card
