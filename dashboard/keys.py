"""Cache keys and the data version, shared by the services (which write results under a key)
and the selectors (which read them). A key names the report, its normalised typed parameters
(relative dates already resolved to absolute ones), the data version, so new data is a miss, and
the result format (`RESULT_FORMAT`), so a result computed by an older report is a miss too."""

from datetime import date, datetime
from decimal import Decimal

from .models import DataChange
from .query import ReportQuery


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    return value


def params_jsonable(values: dict) -> dict:
    return {k: jsonable(v) for k, v in values.items()}


# The format of every stored result (`ReportResult.result_format`, and in every key of a result kept in
# Redis: report results, the drill pages, an order's history, a file's superseded orders). Bump it in the
# commit that changes what a stored result holds: a report's SQL (`reports/*.sql`, `_orders.sql`) or its
# `finish`, a result's columns or their meaning (N4 made kpis' revenue of no orders 0.00, was null), a
# drill page's or a history's fields. A result stored under another format is treated as absent, as if
# never computed: not shown, not even as an older data version's result while the new one computes;
# the page, the report API and the CSV export start its job and wait for it (README, "Dashboard").
# 0: every result stored before formats were recorded (the model field's default).
RESULT_FORMAT = 1


def stored_key(kind: str, version: int, tag: str) -> str:
    """The Redis key of a stored result: `kind` (e.g. "report:kpis", "drill:orders"), the current result
    format, the data version and `tag` (what tells results of one kind apart). Every stored kind's key is
    built here, so none can leave out the format."""
    return f"{kind}:f{RESULT_FORMAT}:v{version}:{tag}"


def cache_key(query: ReportQuery, version: int) -> str:
    """The key of one query's result over one data version, in the current result format."""
    return stored_key(f"report:{query.report}", version, query.fingerprint)


def data_version_get() -> int:
    """The current data version: the id of the latest DataChange (0 before any data)."""
    return DataChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def data_changed_at() -> datetime | None:
    """When the processed data last changed (None before any data)."""
    return DataChange.objects.order_by("-id").values_list("changed_at", flat=True).first()


def data_processed_at() -> datetime | None:
    """When the newest processed file arrived: the last data change that is not a crawl (a crawl
    only registers partitions); the last change of any kind when there is no other yet."""
    newest = DataChange.objects.exclude(reason="crawled").order_by("-id").values_list("changed_at", flat=True).first()
    return newest or data_changed_at()
