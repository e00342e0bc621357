"""Dashboard benchmark on the local twin: the course data plus a generated month of 1M orders.

Measures, and prints (no asserts):
  * cold page latency (cache empty: the page answers at once and enqueues jobs) and the time until
    every card holds a fresh result, p50/p99 over BENCH_COLD_ROUNDS rounds;
  * warm page latency p50/p99 over BENCH_WARM_REQUESTS requests;
  * 50 concurrent page loads on a cold cache: engine queries really run (target: one per report);
  * bytes scanned by each report over Parquet (the engine) vs the same SQL over CSV copies of the
    same rows in processed/ (target: at least 5x fewer);
  * the peer: the reference builds run every query on every page load, so their page costs the
    sum of the engine times.

Everything runs on 127.0.0.1 on free ports: a private Redis, the twin (moto server), a Celery
worker, a temporary SQLite database. Rows: BENCH_ROWS (default 1,000,000).
"""

import io
import os
import random
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from stack import Stack, course_load

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
COLD_ROUNDS = int(os.environ.get("BENCH_COLD_ROUNDS", 5))
WARM_REQUESTS = int(os.environ.get("BENCH_WARM_REQUESTS", 200))
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", 50))
GENERATED_MONTH = "2024-12"
CSV_PREFIX = "processed/orders-csv/"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1000:8.1f} ms   p99 {pct(values, 0.99) * 1000:8.1f} ms   (n={len(values)})"


def generate_month(rows: int) -> bytes:
    """A month of synthetic orders in the Lambda's Parquet schema, with 1% re-ingested duplicates."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from filter_and_process_orders.storage import ORDERS_SCHEMA

    rng = random.Random(6)
    customers = [f"Customer {i:03d}" for i in range(200)]
    statuses = ["confirmed", "shipped", "delivered", "returned"]
    first = date(2024, 12, 1)
    ids = [f"G{i:07d}" for i in range(rows)]
    ids += ids[: rows // 100]  # overlapping export: the later ingest must win
    count = len(ids)
    ingested = [datetime(2025, 1, 2, tzinfo=UTC)] * rows + [datetime(2025, 1, 3, tzinfo=UTC)] * (count - rows)
    data = {
        "order_id": ids,
        "customer": [customers[rng.randrange(200)] for _ in range(count)],
        "amount": [Decimal(rng.randrange(100, 100_000)) / 100 for _ in range(count)],
        "status": [statuses[rng.randrange(4)] for _ in range(count)],
        "order_date": [first + timedelta(days=rng.randrange(31)) for _ in range(count)],
        "source_key": ["raw/2025/01/02/bench__generated.csv"] * count,
        "ingested_at": ingested,
        "stale": [False] * count,
        "source_line": list(range(2, count + 2)),
    }
    # The contract's other columns are absent, as in an export without them (they read as NULL).
    table = pa.Table.from_pydict(data, schema=pa.schema([ORDERS_SCHEMA.field(name) for name in data]))
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy")
    return buffer.getvalue()


def load_data() -> None:
    from django.conf import settings
    from django.core.management import call_command

    from ordersite.aws import s3

    course_load()
    quiet = io.StringIO()
    started = time.monotonic()
    body = generate_month(ROWS)
    key = f"{settings.PROCESSED_PREFIX}order_month={GENERATED_MONTH}/bench-generated.parquet"
    s3.object_put_bytes(key=key, body=body, content_type="application/vnd.apache.parquet")
    print(
        f"generated {ROWS:,} orders for {GENERATED_MONTH}: {len(body) / 1e6:.1f} MB Parquet"
        f" in {time.monotonic() - started:.1f} s"
    )
    call_command("crawl", "--wait", stdout=quiet)
    csv_copies()


def csv_copies() -> None:
    """The same rows as CSV in processed/, partitioned the same way: the peer format."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq
    from django.conf import settings

    from dashboard.engines.local import ORDER_COLUMNS
    from ordersite.aws import s3

    total = 0
    for obj in list(s3.objects_iter(prefix=settings.PROCESSED_PREFIX)):
        if not obj.key.endswith(".parquet"):
            continue
        table = pq.read_table(s3.object_arrow_buffer(key=obj.key))
        # Every contract column in the engine's order (empty where this file has none).
        names = [name for name in ORDER_COLUMNS if name != "order_month"]
        table = pa.table({name: table[name] if name in table.column_names else pa.nulls(len(table)) for name in names})
        out = io.BytesIO()
        pcsv.write_csv(table, out)
        csv_key = CSV_PREFIX + obj.key[len(settings.PROCESSED_PREFIX) :].replace(".parquet", ".csv")
        s3.object_put_bytes(key=csv_key, body=out.getvalue(), content_type="text/csv")
        total += len(out.getvalue())
    print(f"CSV copies in {CSV_PREFIX}: {total / 1e6:.1f} MB")


