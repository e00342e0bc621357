"""A model-based test of "one truth across uploads" (issue 14): random uploads (new orders,
amount/status/date changes with month moves, cancellations, exact re-uploads, line-item files),
processed in random order, outputs deleted and reprocessed; after every step every report, with
random filters, equals a pure-Python oracle: latest version of each order -> drop stale -> filters.

The reports run as the twin's DuckDB engine runs them (the report SQL from `report_statement`,
transpiled, over the engine's `orders` view) on Parquet files in the orders contract's shape, kept
in a local folder laid out like processed/orders/ so that a few hundred steps take well under two
minutes. The oracle below shares nothing with the SQL: Decimal sums over plain tuples.
"""

import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from filter_and_process_orders.contract import SCHEMA  # the Parquet the Lambda writes
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from dashboard.engines.local import _orders_view, transpile
from dashboard.query import ReportQuery
from dashboard.reports import report_statement

REPORTS_CHECKED = ["kpis", "revenue-by-month", "daily-orders", "status-summary", "sales-by-customer", "top-orders"]
ORDER_IDS = [f"O-{i}" for i in range(1, 13)]
CUSTOMERS = ["Ann", "Ben", "Cy"]
STATUSES = ["shipped", "delivered", "confirmed", "pending", "cancelled"]
STALE_STATUSES, STALE_DAYS = {"pending", "cancelled"}, 30
DAYS = [date(2025, 1, 1) + timedelta(days=n) for n in range(0, 150, 7)]  # Jan..May, month moves included


@dataclass(frozen=True)
class Line:
    order_id: str
    customer: str
    amount: Decimal
    status: str
    day: date


@dataclass(frozen=True)
class Upload:
    key: str
    ingested_at: datetime
    as_of: date
    lines: tuple[Line, ...]  # line items of one order are consecutive and share customer/status/day


def versions(upload: Upload) -> list[dict]:
    """What the Lambda writes for one file: one row per order (line items summed), its first line."""
    rows: dict[str, dict] = {}
    for number, line in enumerate(upload.lines, start=2):
        row = rows.setdefault(
            line.order_id,
            {
                "order_id": line.order_id,
                "customer": line.customer,
                "amount": Decimal("0.00"),
                "status": line.status,
                "order_date": line.day,
                "line_count": 0,
                "stale": line.status in STALE_STATUSES and line.day <= upload.as_of - timedelta(days=STALE_DAYS),
                "source_line": number,
                "source_key": upload.key,
                "ingested_at": upload.ingested_at,
            },
        )
        row["amount"] += line.amount
        row["line_count"] += 1
    return list(rows.values())


def oracle_orders(processed: list[Upload], query: ReportQuery) -> list[dict]:
    latest: dict[str, dict] = {}
    for upload in processed:
        for row in versions(upload):
            rank = (row["ingested_at"], row["source_key"], row["source_line"])
            if row["order_id"] not in latest or rank > latest[row["order_id"]]["rank"]:
                latest[row["order_id"]] = {**row, "rank": rank}
    return [
        row
        for row in latest.values()
        if not row["stale"]
        and query.start_date <= row["order_date"] <= query.end_date
        and (not query.statuses or row["status"] in query.statuses)
        and (not query.customer or row["customer"] == query.customer)
    ]


