"""The crawler seam on the twin: the local crawler over real Lambda output, and the Glue crawler
driven through moto's crawler state machine."""

import io
import os
import subprocess
import sys
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from filter_and_process_orders.contract import SCHEMA as ORDERS_SCHEMA

from ordersite.aws import aws_client, glue
from pipeline_admin import services
from pipeline_admin.crawler import CrawlerError, GlueCrawler, LocalCrawler, crawl_run
from pipeline_admin.models import CrawlerRun

COURSE_MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04"]


def crawl_now(**kwargs) -> CrawlerRun:
    run, created = services.crawl_request(**kwargs)
    assert created
    return services.crawl_execute(run_id=run.pk)


def catalog_columns() -> dict[str, str]:
    return {c["Name"]: c["Type"] for c in glue.table_get()["StorageDescriptor"]["Columns"]}


def partition_months() -> list[str]:
    return sorted(p["Values"][0] for p in glue.partitions_list())


def put_parquet(key: str, table: pa.Table) -> None:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    aws_client("s3").put_object(Bucket=settings.PIPELINE_BUCKET, Key=key, Body=sink.getvalue())


# --- local crawler --------------------------------------------------------------------------


def test_the_local_crawler_registers_the_table_and_one_partition_per_month_of_lambda_output(course_processed):
    run = crawl_now()
    assert run.state == CrawlerRun.State.SUCCEEDED, run.error
    table = glue.table_get()
    assert table["Parameters"]["classification"] == "parquet"
    assert table["StorageDescriptor"]["Location"] == f"s3://{settings.PIPELINE_BUCKET}/processed/orders/"
    assert table["PartitionKeys"] == [{"Name": "order_month", "Type": "string"}]
    assert catalog_columns() == {  # the orders contract, as agreed
        "order_id": "string",
        "customer": "string",
        "amount": "decimal(12,2)",
        "status": "string",
        "order_date": "date",
        **dict.fromkeys(["product", "category", "region", "country", "channel"], "string"),
        "quantity": "bigint",
        "line_count": "int",
        "stale": "boolean",
        "source_line": "bigint",
        "source_lines": "string",
        "source_key": "string",
        "ingested_at": "timestamp",
    }
    assert partition_months() == COURSE_MONTHS
    (partition,) = [p for p in glue.partitions_list() if p["Values"] == ["2025-02"]]
    assert partition["StorageDescriptor"]["Location"].endswith("/processed/orders/order_month=2025-02/")
    assert (run.tables, run.tables_created, run.tables_updated) == ({"created": ["orders"], "updated": []}, 1, 0)
    assert (run.partitions_added, run.partitions_total) == (4, 4)
    assert run.drift == [] and run.schema_before == [] and len(run.schema_after) == 17
    assert run.finished_at >= run.started_at and run.duration_seconds >= 0


def test_the_twins_crawler_went_through_running_to_ready_during_a_local_crawl(course_processed):
    assert glue.crawler_get()["State"] == "READY" and glue.crawls_list() == []
    crawl_now()
    crawler = glue.crawler_get()
    assert crawler["State"] == "READY"
    assert crawler["LastCrawl"]["Status"] == "COMPLETED"
    (crawl,) = glue.crawls_list()
    assert crawl["State"] == "COMPLETED" and crawl["EndTime"] >= crawl["StartTime"]


def test_the_local_crawler_settles_the_twin_whatever_its_crawl_transition(course_processed, crawl_transition):
    crawl_transition(progression="manual", times=3)
    assert crawl_now().state == CrawlerRun.State.SUCCEEDED
    assert glue.crawler_get()["State"] == "READY"


def test_a_twin_crawl_left_running_by_a_dead_worker_does_not_block_the_next_crawl(course_processed):
    aws_client("glue").start_crawler(Name=settings.GLUE_CRAWLER)
    assert glue.crawler_get()["State"] == "RUNNING"
    run = crawl_now()
    assert run.state == CrawlerRun.State.SUCCEEDED, run.error
    assert glue.crawler_get()["LastCrawl"]["Status"] == "COMPLETED"


def test_a_second_crawl_without_new_data_changes_nothing(course_processed):
    crawl_now()
    run = crawl_now()
    assert (run.tables_created, run.tables_updated, run.partitions_added, run.partitions_total) == (0, 0, 0, 4)
    assert run.drift == []


