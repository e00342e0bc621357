"""The whole pipeline on the twin, through the CLI: upload → Lambda → crawl → reports."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pipeline_admin.models import Upload


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def report_rows(slug: str, *params: str) -> list[dict]:
    args = ["report", slug, "--json"]
    for p in params:
        args += ["--param", p]
    body = json.loads(run(*args))
    return [dict(zip(body["columns"], row)) for row in body["rows"]]


def money(value) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


@pytest.fixture
def course_pipeline(twin, shared_data):
    run("upload", str(shared_data / "orders.csv"), "--as-of", "2025-06-01")
    run("lambda_runtime", "--drain")
    run("pipeline_status")
    run("crawl", "--wait")
    return json.loads((shared_data / "orders.expected.json").read_text())


def test_course_file_is_processed_with_109_of_200_rows_kept(course_pipeline):
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.PROCESSED
    assert (upload.rows_in, upload.rows_out) == (200, course_pipeline["rows_kept"])
    # Stale orders are stored flagged (reports leave them out), no longer dropped at ingest.
    assert upload.manifest["rows_stale"] == course_pipeline["rows_dropped_by_rule"]


def test_sales_by_customer_equals_the_expected_values(course_pipeline):
    rows = report_rows("sales-by-customer")  # 5 customers: the top 10 fold none into an Other row
    assert [r.pop("other") for r in rows] == [0] * len(course_pipeline["sales_by_customer"])
    got = [{**r, "revenue": money(r["revenue"]), "average_order_value": money(r["average_order_value"])} for r in rows]
    assert got == course_pipeline["sales_by_customer"]


def test_revenue_by_month_equals_the_expected_values(course_pipeline):
    rows = report_rows("revenue-by-month")
    assert [{**r, "revenue": money(r["revenue"])} for r in rows] == course_pipeline["revenue_by_month"]


def test_status_summary_equals_the_expected_values(course_pipeline):
    rows = report_rows("status-summary")
    assert [{**r, "revenue": money(r["revenue"])} for r in rows] == course_pipeline["status_summary"]


def test_average_order_value_per_customer_equals_the_expected_values(course_pipeline):
    rows = report_rows("aov-by-customer")
    expected = sorted(
        course_pipeline["sales_by_customer"], key=lambda r: (-Decimal(r["average_order_value"]), r["customer"])
    )
    assert [(r["customer"], money(r["average_order_value"]), r["orders"]) for r in rows] == [
        (r["customer"], r["average_order_value"], r["orders"]) for r in expected
    ]


def test_top_orders_of_february_equal_the_expected_values(course_pipeline):
    rows = report_rows("top-orders", "month=2025-02")
    got = [{**r, "amount": money(r["amount"])} for r in rows]
    assert got == course_pipeline["top_orders_2025_02"]


def test_kpis_equal_the_expected_values(course_pipeline):
    (row,) = report_rows("kpis")
    kpis = course_pipeline["kpis"]
    assert (money(row["revenue"]), row["orders"], money(row["average_order_value"]), row["customers"]) == (
        kpis["revenue"],
        kpis["orders"],
        kpis["average_order_value"],
        kpis["customers"],
    )


def test_kpis_of_no_orders_print_zero_revenue_and_a_dash_for_the_average(course_pipeline):
    # As of 2025-06-01 every pending order of the course data is 30 or more days old: none counts.
    (header, row) = run("report", "kpis", "--param", "statuses=pending").splitlines()
    assert header.split() == ["revenue", "orders", "average_order_value", "customers"]
    assert row.split() == ["0.00", "0", "–", "0"]


def test_pipeline_status_prints_no_row_counts_for_a_refused_file(course_pipeline, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(CommandError, match="1 file"):
        run("upload", str(tmp_path / "empty.csv"))
    lines = run("pipeline_status").splitlines()
    refused = next(line for line in lines if "empty.csv" in line)
    assert "rows –" in refused and "None" not in refused
    assert "rows 200→109" in next(line for line in lines if " orders.csv " in line)
    assert lines[0] == "uploads: processed 1, rejected 1"


def test_report_json_carries_engine_metadata(course_pipeline):
    body = json.loads(run("report", "kpis", "--json"))
    assert body["meta"]["engine"] == "duckdb"
    assert body["meta"]["bytes_scanned"] > 0
    assert body["meta"]["output_location"].startswith("s3://ordersite-test/enriched/")


def test_pipeline_status_json_lists_the_upload(course_pipeline):
    status = json.loads(run("pipeline_status", "--json"))
    assert status["uploads"]["processed"] == 1
    assert status["last_crawl"]["state"] == "succeeded"
    # The status sync registers the file's four months as it is processed, so the crawl finds
    # them in the catalog already: it adds none and counts four in all.
    assert status["last_crawl"]["partitions_total"] == 4