def csv_bytes_scanned(slug: str, params: dict | None = None) -> int:
    """Run the report's SQL with DuckDB over the CSV copies, counting the bytes fetched."""
    import duckdb
    from django.conf import settings

    from dashboard.engines.local import ORDER_COLUMNS, _filesystem, transpile
    from dashboard.reports import report_query, report_statement
    from ordersite.aws import s3

    # Smallest first, as the engine orders Parquet files: DuckDB binds from the first file.
    objects = sorted(s3.objects_iter(prefix=CSV_PREFIX), key=lambda o: (o.size, o.key))
    files = [f"s3://{settings.PIPELINE_BUCKET}/{o.key}" for o in objects]
    listing = ", ".join(f"'{f}'" for f in files)
    fs = _filesystem()
    con = duckdb.connect(config={"threads": 2})
    con.register_filesystem(fs)
    # The CSV copies hold every contract column, as the Parquet files do (order_month comes from the path).
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in ORDER_COLUMNS.items() if name != "order_month")
    con.execute(
        f"CREATE VIEW orders AS SELECT * FROM read_csv([{listing}], header = true, hive_partitioning = true, "
        f"columns = {{{columns}}})"
    )
    sql, bound = report_statement(report_query(slug, params or {}), data_version=0)
    con.execute(transpile(sql), bound).fetchall()
    con.close()
    return fs.bytes_read


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def all_fresh(slugs: list[str]) -> bool:
    from dashboard.reports import report_query
    from dashboard.selectors import report_view

    return all(report_view(query=report_query(s, {})).fresh for s in slugs)


def wait_fresh(slugs: list[str], seconds: float = 600) -> float:
    started = time.monotonic()
    while not all_fresh(slugs):
        if time.monotonic() - started > seconds:
            raise SystemExit("reports did not finish computing: is the Celery worker running?")
        time.sleep(0.05)
    return time.monotonic() - started


def main() -> None:
    # Real Celery jobs (not eager), no warm-up and no budget: the cold cache is what is measured.
    stack = Stack(CELERY_TASK_ALWAYS_EAGER="0", DASHBOARD_WARM_ON_NEW_DATA="0", DASHBOARD_DAILY_SCAN_BYTES_PER_USER="0")
    stack.start()
    os.environ.update(stack.env)  # this process drives Django against the same stack
    try:
        run(stack)
    finally:
        stack.stop()


