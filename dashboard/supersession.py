"""How many orders of earlier uploads one file's rows supersede now (reviewer F4): an older
export uploaded after a newer one wins every order both have (DESIGN "One truth across
uploads"), and its page says how many.

- Counted by the report engine over the orders table (`reports/file_supersedes.sql`, the latest
  version by the rule of `reports/_orders.sql`), bound keys, the data version in the text, the
  run logged as a ReportRun (bytes scanned, the user's scan budget), like the drill pages.
- The result is cached under the data version, so any change to processed data recounts it;
  `supersession_jobs` starts the one Celery job per file, earlier files and data version.
"""

import hashlib
import logging

from django.core.cache import cache
from django.utils import timezone

from .engines import EngineError
from .keys import data_version_get, stored_key
from .reports import HERE, PLACEHOLDER, without_comments
from .services import athena_cost_usd, statement_run

logger = logging.getLogger(__name__)
SLUG = "file-supersedes"
ERROR_SECONDS = 30  # a failed count is kept this long, so the waiting page shows the error


def superseded_statement(*, source_key: str, earlier_keys: list[str], data_version: int) -> tuple[str, list]:
    """The SQL text and its positional parameters (raw keys never hold a comma: `safe_name`)."""
    body = without_comments((HERE / "file_supersedes.sql").read_text())
    text = f"WITH query_fingerprint AS (SELECT '{SLUG}-{_tag(source_key, earlier_keys)}-v{int(data_version)}' AS fp),\n"
    values = {"source_key": source_key, "earlier_keys": ",".join(earlier_keys)}
    return PLACEHOLDER.sub("?", text + body), [values[name] for name in PLACEHOLDER.findall(body)]


def _tag(source_key: str, earlier_keys: list[str]) -> str:
    return hashlib.sha256("\n".join([source_key, *sorted(earlier_keys)]).encode()).hexdigest()[:24]


def superseded_key(source_key: str, earlier_keys: list[str], version: int) -> str:
    return stored_key("supersedes", version, _tag(source_key, earlier_keys))


def superseded_cached(key: str) -> dict | None:
    try:
        stored = cache.get(key)
    except Exception:
        return None
    if stored is not None and "error" in stored:
        raise EngineError(stored["error"])
    return stored


def superseded_compute(*, source_key: str, earlier_keys: list[str], user_id: int | None = None) -> dict:
    """Count on the engine and cache the answer under the current data version (see
    `superseded_orders`). Raises EngineError, which is cached ERROR_SECONDS."""
    version = data_version_get()
    key = superseded_key(source_key, earlier_keys, version)
    sql, params = superseded_statement(source_key=source_key, earlier_keys=earlier_keys, data_version=version)
    try:
        result = statement_run(slug=SLUG, cache_key=key, sql=sql, params=params, user_id=user_id)
    except EngineError as exc:
        _store(key, {"error": str(exc)}, ERROR_SECONDS)
        raise
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    found = {
        "counts": {r["source_key"]: {"orders": int(r["orders"]), "changed": int(r["changed"])} for r in rows},
        "meta": {
            "engine": result.engine,
            "bytes_scanned": result.bytes_scanned,
            "cost_usd": athena_cost_usd(result.bytes_scanned),
            "data_version": version,
            "computed_at": timezone.now().isoformat(),
        },
    }
    _store(key, found, None)
    return found


def _store(key: str, value: dict, timeout: int | None) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        logger.warning("Redis unavailable: %s not cached", key)
