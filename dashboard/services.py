"""Writes of the dashboard: computing reports, storing and caching their results, and the data
version that makes cached results stale when new data is crawled."""

import hashlib
import json
import logging
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .engines import EngineError, engine_run
from .models import ReportResult
from .reports import report_get

logger = logging.getLogger(__name__)

DATA_VERSION_KEY = "dashboard:data-version"
ATHENA_USD_PER_BYTE = 5 / 1024**4
ATHENA_MIN_BYTES = 10 * 1024**2


def data_version_get() -> int:
    try:
        version = cache.get(DATA_VERSION_KEY)
    except Exception:  # Redis down: the database remembers the newest version computed
        version = None
    if version is None:
        latest = ReportResult.objects.order_by("-data_version").values_list("data_version", flat=True).first()
        version = latest or 0
    return int(version)


def data_version_bump() -> int:
    version = data_version_get() + 1
    cache.set(DATA_VERSION_KEY, version, timeout=None)
    return version


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def cache_key(slug: str, values: dict, version: int) -> str:
    canonical = json.dumps({k: jsonable(v) for k, v in sorted(values.items())}, sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:20]
    return f"report:{slug}:v{version}:{digest}"


def athena_cost_usd(bytes_scanned: int) -> float:
    return round(max(bytes_scanned, ATHENA_MIN_BYTES) * ATHENA_USD_PER_BYTE, 6) if bytes_scanned else 0.0


def report_compute(*, slug: str, raw_params: dict) -> ReportResult:
    """Run one report on the engine, store the result, and cache it under its key."""
    report = report_get(slug)
    values = report.clean_params(raw_params)
    version = data_version_get()
    key = cache_key(slug, values, version)
    stored_params = {k: jsonable(v) for k, v in values.items()}
    try:
        result = engine_run(report.sql(), report.bind(values))
    except EngineError as exc:
        record, _ = ReportResult.objects.update_or_create(
            cache_key=key,
            defaults={
                "slug": slug,
                "params": stored_params,
                "data_version": version,
                "error": str(exc),
                "computed_at": timezone.now(),
            },
        )
        return record
    meta = {
        "engine": result.engine,
        "bytes_scanned": result.bytes_scanned,
        "engine_ms": result.engine_ms,
        "output_location": result.output_location,
        "query_id": result.query_id,
        "cost_usd": athena_cost_usd(result.bytes_scanned),
    }
    record, _ = ReportResult.objects.update_or_create(
        cache_key=key,
        defaults={
            "slug": slug,
            "params": stored_params,
            "data_version": version,
            "columns": result.columns,
            "rows": [[jsonable(v) for v in row] for row in report.round_cents(result.columns, result.rows)],
            "meta": meta,
            "error": "",
            "computed_at": timezone.now(),
        },
    )
    try:
        cache.set(key, record.pk, timeout=None)
    except Exception:
        logger.warning("Redis unavailable: result %s stored in the database only", key)
    return record


def report_refresh_request(*, slug: str, raw_params: dict) -> bool:
    """Enqueue one job per cache key (single flight); True when this call enqueued it."""
    from .tasks import report_compute as report_compute_task

    values = report_get(slug).clean_params(raw_params)
    flight_key = "flight:" + cache_key(slug, values, data_version_get())
    try:
        if not cache.add(flight_key, 1, timeout=300):
            return False
    except Exception:
        logger.warning("Redis unavailable: cannot enqueue %s", slug)
        return False
    clean = {k: jsonable(v) for k, v in raw_params.items() if v not in (None, "")}
    transaction.on_commit(lambda: report_compute_task.delay(slug, clean, flight_key))
    return True
