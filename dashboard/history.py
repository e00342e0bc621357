"""One order's history: every version of it across all uploads, in ingest order, which one
counts now and why each other one does not.

- Versions come from the orders table through the report engine (bound order id, the data
  version in the text, bytes scanned and cost recorded like a report's).
- The version that counts is the latest by the rule of `reports/_orders.sql` (ingested_at, then
  the raw key, then the line); unless it is stale (DESIGN.md "The stale rule": a status in
  STALE_STATUSES dated STALE_AFTER_DAYS or more before its file's reference date, as the Lambda's
  settings were when it read the file: the manifest's `stale_rule`), in which case no version
  counts. Every earlier version is superseded by the one after it.
- Rejected rows never reach the table: they are read from the quarantine CSVs the Lambda writes
  (`quarantine/<source>/rejected_rows.csv`: line, code, reason, then the file's own columns),
  matched on the file's order-id column. Bounded: the REJECT_FILES most recent files with
  rejects, the first REJECT_BYTES of each and REJECT_BUDGET in all (newest first); the result
  says when the search was cut short.
The whole history (without per-user links) is cached under the data version.
"""

import csv
import hashlib
import io
import logging
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string
from filter_and_process_orders.doubts import integer_ids
from filter_and_process_orders.trim import trimmed

from ordersite.aws import AwsError, s3

from .drill import file_name
from .keys import data_version_get, jsonable, stored_key
from .reports import HERE, without_comments
from .services import athena_cost_usd, scan_budget_check, statement_run

logger = logging.getLogger(__name__)
REJECT_FILES, REJECT_BYTES, REJECT_BUDGET = 100, 8 * 1024 * 1024, 32 * 1024 * 1024
FORMULA_LEADS = "=+-@\t\r"


def order_id_clean(raw: str) -> str:
    """The searched order id, trimmed. Raises ValueError when empty or longer than the contract's 200."""
    text = (raw or "").strip()
    if not text or len(text) > 200:
        raise ValueError("order_id must be 1 to 200 characters")
    return text


def history_statement(order_id: str, *, data_version: int) -> tuple[str, list]:
    body = without_comments((HERE / "drill_history.sql").read_text())
    tag = hashlib.sha256(order_id.encode()).hexdigest()[:20]
    text = f"WITH query_fingerprint AS (SELECT 'history-{tag}-v{int(data_version)}' AS fingerprint)\n{body}"
    return text.replace(":order_id", "?"), [order_id]


def history_key(order_id: str, version: int) -> str:
    """The Redis key of one order's history over one data version, in the current result format."""
    return stored_key("drill:history", version, hashlib.sha256(order_id.encode()).hexdigest()[:24])


def order_history(order_id: str, *, user=None) -> dict:
    """{"order_id", "versions": [...], "rejected": [...], "counting": index into versions or None,
    "verdict": one sentence, "rejects_searched": {"files", "cut_short"}, "meta": {engine,
    bytes_scanned, cost_usd, data_version}}. Each version: the order's columns plus "counts"
    (bool) and "why" (a sentence). Each rejected row: source_key, line, code, reason, ingested_at.

    Raises ValueError for a bad id, RefreshRefused when the scan budget is spent, EngineError."""
    order_id = order_id_clean(order_id)
    version = data_version_get()
    key = history_key(order_id, version)
    try:
        stored = cache.get(key)
    except Exception:
        stored = None
    if stored is not None:
        return stored
    scan_budget_check(user=user)
    history = _compute(order_id, version, user)
    try:
        cache.set(key, history, timeout=None)
    except Exception:
        logger.warning("Redis unavailable: history of %s not cached", order_id)
    return history


