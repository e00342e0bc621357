"""Cache keys and the data version, shared by the services (which write results under a key)
and the selectors (which read them). A key names the report, its normalised typed parameters
(relative dates already resolved to absolute ones) and the data version, so new data is a miss."""

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


def cache_key(query: ReportQuery, version: int) -> str:
    """The key of one query's result over one data version."""
    return f"report:{query.report}:v{version}:{query.fingerprint}"


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