def test_a_new_month_of_data_adds_exactly_one_partition(course_processed, processed):
    crawl_now()
    processed("N0001,Zoe,120.00,shipped,2025-07-03\n", as_of="2025-07-10", name="july.csv")
    run = crawl_now()
    assert (run.partitions_added, run.partitions_total, run.tables_updated) == (1, 5, 0)
    assert partition_months() == [*COURSE_MONTHS, "2025-07"]


def test_schema_drift_lists_added_removed_and_retyped_columns(course_processed):
    crawl_now()
    # The contract's columns less customer, amount as a float, and a column no one declared.
    columns = {f.name: pa.nulls(1, f.type) for f in ORDERS_SCHEMA if f.name != "customer"}
    drifted = pa.table({**columns, "amount": pa.array([12.5], pa.float64()), "coupon": pa.array(["X"])})
    put_parquet("processed/orders/order_month=2025-08/drifted.parquet", drifted)
    run = crawl_now()
    assert run.state == CrawlerRun.State.SUCCEEDED, run.error
    changes = {(c["column"], c["change"], c["before"], c["after"]) for c in run.drift}
    assert changes == {
        ("coupon", "added", None, "string"),
        ("customer", "removed", "string", None),
        ("amount", "changed", "decimal(12,2)", "double"),
    }
    assert (run.tables_updated, run.tables["updated"]) == (1, ["orders"])
    assert catalog_columns()["amount"] == "double" and "customer" not in catalog_columns()


def test_an_unreadable_parquet_file_fails_the_run_with_its_key_and_frees_the_twin(course_processed):
    aws_client("s3").put_object(
        Bucket=settings.PIPELINE_BUCKET, Key="processed/orders/order_month=2025-09/broken.parquet", Body=b"not parquet"
    )
    run = crawl_now()
    assert run.state == CrawlerRun.State.FAILED
    assert "processed/orders/order_month=2025-09/broken.parquet is not a readable Parquet file" in run.error
    assert run.finished_at is not None
    assert glue.crawler_get()["State"] == "READY"
    assert CrawlerRun.objects.filter(state=CrawlerRun.State.RUNNING).count() == 0


def test_a_crawl_with_no_processed_data_succeeds_and_creates_nothing(twin):
    run = crawl_now()
    assert (run.state, run.tables_created, run.partitions_total) == (CrawlerRun.State.SUCCEEDED, 0, 0)
    assert glue.table_get() is None


def test_a_finished_crawl_bumps_the_dashboard_data_version(course_processed):
    from dashboard.services import data_version_get

    before = data_version_get()
    crawl_now()
    assert data_version_get() == before + 1


# --- Glue crawler (PIPELINE_MODE=aws logic against moto's crawler state machine) ----------------


def create_orders_table_as_the_crawler_would(months: list[str]) -> None:
    """What the real crawler writes into the catalog; moto's crawler never crawls."""
    from pipeline_admin.crawler import _partition_input, _table_input

    table_input = _table_input([{"Name": "order_id", "Type": "string"}, {"Name": "amount", "Type": "double"}])
    glue.table_put(table_input=table_input, exists=False)
    glue.partitions_create(partition_inputs=[_partition_input(table_input, m) for m in months])


def crawl_in_thread(**kwargs) -> tuple[threading.Thread, threading.Event, dict]:
    polled, box = threading.Event(), {}

    def target():
        try:
            box["outcome"] = crawl_run(crawler=GlueCrawler(), poll_seconds=0.02, on_poll=polled.set, **kwargs)
        except Exception as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, polled, box


def test_the_glue_crawler_is_polled_until_moto_moves_it_from_running_to_ready(twin, crawl_transition):
    crawl_transition(progression="manual", times=10**6)
    thread, polled, box = crawl_in_thread()
    assert polled.wait(timeout=30), box
    assert GlueCrawler().status().state == "RUNNING" and thread.is_alive()
    create_orders_table_as_the_crawler_would(["2025-01", "2025-02"])
    crawl_transition(progression="immediate")
    thread.join(timeout=30)
    outcome = box["outcome"]
    assert (outcome.tables_created, outcome.partitions_added, outcome.joined_running) == (["orders"], 2, False)
    assert GlueCrawler().status().last_crawl == "COMPLETED"