def money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def oracle_report(slug: str, orders: list[dict], query: ReportQuery) -> list[tuple]:
    def groups(key) -> dict:
        out: dict = {}
        for row in orders:
            count, total = out.get(key(row), (0, Decimal("0.00")))
            out[key(row)] = (count + 1, total + row["amount"])
        return out

    if slug == "kpis":
        revenue = sum((r["amount"] for r in orders), Decimal("0.00"))  # over no orders: 0.00 (README)
        return [(len(orders), revenue, len({r["customer"] for r in orders}))]
    if slug == "revenue-by-month":
        return [(m, n, t) for m, (n, t) in sorted(groups(lambda r: r["order_date"].strftime("%Y-%m")).items())]
    if slug == "daily-orders":
        return [(d, n, t) for d, (n, t) in sorted(groups(lambda r: r["order_date"]).items())]
    if slug == "status-summary":
        return sorted(((s, n, t) for s, (n, t) in groups(lambda r: r["status"]).items()), key=lambda x: (-x[1], x[0]))
    if slug == "sales-by-customer":
        ranked = sorted(groups(lambda r: r["customer"]).items(), key=lambda x: (-x[1][1], x[0]))
        rest = ranked[query.limit :]  # folded into one Other row: (None, how many customers, orders, revenue)
        other = [(None, len(rest), sum(n for _, (n, _) in rest), sum(t for _, (_, t) in rest))] if rest else []
        return [(c, 0, n, t) for c, (n, t) in ranked][: query.limit] + other
    if slug == "top-orders":
        ranked = sorted(orders, key=lambda r: (-r["amount"], r["order_id"]))
        return [(r["order_id"], r["customer"], r["amount"], r["order_date"]) for r in ranked][: query.limit]
    raise AssertionError(slug)


KEEP = {
    "kpis": ("orders", "revenue", "customers"),
    "revenue-by-month": ("month", "orders", "revenue"),
    "daily-orders": ("day", "orders", "revenue"),
    "status-summary": ("status", "orders", "revenue"),
    "sales-by-customer": ("customer", "other", "orders", "revenue"),
    "top-orders": ("order_id", "customer", "amount", "order_date"),
}


@lru_cache(maxsize=64)
def _duckdb_sql(text: str) -> str:
    return transpile(text)


