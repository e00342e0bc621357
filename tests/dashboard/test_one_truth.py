"""One truth across uploads (issue 14): each order's latest version over all uploads and months
wins first, then stale orders leave, then the filters apply.

The processed files are written here in the orders contract's Parquet shape (as the Lambda
writes them, stale rows flagged), so these tests hold the reports alone to the rule; the
expected values are worked out by hand from the issue's examples."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.management import call_command
from filter_and_process_orders.contract import SCHEMA  # the Parquet the Lambda writes

from dashboard.reports import report_query
from dashboard.services import report_compute
from ordersite.aws import s3
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync


def processed(name: str, ingested: datetime, rows: list[tuple], *, optional: bool = False) -> None:
    """One raw file's output: rows (order_id, customer, amount, status, order_date, stale), one
    Parquet file per order month, as the Lambda writes them (`optional`: as it wrote them before
    2026-12-02, every column OPTIONAL)."""
    by_month: dict[str, list[dict]] = {}
    for line, (order_id, customer, amount, status, day, stale) in enumerate(rows, start=2):
        by_month.setdefault(day[:7], []).append(
            {
                "order_id": order_id,
                "customer": customer,
                "amount": Decimal(amount),
                "status": status,
                "order_date": date.fromisoformat(day),
                "line_count": 1,
                "stale": stale,
                "source_line": line,
                "source_key": f"raw/{name}.csv",
                "ingested_at": ingested,
            }
        )
    for month, records in by_month.items():
        out = io.BytesIO()
        schema = pa.schema([f.with_nullable(True) for f in SCHEMA]) if optional else SCHEMA
        pq.write_table(pa.Table.from_pylist(records, schema=schema), out, store_schema=False)
        key = f"{settings.PROCESSED_PREFIX}order_month={month}/{name}.parquet"
        s3.object_put_bytes(key=key, body=out.getvalue(), content_type="application/octet-stream")


def report(slug: str, **params) -> list[dict]:
    result = report_compute(query=report_query(slug, params))
    assert not result.error, result.error
    return [dict(zip(result.columns, row)) for row in result.rows]


def kpis(**params) -> tuple[int, Decimal]:
    (row,) = report("kpis", **params)
    return row["orders"], Decimal(row["revenue"] or 0)


@pytest.fixture
def pat(twin):
    """Export 1 (as of 2025-01-20), then export 2 (as of 2025-03-10) where C-10 is cancelled: the
    cancellation is older than 30 days, so the Lambda flags it stale."""
    processed(
        "export-1",
        datetime(2025, 1, 20, tzinfo=UTC),
        [
            ("C-10", "Pat", "300.00", "shipped", "2025-01-15", False),
            ("C-11", "Pat", "20.00", "shipped", "2025-01-16", False),
        ],
    )
    processed(
        "export-2",
        datetime(2025, 3, 10, tzinfo=UTC),
        [
            ("C-10", "Pat", "300.00", "cancelled", "2025-01-15", True),
            ("C-11", "Pat", "20.00", "shipped", "2025-01-16", False),
        ],
    )
    call_command("crawl", "--wait", stdout=io.StringIO())


def test_a_later_stale_cancellation_removes_the_order_from_every_report(pat):
    assert kpis() == (1, Decimal("20.00"))
    assert kpis(customer="Pat", start_date="2025-01-01", end_date="2025-01-31") == (1, Decimal("20.00"))
    everywhere = {
        slug: report(slug, **extra)
        for slug, extra in [
            ("top-orders", {}),
            ("top-orders", {"month": "2025-01"}),
            ("sales-by-customer", {}),
            ("revenue-by-month", {}),
            ("status-summary", {}),
            ("daily-orders", {}),
            ("aov-by-customer", {}),
        ]
    }
    assert [r["order_id"] for r in everywhere["top-orders"]] == ["C-11"]
    assert everywhere["sales-by-customer"] == [
        {"customer": "Pat", "other": 0, "orders": 1, "revenue": "20.00", "average_order_value": "20.00"}
    ]
    assert everywhere["status-summary"] == [{"status": "shipped", "orders": 1, "revenue": "20.00"}]
    assert [(r["day"], r["orders"]) for r in everywhere["daily-orders"]] == [("2025-01-16", 1)]
    assert "C-10" not in str(everywhere) and "300.00" not in str(everywhere)


def test_files_written_before_and_after_the_required_columns_count_together_in_one_month(twin):
    processed(  # before 2026-12-02: every column OPTIONAL
        "old-1",
        datetime(2025, 1, 20, tzinfo=UTC),
        [
            ("C-10", "Pat", "300.00", "shipped", "2025-01-15", False),
            ("C-11", "Pat", "20.00", "shipped", "2025-01-16", False),
            ("C-12", "Kim", "5.00", "shipped", "2025-01-17", False),
        ],
        optional=True,
    )
    processed(  # since: order_id, amount, order_date, stale, source_line, ... REQUIRED
        "new-2",
        datetime(2025, 3, 10, tzinfo=UTC),
        [
            ("C-10", "Pat", "300.00", "cancelled", "2025-01-15", True),
            ("C-11", "Pat", "20.00", "shipped", "2025-01-16", False),
        ],
    )
    call_command("crawl", "--wait", stdout=io.StringIO())
    # By hand: C-10's latest version (new-2) is stale, C-11's is new-2's 20.00, C-12 is only in old-1.
    assert kpis() == (2, Decimal("25.00"))
    assert report("revenue-by-month") == [{"month": "2025-01", "orders": 2, "revenue": "25.00"}]
    assert [(r["customer"], r["revenue"]) for r in report("sales-by-customer")] == [("Pat", "20.00"), ("Kim", "5.00")]


@pytest.fixture
def rui(twin):
    """Export 1 has M-5 on 2025-05-31 and M-6 on 2025-05-10; a later export re-dates M-5 to June."""
    processed(
        "rui-1",
        datetime(2025, 6, 2, tzinfo=UTC),
        [
            ("M-5", "Rui", "70.00", "shipped", "2025-05-31", False),
            ("M-6", "Rui", "7.00", "shipped", "2025-05-10", False),
        ],
    )
    processed("rui-2", datetime(2025, 6, 5, tzinfo=UTC), [("M-5", "Rui", "70.00", "shipped", "2025-06-01", False)])
    call_command("crawl", "--wait", stdout=io.StringIO())


def test_an_order_moved_to_another_month_counts_only_in_its_latest_month(rui):
    assert kpis() == (2, Decimal("77.00"))
    assert kpis(start_date="2025-05-01", end_date="2025-05-31") == (1, Decimal("7.00"))
    assert kpis(start_date="2025-06-01", end_date="2025-06-30") == (1, Decimal("70.00"))
    assert [r["order_id"] for r in report("top-orders", month="2025-05")] == ["M-6"]
    assert [r["order_id"] for r in report("top-orders", month="2025-06")] == ["M-5"]
    assert [(r["month"], r["orders"], r["revenue"]) for r in report("revenue-by-month")] == [
        ("2025-05", 1, "7.00"),
        ("2025-06", 1, "70.00"),
    ]


def test_within_one_ingest_time_the_later_line_then_the_later_file_wins(twin):
    same_time = datetime(2025, 6, 2, tzinfo=UTC)
    processed("a", same_time, [("X-1", "Ann", "1.00", "shipped", "2025-05-02", False)])
    processed(
        "b",
        same_time,
        [
            ("X-0", "Ann", "5.00", "shipped", "2025-05-01", False),
            ("X-1", "Ann", "2.00", "shipped", "2025-05-02", False),
        ],
    )
    processed("c", same_time, [("X-0", "Ann", "9.00", "shipped", "2025-05-01", False)])
    call_command("crawl", "--wait", stdout=io.StringIO())
    # X-1: line 3 of b beats line 2 of a; X-0: both on line 2, the later raw key (c) wins.
    assert {r["order_id"]: r["amount"] for r in report("top-orders")} == {"X-0": "9.00", "X-1": "2.00"}


def through_the_pipeline(csv_text: str, name: str, as_of: str) -> None:
    """An export as staff upload it: raw/ -> the Lambda -> the status sync (no crawl)."""
    upload_create(user=None, fileobj=io.BytesIO(csv_text.encode()), name=name, as_of=date.fromisoformat(as_of))
    runtime_drain()
    uploads_sync()


def test_the_issues_examples_hold_end_to_end_through_the_lambda(twin):
    header = "order_id,customer,amount,status,order_date\n"
    pat_1 = "C-10,Pat,300.00,shipped,2025-01-15\nC-11,Pat,20.00,shipped,2025-01-16\n"
    pat_2 = "C-10,Pat,300.00,cancelled,2025-01-15\nC-11,Pat,20.00,shipped,2025-01-16\n"
    through_the_pipeline(header + pat_1, "e1.csv", "2025-01-20")
    through_the_pipeline(header + pat_2, "e2.csv", "2025-03-10")
    assert kpis(customer="Pat") == (1, Decimal("20.00"))
    assert "C-10" not in str(report("top-orders")) + str(report("sales-by-customer"))
    rui_1 = "M-5,Rui,70.00,shipped,2025-05-31\nM-6,Rui,7.00,shipped,2025-05-10\n"
    through_the_pipeline(header + rui_1, "r1.csv", "2025-06-02")
    through_the_pipeline(header + "M-5,Rui,70.00,shipped,2025-06-01\n", "r2.csv", "2025-06-05")
    assert kpis(customer="Rui", start_date="2025-05-01", end_date="2025-05-31") == (1, Decimal("7.00"))
    assert kpis(customer="Rui", start_date="2025-06-01", end_date="2025-06-30") == (1, Decimal("70.00"))
    assert [r["order_id"] for r in report("top-orders", month="2025-05")] == ["M-6"]
