"""Drill to orders: the orders a figure counts, one bounded page at a time, with the upload and
the file lines each came from.

The list takes exactly the dashboard's parameters (the same `ReportQueryForm`, with `month` as a
month segment) plus `sort` and `page`. Its SQL is `_orders.sql` (latest version over all uploads,
stale dropped, then the filters) followed by `reports/drill_orders.sql`, run by the report
engine with the same bound parameters, by one Celery job per page (`drill_jobs`), and cached in
Redis under the data version, like a report. Pages are bounded: at most MAX_PAGE pages of
PAGE_SIZE, so no request sorts more than MAX_ROWS orders; the totals (count and sum) are of
every order the figure counts.
"""

import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from .engines import EngineError
from .keys import data_changed_at, data_version_get, jsonable, stored_key
from .query import DIMENSIONS, EARLIEST, LATEST, ParamError, ReportQuery, ReportQueryForm
from .reports import report_statement
from .services import athena_cost_usd, statement_run

logger = logging.getLogger(__name__)

REPORT = "drill-orders"
PAGE_SIZE, MAX_PAGE = 50, 200
MAX_ROWS = PAGE_SIZE * MAX_PAGE  # also the most rows one CSV export holds
ERROR_SECONDS = 30  # a failed computation is shown this long before a new one is tried
# Whitelisted sorts: name -> (column, descending). order_id breaks ties, so pages never overlap.
SORTS = {
    "amount": ("amount", False),
    "-amount": ("amount", True),
    "order_date": ("order_date", False),
    "-order_date": ("order_date", True),
    "customer": ("customer", False),
    "-customer": ("customer", True),
    "status": ("status", False),
    "-status": ("status", True),
    "order_id": ("order_id", False),
    "-order_id": ("order_id", True),
    "line_count": ("line_count", False),
    "-line_count": ("line_count", True),
}
DEFAULT_SORT = "-amount"
COLUMNS = [
    "order_id", "customer", "amount", "status", "order_date", *DIMENSIONS, "quantity", "line_count",
    "source_key", "source_line", "source_lines", "ingested_at",
]  # fmt: skip


@dataclass(frozen=True)
class OrdersQuery:
    """One page of the drill list: the figure's query (filters and segment), a sort, a page."""

    query: ReportQuery
    sort: str = DEFAULT_SORT
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def as_params(self) -> dict:
        """The list's URL parameters: the dashboard's filters, then sort and page when not default."""
        defaults = {"start_date": EARLIEST.isoformat(), "end_date": LATEST.isoformat()}
        params = {k: v for k, v in self.query.as_params().items() if v not in ("", None) and defaults.get(k) != v}
        if self.sort != DEFAULT_SORT:
            params["sort"] = self.sort
        return params

    def as_job(self) -> dict:
        """JSON-safe, for a Celery job; `from_job` rebuilds it without validating again."""
        return {"params": self.query.as_params(), "sort": self.sort, "page": self.page, "size": self.size}

    @classmethod
    def from_job(cls, job: dict) -> "OrdersQuery":
        return cls(ReportQuery.from_params(REPORT, job["params"]), job["sort"], job["page"], job["size"])

    @property
    def fingerprint(self) -> str:
        text = json.dumps([self.query.fingerprint, self.sort, self.page, self.size])
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def file_name(source_key: str) -> str:
    """The uploaded name in a raw key (`raw/2025/06/01/<upload id>__orders.csv` -> `orders.csv`)."""
    base = source_key.rsplit("/", 1)[-1]
    return base.split("__", 1)[1] if "__" in base else base


def orders_query(raw: dict, *, size: int = PAGE_SIZE) -> OrdersQuery:
    """Request parameters -> OrdersQuery. Raises ParamError naming the parameter.

    `sort`: a key of SORTS; `page`: 1..MAX_PAGE (whether it is past the last page is known once
    the page is computed: `OrdersPage.past_last`)."""
    raw = {k: v for k, v in raw.items() if v not in (None, "", [])}
    sort = str(raw.pop("sort", DEFAULT_SORT))
    page_text = str(raw.pop("page", "1"))
    if sort not in SORTS:
        raise ParamError(f"sort must be one of {', '.join(SORTS)}")
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
        raise ParamError(f"page must be a whole number from 1 to {MAX_PAGE}; narrow the filters to see further")
    form = ReportQueryForm(raw, report=REPORT, takes_month=True)
    if not form.is_valid():
        raise ParamError(form.first_error())
    if size * int(page_text) > MAX_ROWS:
        raise ParamError(f"at most {MAX_ROWS} orders can be listed; narrow the filters")
    return OrdersQuery(form.cleaned_data["query"], sort, int(page_text), size)