def run(stack: Stack) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordersite.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connections

    from dashboard.models import ReportRun
    from dashboard.reports import DASHBOARD, PAGE
    from dashboard.services import data_version_bump
    from ordersite.roles import ANALYSTS

    load_data()
    stack.start_worker()
    analyst = User.objects.create_user("bench-analyst", password="x")
    analyst.groups.add(Group.objects.get(name=ANALYSTS))
    client = client_for(analyst)

    # 1. Cold cache: 50 concurrent page loads, then wait for the jobs; count the engine runs.
    data_version_bump(reason="processed")
    ReportRun.objects.all().delete()
    # Log every viewer in first: sessions are writes, and the page loads are the thing measured.
    viewers = [client_for(analyst) for _ in range(CONCURRENT)]
    barrier = threading.Barrier(CONCURRENT, timeout=120)
    latencies: list[float] = []
    failures: list[str] = []

    def viewer(own):
        try:
            barrier.wait()
            started = time.monotonic()
            response = own.get("/dashboard/")
            latencies.append(time.monotonic() - started)
            if response.status_code != 200:
                failures.append(f"HTTP {response.status_code}")
        except Exception as exc:  # reported below; one failed viewer must not hang the others
            failures.append(repr(exc))
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=viewer, args=(own,)) for own in viewers]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{len(failures)} page loads failed, e.g. {failures[0]}")
    ready = wait_fresh(PAGE)
    total = time.monotonic() - started
    runs = list(ReportRun.objects.values_list("slug", flat=True))
    print(
        f"\n{CONCURRENT} concurrent page loads on a cold cache ({len(PAGE)} reports per page with the filter values):"
    )
    print(f"  page latency under that load   {ms(latencies)}")
    print(f"  engine queries run: {len(runs)} for {len(PAGE)} reports (target {len(PAGE)})")
    print(f"  every card fresh after {total:.2f} s (jobs finished {ready:.2f} s after the last response)")
    per_report = {r.slug: r for r in ReportRun.objects.all()}

    # 2. Cold rounds: one viewer, the cache emptied by a data version bump each round.
    cold_page, cold_ready = [], []
    for _ in range(COLD_ROUNDS):
        data_version_bump(reason="processed")
        started = time.monotonic()
        client.get("/dashboard/")
        cold_page.append(time.monotonic() - started)
        wait_fresh(PAGE)
        cold_ready.append(time.monotonic() - started)

    # 3. Warm: every card cached.
    warm = []
    for _ in range(WARM_REQUESTS):
        started = time.monotonic()
        client.get("/dashboard/")
        warm.append(time.monotonic() - started)
    api_warm = []
    for _ in range(WARM_REQUESTS):
        started = time.monotonic()
        client.get("/api/reports/kpis/")
        api_warm.append(time.monotonic() - started)

    engine_page = sum(r.engine_ms for r in per_report.values()) / 1000
    print(f"\nPage latency ({ROWS:,} generated rows + the course data):")
    print(f"  cold page response             {ms(cold_page)}")
    print(f"  cold, until every card fresh   {ms(cold_ready)}")
    print(f"  warm page                      {ms(warm)}")
    print(f"  warm JSON API (kpis)           {ms(api_warm)}")
    print(
        f"  peer (every query live per page load): ~{engine_page * 1000:.0f} ms of engine time per view; "
        f"warm p50 is {engine_page / pct(warm, 0.5):.0f}x faster"
    )

    print("\nBytes scanned per report, Parquet (engine) vs the same SQL over CSV in processed/:")
    parquet_total = csv_total = 0
    for slug in DASHBOARD:
        parquet = per_report[slug].bytes_scanned
        csv = csv_bytes_scanned(slug)
        parquet_total += parquet
        csv_total += csv
        print(
            f"  {slug:<18} parquet {parquet / 1e6:8.2f} MB   csv {csv / 1e6:8.2f} MB"
            f"   {csv / max(parquet, 1):6.1f}x fewer"
        )
    print(
        f"  {'all':<18} parquet {parquet_total / 1e6:8.2f} MB   csv {csv_total / 1e6:8.2f} MB   "
        f"{csv_total / max(parquet_total, 1):6.1f}x fewer (target >= 5x)"
    )
    from dashboard.reports import report_query
    from dashboard.services import report_compute

    february = {"start_date": "2025-02-01", "end_date": "2025-02-28"}
    parquet = report_compute(query=report_query("kpis", february)).meta["bytes_scanned"]
    csv = csv_bytes_scanned("kpis", february)
    print(
        f"  {'kpis, Feb 2025':<18} parquet {parquet / 1e6:8.2f} MB   csv {csv / 1e6:8.2f} MB"
        f"   (a date range prunes month partitions: {per_report['kpis'].bytes_scanned / 1e6:.2f} MB"
        " for all months)"
    )


if __name__ == "__main__":
    main()