def test_a_glue_crawl_already_running_is_joined_not_reported_as_an_error(twin, crawl_transition):
    crawl_transition(progression="manual", times=10**6)
    aws_client("glue").start_crawler(Name=settings.GLUE_CRAWLER)  # e.g. from the AWS console
    thread, polled, box = crawl_in_thread()
    assert polled.wait(timeout=30), box
    crawl_transition(progression="immediate")
    thread.join(timeout=30)
    assert box["outcome"].joined_running is True
    assert len(glue.crawls_list()) == 1


def test_a_glue_crawl_stopped_from_outside_is_reported_as_failed(twin, crawl_transition):
    crawl_transition(progression="manual", times=10**6)
    thread, polled, box = crawl_in_thread()
    assert polled.wait(timeout=30), box
    aws_client("glue").stop_crawler(Name=settings.GLUE_CRAWLER)  # someone cancels it in the console
    crawl_transition(progression="immediate")
    thread.join(timeout=30)
    assert isinstance(box.get("error"), CrawlerError)
    assert str(box["error"]) == "crawl stopped: Glue gave no message"


def test_a_glue_crawl_that_does_not_finish_in_time_fails_with_the_timeout(twin, crawl_transition):
    crawl_transition(progression="manual", times=10**6)
    with pytest.raises(CrawlerError, match="did not finish within 0 s"):
        crawl_run(crawler=GlueCrawler(), poll_seconds=0, timeout_seconds=0)


def test_in_aws_mode_a_run_records_the_glue_crawl(twin, settings, crawl_transition, pipeline_admin):
    settings.PIPELINE_MODE = "aws"
    settings.CRAWLER_BACKEND = "pipeline_admin.crawler.GlueCrawler"
    crawl_transition(progression="immediate")
    run = crawl_now(user=pipeline_admin)
    assert (run.state, run.mode, run.requested_by) == (CrawlerRun.State.SUCCEEDED, "aws", pipeline_admin)
    assert glue.crawler_get()["LastCrawl"]["Status"] == "COMPLETED"


def test_in_aws_mode_a_missing_crawler_fails_the_run_with_a_clear_message(twin, settings):
    settings.CRAWLER_BACKEND = "pipeline_admin.crawler.GlueCrawler"
    settings.GLUE_CRAWLER = "no-such-crawler"
    run = crawl_now()
    assert run.state == CrawlerRun.State.FAILED
    assert "could not start crawler no-such-crawler" in run.error


def test_the_crawler_is_the_class_the_crawler_backend_setting_names(settings):
    from pipeline_admin.crawler import crawler_for_mode

    assert settings.CRAWLER_BACKEND == "pipeline_admin.crawler.LocalCrawler"  # the twin's default
    assert isinstance(crawler_for_mode(), LocalCrawler)
    settings.CRAWLER_BACKEND = "pipeline_admin.crawler.GlueCrawler"
    assert isinstance(crawler_for_mode(), GlueCrawler)


def test_aws_mode_defaults_to_athena_and_the_glue_crawler():
    code = "from django.conf import settings as s; print(s.REPORT_ENGINE, s.CRAWLER_BACKEND)"
    env = os.environ | {"PIPELINE_MODE": "aws", "PIPELINE_BUCKET": "b", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=settings.BASE_DIR, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.split() == ["dashboard.engines.athena.athena_run", "pipeline_admin.crawler.GlueCrawler"]


def test_parquet_is_read_from_a_buffer_arrow_allocated_not_from_python_bytes(twin):
    """Review B8-8: a reader over Python's bytes (io.BytesIO, pa.py_buffer) may be released by an Arrow
    thread while the interpreter exits, which aborts it; the crawler and the dashboard bench read the
    object from memory Arrow's pool allocated (a wrapper of Python bytes allocates nothing there)."""
    from ordersite.aws import s3

    key = "processed/orders/order_month=2025-05/owned.parquet"
    put_parquet(key, pa.table({"order_id": ["1", "2"], "amount": [1.5, 2.5]}))
    stored = aws_client("s3").get_object(Bucket=settings.PIPELINE_BUCKET, Key=key)["Body"].read()
    before = pa.total_allocated_bytes()
    buffer = s3.object_arrow_buffer(key=key)
    assert pa.total_allocated_bytes() - before >= len(stored)
    assert buffer.to_pybytes() == stored
    assert pq.read_table(buffer).column("order_id").to_pylist() == ["1", "2"]
