"""Writes of the dashboard: computing reports, storing and caching their results, the per-user
scan budget, and the data version that makes cached results stale when processed data changes.
The jobs that compute reports (one per cache key) are started in `jobs`."""

import logging
from collections.abc import Sequence
from datetime import datetime, time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.module_loading import import_string

from ordersite.aws import AwsError

from .engines import EngineError, engine_run
from .keys import RESULT_FORMAT, cache_key, data_processed_at, data_version_get, jsonable
from .models import DataChange, ReportResult, ReportRun
from .query import ReportQuery
from .reports import PAGE, report_get, report_query

__all__ = ["cache_key", "data_version_get", "jsonable"]  # re-exported: callers know them from here

logger = logging.getLogger(__name__)

ATHENA_USD_PER_BYTE = 5 / 1024**4
ATHENA_MIN_BYTES = 10 * 1024**2


class RefreshRefused(Exception):
    """A refresh was not started; the message says why and when it can be tried again."""


def athena_cost_usd(bytes_scanned: int) -> float:
    """Athena bills $5 per TB scanned, at least 10 MB per query; a reused result costs nothing."""
    return round(max(bytes_scanned, ATHENA_MIN_BYTES) * ATHENA_USD_PER_BYTE, 6) if bytes_scanned else 0.0


def data_version_bump(*, reason: str, source_keys: Sequence[str] = (), changed_at: datetime | None = None) -> int:
    """Processed data changed: record a new data version, so every cached report is now stale."""
    change = DataChange.objects.create(
        reason=reason, source_keys=list(source_keys), changed_at=changed_at or timezone.now()
    )
    return change.pk


def _fresh_in_cache(key: str) -> bool:
    try:
        return cache.get(key) is not None
    except Exception:
        return False


def report_compute(*, query: ReportQuery, user_id: int | None = None, force: bool = False) -> ReportResult:
    """Run one report query on the engine, log the run, store the result, and cache it under its key.

    Without `force`, a key that is already cached is not run again (a duplicate job is harmless)."""
    report = report_get(query.report)
    slug = query.report
    version = data_version_get()
    key = cache_key(query, version)
    if not force and _fresh_in_cache(key):
        existing = ReportResult.objects.filter(cache_key=key).first()
        if existing is not None:
            return existing
    data_as_of = data_processed_at()
    started = timezone.now()
    try:
        result = engine_run(query, data_version=version, reuse=not force)
    except AwsError as exc:  # EngineError, or the catalog or S3 refusing the engine: shown on the card
        ReportRun.objects.create(
            slug=slug, cache_key=key, requested_by_id=user_id, error=str(exc)[:2000], started_at=started
        )
        good = ReportResult.objects.filter(cache_key=key, error="").first()
        if good is not None:  # a failed refresh keeps the numbers it could not replace, and says so
            good.meta = {**good.meta, "refresh_error": str(exc)}
            good.save(update_fields=["meta"])
            return good
        return _result_save(key, query, version, meta={"data_as_of": jsonable(data_as_of)}, error=str(exc))
    ReportRun.objects.create(
        slug=slug,
        cache_key=key,
        requested_by_id=user_id,
        engine=result.engine,
        query_id=result.query_id,
        bytes_scanned=result.bytes_scanned,
        engine_ms=result.engine_ms,
        started_at=started,
    )
    meta = {
        "engine": result.engine,
        "bytes_scanned": result.bytes_scanned,
        "engine_ms": result.engine_ms,
        "output_location": result.output_location,
        "query_id": result.query_id,
        "cost_usd": athena_cost_usd(result.bytes_scanned),
        "data_as_of": jsonable(data_as_of),
        **result.extra,
    }
    rows = [[jsonable(v) for v in row] for row in report.finish(query, result.columns, result.rows)]
    record = _result_save(key, query, version, columns=result.columns, rows=rows, meta=meta)
    try:
        cache.set(key, record.pk, timeout=None)
    except Exception:
        logger.warning("Redis unavailable: result %s stored in the database only", key)
    return record


def statement_run(*, slug: str, cache_key: str, sql: str, params: list, user_id: int | None = None):
    """Run one statement (`sql` with its bound `params`) on the configured engine and log it as a
    ReportRun: engine, query id, bytes scanned and milliseconds, or the error. Used by the drill
    pages, whose statements are not reports. Returns the engine's result (columns, rows,
    bytes_scanned, engine_ms, ...); raises EngineError with the engine's message."""
    run = ReportRun(slug=slug, cache_key=cache_key, requested_by_id=user_id, started_at=timezone.now())
    try:
        result = import_string(settings.REPORT_ENGINE)(sql, params, reuse=True)
    except AwsError as exc:
        run.error = str(exc)[:2000]
        run.save()
        raise EngineError(str(exc)) from None
    run.engine, run.query_id = result.engine, result.query_id
    run.bytes_scanned, run.engine_ms = result.bytes_scanned, result.engine_ms
    run.save()
    return result


def _result_save(
    key: str, query: ReportQuery, version: int, *, columns=(), rows=(), meta: dict, error: str = ""
) -> ReportResult:
    record, _ = ReportResult.objects.update_or_create(
        cache_key=key,
        defaults={
            "slug": query.report,
            "params": query.as_params(),
            "data_version": version,
            "result_format": RESULT_FORMAT,
            "columns": list(columns),
            "rows": list(rows),
            "meta": meta,
            "error": error,
            "computed_at": timezone.now(),
        },
    )
    return record


def scan_budget_check(*, user) -> None:
    """Refuse a user's refresh once their engine runs today scanned the daily budget."""
    limit = settings.DASHBOARD_DAILY_SCAN_BYTES_PER_USER
    if not limit or user is None or not user.is_authenticated:
        return
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    used = (
        ReportRun.objects.filter(requested_by=user, started_at__gte=midnight).aggregate(total=Sum("bytes_scanned"))[
            "total"
        ]
        or 0
    )
    if used >= limit:
        raise RefreshRefused(
            f"Your refreshes scanned {filesizeformat(used)} today, the daily budget is {filesizeformat(limit)}: "
            "new computations resume at 00:00 UTC. The last stored results are shown."
        )


def dashboard_params(slug: str, raw: dict) -> dict:
    """The page's filters that this report takes (the page shares one filter form)."""
    names = report_get(slug).param_names
    return {k: v for k, v in raw.items() if k in names and v not in ("", None, [])}


def dashboard_warm_missing() -> list[str]:
    """Compute here the default views that have no stored result for the current data version.

    Celery beat runs it (with DASHBOARD_WARM_ON_NEW_DATA): the data version is a database row,
    so a change whose warm-up could not be queued while Redis was down is warmed once the queue
    works again. Returns the reports computed; none when every default view is stored."""
    version = data_version_get()
    if not version:
        return []
    queries = {cache_key(query, version): query for query in (report_query(slug, {}) for slug in PAGE)}
    stored = set(ReportResult.objects.filter(cache_key__in=list(queries)).values_list("cache_key", flat=True))
    return [report_compute(query=query).slug for key, query in queries.items() if key not in stored]