def orders_statement(oq: OrdersQuery, *, data_version: int) -> tuple[str, list]:
    """The SQL text and its bound parameters: the report statement of `drill_orders.sql` with the
    whitelisted sort and the validated offset and limit written in."""
    sql, params = report_statement(replace(oq.query, report=REPORT, limit=None), data_version=data_version)
    column, descending = SORTS[oq.sort]
    direction = " DESC" if descending else ""
    tie = "" if column == "order_id" else ", {p}order_id"
    order_by = f"{{p}}{column}{direction}{tie}"
    sql = sql.replace("__PAGE_ORDER_BY__", order_by.format(p="p."))
    sql = sql.replace("__ORDER_BY__", order_by.format(p="")).replace("__OFFSET__", str(int(oq.offset)))
    sql = sql.replace("__LIMIT__", str(int(oq.size)))
    sql = sql.replace(f"{oq.query.fingerprint}-v", f"{oq.fingerprint}-v")  # the page is in the text too
    return sql, params


@dataclass
class OrdersPage:
    """One page of the list. `rows`: dicts of COLUMNS (JSON-safe: amounts and dates as text);
    `total_orders`/`total_amount`: every order the figure counts; `meta`: engine, bytes_scanned,
    cost_usd, engine_ms, data_version, data_as_of, computed_at."""

    query: OrdersQuery
    rows: list[dict]
    total_orders: int
    total_amount: str
    meta: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total_orders // self.query.size)))

    @property
    def past_last(self) -> bool:
        """A page after the last one (the list has fewer orders than the page starts at, or
        none): there is nothing to show, as Django's paginator says of such a page."""
        return self.query.page > self.pages

    @property
    def truncated(self) -> bool:
        """More orders than MAX_ROWS: the list cannot show them all (the totals still count them)."""
        return self.total_orders > MAX_ROWS

    @property
    def dimensions(self) -> list[str]:
        """The dimension columns that hold a value on this page (the data has them)."""
        return [d for d in DIMENSIONS if any(row.get(d) for row in self.rows)]

    def as_dict(self) -> dict:
        return {
            "columns": COLUMNS,
            "rows": self.rows,
            "total_orders": self.total_orders,
            "total_amount": self.total_amount,
            "page": self.query.page,
            "pages": self.pages,
            "page_size": self.query.size,
            "sort": self.query.sort,
            "meta": self.meta,
        }


def page_key(oq: OrdersQuery, version: int) -> str:
    """The Redis key of one page over one data version, in the current result format."""
    return stored_key("drill:orders", version, oq.fingerprint)


def orders_cached(oq: OrdersQuery) -> OrdersPage | None:
    """The page for the current data version if it is computed (None: not yet, or Redis is
    down). Raises EngineError when its computation failed a moment ago (kept ERROR_SECONDS)."""
    try:
        stored = cache.get(page_key(oq, data_version_get()))
    except Exception:
        return None
    if stored is None:
        return None
    if "error" in stored:
        raise EngineError(stored["error"])
    return OrdersPage(oq, **stored)


def orders_compute(oq: OrdersQuery, *, user_id: int | None = None) -> OrdersPage:
    """Run the page on the report engine (logged as a ReportRun, which the user's scan budget
    counts) and cache it under the current data version. Raises EngineError; the error is
    cached for ERROR_SECONDS so that a page waiting for this job shows it instead of waiting."""
    version = data_version_get()
    key = page_key(oq, version)
    try:
        page = _compute(oq, version, user_id)
        stored, timeout = {k: getattr(page, k) for k in ("rows", "total_orders", "total_amount", "meta")}, None
    except EngineError as exc:
        page, stored, timeout = None, {"error": str(exc)}, ERROR_SECONDS
    try:
        cache.set(key, stored, timeout=timeout)
    except Exception:
        logger.warning("Redis unavailable: drill page %s not cached", key)
    if page is None:
        raise EngineError(stored["error"])
    return page


def _compute(oq: OrdersQuery, version: int, user_id: int | None) -> OrdersPage:
    sql, params = orders_statement(oq, data_version=version)
    result = statement_run(slug=REPORT, cache_key=page_key(oq, version), sql=sql, params=params, user_id=user_id)
    records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    first = records[0] if records else {}
    rows = [{c: _text(r.get(c)) for c in COLUMNS} for r in records if r.get("order_id") is not None]
    meta = {
        "engine": result.engine,
        "bytes_scanned": result.bytes_scanned,
        "engine_ms": result.engine_ms,
        "cost_usd": athena_cost_usd(result.bytes_scanned),
        "query_id": result.query_id,
        "data_version": version,
        "data_as_of": jsonable(data_changed_at()),
        "computed_at": timezone.now().isoformat(),
    }
    total = Decimal(str(first.get("total_amount") or 0)).quantize(Decimal("0.01"))
    return OrdersPage(oq, rows, int(first.get("total_orders") or 0), str(total), meta)


def _text(value):
    """JSON-safe cell: money as text with cents, dates and times ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return jsonable(value)