def engine_report(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> list[tuple]:
    """The report as the twin's engine runs it, over the `orders` view of this connection."""
    sql, params = report_statement(query, data_version=0)
    # The fingerprint only names the query for Athena's result reuse; one text per report shape
    # lets the transpiled SQL be reused across steps.
    sql = sql.replace(query.fingerprint, "model")
    cursor = con.execute(_duckdb_sql(sql), params)
    columns = [d[0] for d in cursor.description]
    picked = [[row[columns.index(c)] for c in KEEP[query.report]] for row in cursor.fetchall()]
    return [tuple(money(v) if isinstance(v, (Decimal, float)) else v for v in row) for row in picked]


lines = st.builds(
    Line,
    order_id=st.sampled_from(ORDER_IDS),
    customer=st.sampled_from(CUSTOMERS),
    amount=st.integers(1, 50_000).map(lambda cents: Decimal(cents) / 100),
    status=st.sampled_from(STATUSES),
    day=st.sampled_from(DAYS),
)


@st.composite
def line_item_order(draw) -> tuple[Line, ...]:
    first = draw(lines)
    extra = draw(st.lists(st.integers(1, 9_999).map(lambda cents: Decimal(cents) / 100), min_size=1, max_size=3))
    return (first, *(Line(first.order_id, first.customer, a, first.status, first.day) for a in extra))


queries = st.builds(
    lambda report, start, end, statuses, customer, limit: ReportQuery(
        report=report,
        start_date=min(start, end),
        end_date=max(start, end),
        statuses=tuple(sorted(set(statuses))),
        customer=customer,
        limit=limit if report in ("top-orders", "sales-by-customer") else None,
    ),
    report=st.sampled_from(
        ["kpis", "revenue-by-month", "daily-orders", "status-summary", "sales-by-customer", "top-orders"]
    ),
    start=st.sampled_from([date(1900, 1, 1), date(2025, 2, 1), date(2025, 3, 15)]),
    end=st.sampled_from([date(2999, 12, 31), date(2025, 2, 28), date(2025, 4, 30)]),
    statuses=st.lists(st.sampled_from(STATUSES), max_size=2),
    customer=st.sampled_from(["", *CUSTOMERS]),
    limit=st.integers(1, 5),
)


class ReportsMatchTheOracle(RuleBasedStateMachine):
    uploads = Bundle("uploads")

    @initialize()
    def start(self):
        self.folder = Path(tempfile.mkdtemp(prefix="orders-model-"))
        self.clock = datetime(2025, 6, 1, tzinfo=UTC)
        self.count = 0
        self.processed: dict[str, Upload] = {}
        self.pending: list[ReportQuery] = []
        self.steps = 0

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def _upload(self, lines: tuple[Line, ...], as_of: date, same_time: bool) -> Upload:
        self.count += 1
        if not same_time:  # equal ingest times happen (one second, two exports): line and key break the tie
            self.clock += timedelta(seconds=1)
        return Upload(
            key=f"raw/2025/06/01/{self.count:04d}__orders.csv", ingested_at=self.clock, as_of=as_of, lines=lines
        )

    @rule(
        target=uploads,
        rows=st.lists(lines, min_size=1, max_size=6, unique_by=lambda line: line.order_id),
        as_of=st.sampled_from([date(2025, 2, 1), date(2025, 4, 1), date(2025, 6, 1)]),
        same_time=st.booleans(),
    )
    def upload_orders(self, rows, as_of, same_time):
        return self._upload(tuple(rows), as_of, same_time)

    @rule(target=uploads, orders=st.lists(line_item_order(), min_size=1, max_size=3, unique_by=lambda o: o[0].order_id),
          as_of=st.sampled_from([date(2025, 4, 1), date(2025, 6, 1)]))  # fmt: skip
    def upload_line_items(self, orders, as_of):
        return self._upload(tuple(line for order in orders for line in order), as_of, False)

    @rule(target=uploads, earlier=uploads)
    def upload_the_same_file_again(self, earlier):
        return self._upload(earlier.lines, earlier.as_of, False)

    def _write(self, upload: Upload) -> None:
        by_month: dict[str, list[dict]] = {}
        for row in versions(upload):
            by_month.setdefault(row["order_date"].strftime("%Y-%m"), []).append(row)
        for month, rows in by_month.items():
            path = self.folder / f"order_month={month}" / f"{upload.key.split('/')[-1]}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
        self.processed[upload.key] = upload

    def _delete(self, upload: Upload) -> None:
        for path in self.folder.glob(f"order_month=*/{upload.key.split('/')[-1]}.parquet"):
            path.unlink()
        self.processed.pop(upload.key, None)

    @rule(upload=uploads)
    def process(self, upload):
        """Files are processed in any order: the ingest time decides, not the processing time."""
        self._delete(upload)
        self._write(upload)

    @rule(upload=uploads)
    def delete_output(self, upload):
        self._delete(upload)

    @rule(upload=uploads)
    def reprocess(self, upload):
        if upload.key in self.processed:
            self._delete(upload)
            self._write(upload)

    @invariant()
    def every_report_equals_the_oracle(self):
        if not hasattr(self, "folder"):
            return
        con = duckdb.connect()
        try:
            _orders_view(con, sorted(str(p) for p in self.folder.glob("order_month=*/*.parquet")))
            self.steps += 1
            for n, slug in enumerate(REPORTS_CHECKED):
                limit = 3 if slug in ("top-orders", "sales-by-customer") else None
                # Every report, with filters that rotate step by step: all dates, a range across a
                # month boundary, statuses, a customer.
                query = [
                    ReportQuery(report=slug, limit=limit),
                    ReportQuery(report=slug, start_date=date(2025, 2, 1), end_date=date(2025, 3, 31), limit=limit),
                    ReportQuery(report=slug, statuses=("delivered", "shipped"), limit=limit),
                    ReportQuery(report=slug, customer=CUSTOMERS[(self.steps + n) % 3], limit=limit),
                ][(self.steps + n) % 4]
                self._check(con, query)
            for query in self.pending:
                self._check(con, query)
            self.pending = []
        finally:
            con.close()

    @rule(query=queries)
    def check_another_filter(self, query):
        self.pending.append(query)  # checked by the invariant, with the same view

    def _check(self, con, query: ReportQuery) -> None:
        processed = sorted(self.processed.values(), key=lambda u: u.key)
        expected = oracle_report(query.report, oracle_orders(processed, query), query)
        assert engine_report(con, query) == expected, query


ReportsMatchTheOracle.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestReportsMatchTheOracle = ReportsMatchTheOracle.TestCase
