"""The local engine with many small Parquet objects: it lists the table's objects once per data
version and sends no HEAD request per file (the request storm the newcomer measured: ~29 HEADs per
file and query). The requests are counted by a proxy between the engine and the twin, and the
rows it reads are checked against the objects read with pyarrow."""

import http.client
import io
import threading
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from filter_and_process_orders.contract import SCHEMA as ORDERS_SCHEMA

from dashboard.engines.local import duckdb_run
from dashboard.services import data_version_bump
from ordersite.aws import aws_client, aws_clients_clear, s3

SMALL_OBJECTS = 12
TOTALS = "SELECT count(*) AS n, sum(amount) AS total FROM orders"


class CountingProxy(ThreadingHTTPServer):
    """Forwards every request to the twin and records (method, path, query) of each."""

    def __init__(self, upstream: str):
        self.upstream = urlparse(upstream)
        self.seen: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Forward)


class _Forward(BaseHTTPRequestHandler):
    def _forward(self):
        path, _, query = self.path.partition("?")
        with self.server.lock:
            self.server.seen.append((self.command, path, query))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port, timeout=60)
        upstream.request(self.command, self.path, body=body, headers=dict(self.headers))
        response = upstream.getresponse()
        data = response.read()
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(response.headers.get("Content-Length", len(data))))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy(crawled):
    server = CountingProxy(settings.AWS_ENDPOINT_URL)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = settings.AWS_ENDPOINT_URL
    settings.AWS_ENDPOINT_URL = f"http://127.0.0.1:{server.server_address[1]}"
    aws_clients_clear()
    yield server
    settings.AWS_ENDPOINT_URL = endpoint
    aws_clients_clear()
    server.shutdown()
    server.server_close()


def _small_objects() -> None:
    """SMALL_OBJECTS one-order objects in the course data's months (partitions the catalog has)."""
    for i in range(SMALL_OBJECTS):
        month = 1 + i % 3
        row = {
            "order_id": f"SMALL{i:03d}", "customer": "Small", "amount": Decimal(f"{i + 1}.25"),
            "status": "confirmed", "order_date": date(2025, month, 2), "product": "Widget", "category": "Tools",
            "region": "EU", "country": "DE", "channel": "web", "quantity": 1, "line_count": 1, "stale": False,
            "source_line": 2, "source_key": f"raw/small-{i}.csv", "ingested_at": datetime(2025, 6, 1, tzinfo=UTC),
        }  # fmt: skip
        out = io.BytesIO()
        pq.write_table(pa.Table.from_pylist([row], schema=ORDERS_SCHEMA), out)
        key = f"{settings.PROCESSED_PREFIX}order_month=2025-{month:02d}/small-{i:03d}.parquet"
        s3.object_put_bytes(key=key, body=out.getvalue(), content_type="application/vnd.apache.parquet")


def _oracle() -> tuple[int, Decimal, int]:
    """Rows and amount of every Parquet object under processed/, read with pyarrow; and how many objects."""
    client, rows, total, objects = aws_client("s3"), 0, Decimal(0), 0
    for item in client.list_objects_v2(Bucket=settings.PIPELINE_BUCKET, Prefix=settings.PROCESSED_PREFIX)["Contents"]:
        if item["Key"].endswith(".parquet"):
            body = client.get_object(Bucket=settings.PIPELINE_BUCKET, Key=item["Key"])["Body"].read()
            table = pq.read_table(io.BytesIO(body))
            rows, total, objects = rows + table.num_rows, total + sum(table.column("amount").to_pylist()), objects + 1
    return rows, total, objects


def _kinds(seen: list[tuple[str, str, str]]) -> Counter:
    kinds: Counter = Counter()
    for method, path, query in seen:
        if method == "GET" and "list-type=2" in query:
            kinds["list"] += 1
        elif method == "GET" and path.endswith(".parquet"):
            kinds["get object"] += 1
        elif method == "POST" and path == "/":
            kinds["catalog"] += 1
        else:
            kinds[method] += 1
    return kinds


def test_the_engine_lists_the_objects_once_per_data_version_and_sends_no_head_requests(proxy):
    _small_objects()
    data_version_bump(reason="processed")
    rows, total, objects = _oracle()
    assert objects > SMALL_OBJECTS

    runs = []
    for bump in (False, False, True):
        if bump:
            data_version_bump(reason="processed")
        proxy.seen.clear()
        result = duckdb_run(TOTALS, [])
        runs.append((_kinds(proxy.seen), result.rows))

    for kinds, result_rows in runs:
        assert result_rows == [[rows, total]], "every object of the table is read, once"
        assert kinds["HEAD"] == 0, kinds
        assert 0 < kinds["get object"] <= 3 * objects, kinds  # footer length, footer, column chunks
    first, same_version, next_version = (kinds for kinds, _ in runs)
    assert (first["list"], same_version["list"], next_version["list"]) == (1, 0, 1)
    assert same_version["catalog"] == 0 and first["catalog"] > 0

    proxy.seen.clear()
    duckdb_run(TOTALS, [], reuse=False)  # the Refresh button: list again at the same version
    assert _kinds(proxy.seen)["list"] == 1