def _compute(order_id: str, version: int, user) -> dict:
    sql, params = history_statement(order_id, data_version=version)
    user_id = user.pk if user is not None and user.is_authenticated else None
    result = statement_run(
        slug="order-history", cache_key=f"history:v{version}", sql=sql, params=params, user_id=user_id
    )
    versions = [{c: jsonable(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows]
    sources = import_string(settings.ORDER_SOURCES)(user=None, source_keys=[v["source_key"] for v in versions])
    counting = _judge(versions, sources)
    rejected, searched = _rejected_rows(order_id)
    meta = {
        "engine": result.engine,
        "bytes_scanned": result.bytes_scanned,
        "cost_usd": athena_cost_usd(result.bytes_scanned),
        "data_version": version,
    }
    return {
        "order_id": order_id,
        "versions": versions,
        "rejected": rejected,
        "counting": counting,
        "verdict": _verdict(versions, counting, rejected),
        "rejects_searched": searched,
        "meta": meta,
    }


def _judge(versions: list[dict], sources: dict) -> int | None:
    """Mark each version `counts` and `why`; the index of the counting one (None: none counts)."""
    for i, v in enumerate(versions):
        source = sources.get(v["source_key"]) or {}
        v["reference_date"], v["stale_rule"] = source.get("reference_date", ""), source.get("stale_rule") or {}
        v["counts"] = False
        if i < len(versions) - 1:
            later = versions[i + 1]
            v["why"] = (
                f"superseded by a later upload: {file_name(later['source_key'])} (ingested {later['ingested_at']})"
            )
    if not versions:
        return None
    last = versions[-1]
    if last.get("stale"):
        last["why"] = _stale_why(last)
        return None
    last["counts"], last["why"] = True, "the latest version over all uploads, and not stale"
    return len(versions) - 1


def _stale_why(version: dict) -> str:
    """Why a stale version does not count, worded by the rule its file was read with (the manifest's
    `stale_rule`: the stale flag is set at ingest), or by today's settings, said so, for a file whose
    manifest does not record it."""
    recorded = version.get("stale_rule") or {}
    if recorded:
        statuses, after_days, since = ", ".join(recorded["statuses"]), int(recorded["after_days"]), ""
    else:
        statuses, after_days = settings.STALE_STATUSES.replace(",", ", "), settings.STALE_AFTER_DAYS
        since = " (today's settings: the file's manifest does not record the rule it was read by)"
    rule = f"the stale rule: status in {statuses} and dated {after_days} or more days before the file's reference date"
    reference = version.get("reference_date") or ""
    if reference:
        days = (date.fromisoformat(reference) - date.fromisoformat(str(version["order_date"]))).days
        cutoff = date.fromisoformat(reference) - timedelta(days=after_days)
        return (
            f"stale by {rule}{since}: {version['status']}, dated {version['order_date']}, {days} days before the "
            f"reference date {reference} (cut-off {cutoff}); the order does not count"
        )
    return f"stale by {rule}{since}; the order does not count"


def _verdict(versions: list[dict], counting: int | None, rejected: list[dict]) -> str:
    if counting is not None:
        v = versions[counting]
        return f"Counts: {v['amount']} from {file_name(v['source_key'])}, line {v['source_line']}."
    if versions:
        return "Does not count: its latest version is stale."
    if rejected:
        return "Does not count: every row of it was rejected."
    return "No version of this order was found in any upload."


def _rejected_rows(order_id: str) -> tuple[list[dict], dict]:
    sources = import_string(settings.ORDER_SOURCES)(user=None, with_rejects=True, limit=REJECT_FILES)
    found, cut_short, budget, searched = [], False, REJECT_BUDGET, 0
    for source_key, source in sources.items():  # newest upload first
        id_column = (source.get("mapping") or {}).get("order_id")
        if not source.get("rejected_key") or not id_column:
            continue
        if budget <= 0:
            cut_short = True
            break
        size = min(REJECT_BYTES, budget)
        try:
            data = s3.object_head_bytes(key=source["rejected_key"], size=size)
        except AwsError:
            logger.warning("rejected rows of %s could not be read", source_key)
            continue
        budget, searched = budget - len(data), searched + 1
        if len(data) >= size:
            data, cut_short = data[: data.rfind(b"\n") + 1], True
        comma = source.get("decimal_separator") == ","
        for row in _matches(data.decode("utf-8", "replace"), id_column, order_id, comma):
            found.append({"source_key": source_key, "ingested_at": source.get("ingested_at", ""), **row})
    found.sort(key=lambda r: (r["ingested_at"], r["source_key"], r["line"]))
    return found, {"files": searched, "cut_short": cut_short}


def _matches(text: str, id_column: str, order_id: str, decimal_comma: bool = False):
    """Rows of a quarantine CSV whose order-id cell is `order_id` once read as the cleaner reads ids
    (formula-safe prefix undone, then the Lambda's own trim and float-like reading: `\u200b7003` and
    `7003.0` are order 7003, and `7003,0` too in a file of decimal commas)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    names = [_unsafe(h) for h in header]
    if id_column not in names[3:]:
        return
    at = names.index(id_column, 3)
    rows = [row for row in reader if len(row) > at]
    cells = pa.array([_unsafe(row[at]) for row in rows], pa.string())
    ids, _ = integer_ids(trimmed(cells), decimal_comma)
    for row, same in zip(rows, pc.equal(ids, order_id).to_pylist()):
        if same:
            yield {"line": int(row[0]), "code": row[1], "reason": row[2]}


def _unsafe(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] in tuple(FORMULA_LEADS) else cell
