"""The local engine (DuckDB over the twin's S3) with many small Parquet objects: the course file
plus BENCH_OBJECTS (default 110) one-order objects spread over six months, as many small uploads
leave them.

Prints, per dashboard report, the engine time and the HTTP requests the twin received (counted
by the twin itself, moto's request recorder), by method and path kind, for BENCH_ROUNDS rounds
(default 2: the first one lists the objects of this data version, the next ones reuse the list).
No asserts; run `python bench/local_engine_bench.py`.

Everything runs on 127.0.0.1 on free ports: a private Redis, the twin, a temporary SQLite file.
"""

import io
import json
import os
import sys
import time
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from stack import Stack, course_load

ROOT = Path(__file__).resolve().parent.parent
OBJECTS = int(os.environ.get("BENCH_OBJECTS", 110))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 2))


def small_object(i: int) -> tuple[str, bytes]:
    """One order in the Lambda's Parquet schema, in one of the course data's six months."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from filter_and_process_orders.storage import ORDERS_SCHEMA

    month = 1 + i % 6
    row = {
        "order_id": f"SMALL{i:04d}", "customer": f"Small {i % 7}", "amount": Decimal("10.00"),
        "status": "confirmed", "order_date": date(2025, month, 1 + i % 28), "product": "Widget",
        "category": "Tools", "region": "EU", "country": "DE", "channel": "web", "quantity": 1,
        "line_count": 1, "stale": False, "source_line": 2, "source_key": f"raw/small-{i:04d}.csv",
        "ingested_at": datetime(2025, 6, 1, 12, 0, i % 60, tzinfo=UTC),
    }  # fmt: skip
    table = pa.Table.from_pylist([{f.name: row.get(f.name) for f in ORDERS_SCHEMA}], schema=ORDERS_SCHEMA)
    out = io.BytesIO()
    pq.write_table(table, out)
    return f"2025-{month:02d}", out.getvalue()


def load_data() -> None:
    from django.conf import settings
    from django.core.management import call_command

    from ordersite.aws import s3

    course_load()
    quiet = io.StringIO()
    call_command("pipeline_status", stdout=quiet)
    for i in range(OBJECTS):
        month, body = small_object(i)
        key = f"{settings.PROCESSED_PREFIX}order_month={month}/small-{i:04d}.parquet"
        s3.object_put_bytes(key=key, body=body, content_type="application/vnd.apache.parquet")
    call_command("crawl", "--wait", stdout=quiet)


def twin(endpoint: str, action: str) -> bytes:
    method = "GET" if action == "download-recording" else "POST"
    request = urllib.request.Request(f"{endpoint}/moto-api/recorder/{action}", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def kind(entry: dict) -> str:
    path = entry["url"].split("?")[0]
    query = entry["url"].partition("?")[2]
    if "list-type=2" in query or "prefix=" in query:
        what = "list"
    elif path.endswith("/"):
        what = "prefix/"
    elif path.endswith(".parquet"):
        what = "object"
    else:
        what = "other"
    return f"{entry['method']} {what}"


def measure(endpoint: str, slug: str) -> tuple[int, int, Counter]:
    from dashboard.engines import engine_run
    from dashboard.keys import data_version_get
    from dashboard.reports import report_query

    twin(endpoint, "reset-recording")
    twin(endpoint, "start-recording")
    try:
        started = time.monotonic()
        engine_run(report_query(slug, {}), data_version=data_version_get())
        elapsed = int((time.monotonic() - started) * 1000)
    finally:
        twin(endpoint, "stop-recording")
    entries = [json.loads(line) for line in twin(endpoint, "download-recording").decode().splitlines() if line]
    return elapsed, len(entries), Counter(kind(e) for e in entries)


def main() -> None:
    stack = Stack(CELERY_TASK_ALWAYS_EAGER="1", CRAWLER_AUTO="0", DASHBOARD_WARM_ON_NEW_DATA="0")
    stack.env["MOTO_RECORDER_FILEPATH"] = str(stack.tmp / "twin-requests.jsonl")
    os.environ.update(stack.env | {"DJANGO_SETTINGS_MODULE": "ordersite.settings"})
    try:
        stack.start()
        import django

        django.setup()
        from dashboard.reports import DASHBOARD

        load_data()
        print(f"course file + {OBJECTS} one-order Parquet objects over 6 months")
        for round_ in range(1, ROUNDS + 1):
            total_ms = total_requests = 0
            for slug in DASHBOARD:
                elapsed, requests, kinds = measure(stack.env["AWS_ENDPOINT_URL"], slug)
                total_ms, total_requests = total_ms + elapsed, total_requests + requests
                detail = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
                print(f"round {round_} {slug:18s} {elapsed:7d} ms {requests:6d} requests ({detail})")
            print(f"round {round_} all {len(DASHBOARD)} reports: {total_ms} ms, {total_requests} requests")
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
