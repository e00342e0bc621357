"""The FilterAndProcessOrders Lambda: one raw CSV in, clean Parquet, rejects and a manifest out."""

import json
import logging
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from . import storage
from .cleaning import CleanResult, Rules, clean_stream
from .config import Config, config_from_env
from .events import ObjectEvent, is_processable, object_events
from .reading import UnreadableFile
from .spool import buckets_for

logger = logging.getLogger()
logger.setLevel(logging.INFO)


# A record after the first starts only while this much time is left (and at least twice the longest
# record so far): one that would run past the timeout would fail the whole invocation's records.
MIN_RESERVE_MS = 60_000


def lambda_handler(event: dict, context=None) -> dict:
    """Handle an SQS batch (or a plain S3 event); returns {"batchItemFailures": [{"itemIdentifier": id}]}.

    Each message succeeds or fails on its own: any exception while handling one (an AWS error, a
    full /tmp, a bug on odd data) is logged and reports only that message for retry (after three
    receives it goes to the DLQ). When the invocation's remaining time (`context`) runs low, the
    messages not yet started are reported as failures, so they come back in a later invocation
    instead of being cut off by the timeout. A plain S3 event (no SQS message) re-raises.
    """
    config = config_from_env()
    failures = []
    longest_ms = 0.0
    records = event.get("Records", [])
    is_sqs = bool(records) and records[0].get("eventSource") == "aws:sqs"
    # One delivery per SQS message, parsed inside its own try: a malformed message fails alone.
    deliveries = [(r.get("messageId"), {"Records": [r]}) for r in records] if is_sqs else [(None, event)]
    for index, (message_id, delivery) in enumerate(deliveries):
        if index and _time_left_ms(context) < max(MIN_RESERVE_MS, 2 * longest_ms):
            logger.warning("time is running out; message %s is left for a later invocation", message_id)
            failures.append({"itemIdentifier": message_id})
            continue
        started = time.monotonic()
        try:
            for _, objects in object_events(delivery):
                for obj in objects:
                    if is_processable(obj.key, config.raw_prefix):
                        process_object(obj, config)
        except Exception:
            logger.exception("failure on message %s", message_id)
            if message_id is None:
                raise
            failures.append({"itemIdentifier": message_id})
        longest_ms = max(longest_ms, (time.monotonic() - started) * 1000)
    return {"batchItemFailures": failures}


def _time_left_ms(context) -> float:
    """What the Lambda context says is left of this invocation; unlimited without one (local runtime)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return float(remaining()) if remaining else float("inf")


def _reference_date(metadata: dict, obj: ObjectEvent) -> date:
    as_of = (metadata.get("as-of") or "").strip()
    if as_of:
        try:
            return date.fromisoformat(as_of)
        except ValueError:
            logger.warning("ignoring bad as-of metadata %r on %s", as_of, obj.key)
    return obj.event_time.date()


def process_object(obj: ObjectEvent, config: Config) -> dict:
    manifest = {"source_key": obj.key, "status": "processing"}
    if obj.etag or obj.version_id:
        manifest["source_id"] = storage.source_id(obj.key, obj.etag, obj.version_id)
    try:
        return _process(obj, config, manifest)
    except (ClientError, BotoCoreError, OSError) as exc:
        _record_failure(obj, config, manifest, exc)
        raise


def _record_failure(obj: ObjectEvent, config: Config, manifest: dict, exc: Exception) -> None:
    """Best effort: the file's manifest says what went wrong, so that when its event ends in the
    dead-letter queue the upload page can say why. A later successful attempt overwrites it."""
    if "source_id" not in manifest:
        return  # no ETag in the event and the object unreadable: its manifest key is unknown
    failure = {**manifest, "status": "processing", "last_error": f"{type(exc).__name__}: {exc}"[:500]}
    failure["failed_at"] = datetime.now(UTC).isoformat()
    try:
        storage.write_manifest(obj.bucket, f"{config.manifest_prefix}{manifest['source_id']}.json", failure)
    except (ClientError, BotoCoreError, OSError):
        logger.warning("could not record the failure of %s in its manifest", obj.key)


def _process(obj: ObjectEvent, config: Config, manifest: dict) -> dict:
    started, processing_started = time.monotonic(), datetime.now(UTC)
    # Rows are stamped with when their file landed in raw/, not when this run happens: a
    # reprocessed file gives identical rows, and when overlapping exports are processed out
    # of order, the later upload still wins the reports' latest-ingest rule.
    body, metadata, size, etag, ingested_at = storage.open_object(obj.bucket, obj.key)
    source = storage.source_id(obj.key, obj.etag or etag, obj.version_id)
    manifest.update(base_manifest(obj, metadata, source=source, etag=obj.etag or etag, size=size))
    manifest.update(started_at=processing_started.isoformat(), ingested_at=ingested_at.isoformat())
    # Written first so the control plane can tell "being processed" from "still queued";
    # the final manifest overwrites it under the same key.
    storage.write_manifest(obj.bucket, f"{config.manifest_prefix}{source}.json", {**manifest, "status": "processing"})
    rules = Rules(
        _reference_date(metadata, obj), config.stale_statuses, config.stale_after_days, config.ambiguous_day_first
    )
    with tempfile.TemporaryDirectory(prefix="orders-") as workdir:
        try:
            result = clean_stream(
                body,
                rules=rules,
                workdir=Path(workdir),
                source_key=obj.key,
                ingested_at=ingested_at,
                explicit_mapping=_explicit_mapping(metadata),
                buckets=buckets_for(size),
            )
        except UnreadableFile as exc:
            manifest.update(status="rejected", reason=str(exc), rows_in=0, rows_out=0, outputs=[], months=[])
        else:
            manifest.update(_publish(result, obj, source, config))
    manifest.update(processed_at=datetime.now(UTC).isoformat(), duration_ms=int((time.monotonic() - started) * 1000))
    storage.write_manifest(obj.bucket, f"{config.manifest_prefix}{source}.json", manifest)
    logger.info("%s: %s rows in, %s out, %s", obj.key, manifest["rows_in"], manifest["rows_out"], manifest["status"])
    return manifest


def _explicit_mapping(metadata: dict) -> dict | None:
    try:
        mapping = json.loads(metadata["mapping"]) if metadata.get("mapping") else None
    except json.JSONDecodeError:
        logger.warning("ignoring a mapping in object metadata that is not JSON")
        return None
    return mapping if isinstance(mapping, dict) else None


def base_manifest(obj: ObjectEvent, metadata: dict, *, source: str, etag: str, size: int) -> dict:
    return {
        "source_id": source,
        "source_key": obj.key,
        "etag": etag,
        "bytes": size,
        "reference_date": _reference_date(metadata, obj).isoformat(),
        "upload_id": metadata.get("upload-id", ""),
        "errors": [],
    }


def _publish(result: CleanResult, obj: ObjectEvent, source: str, config: Config) -> dict:
    """Upload the spooled files, remove months a previous run wrote but this one did not, and describe it."""
    outputs = []
    for month, path in result.months.items():
        key = f"{config.processed_prefix}order_month={month}/{source}.parquet"
        storage.upload_file(obj.bucket, key, path, "application/vnd.apache.parquet")
        outputs.append(key)
    storage.delete_stale_outputs(obj.bucket, config.processed_prefix, source, set(outputs))
    rejected_key = None
    if result.rejected_path:
        rejected_key = f"{config.quarantine_prefix}{source}/rejected_rows.csv"
        storage.upload_file(obj.bucket, rejected_key, result.rejected_path, "text/csv")
    return manifest_fields(result, outputs=outputs, rejected_key=rejected_key)


def manifest_fields(result: CleanResult, *, outputs: list[str], rejected_key: str | None) -> dict:
    fields = {
        "status": "processed_with_rejects" if result.rows_rejected else "processed",
        "rows_in": result.rows_in,
        "rows_out": result.rows_out,
        "amount_total": str(result.amount_total),  # exact: a check total against the source system
        "rows_rejected": result.rows_rejected,
        "rows_dropped_by_rule": result.dropped_by_rule,
        "rows_duplicate": result.duplicates,
        "reasons": result.reasons,
        "mapping": result.mapping,
        "encoding": result.encoding,
        "delimiter": result.delimiter,
        "date_order": result.date_order,
        "date_order_assumed": result.date_order_assumed,
        "date_order_votes": result.date_order_votes,
        "months": sorted(result.months),
        "outputs": outputs,
        "rejected_key": rejected_key,
        "rejected_sample": result.rejected_sample,
        "header": result.header,
        "line_numbers": "physical line where the record starts; line 1 is the header",
    }
    if result.rows_out == 0 and result.rows_rejected == result.rows_in:
        first = result.rejected_sample[0]
        fields["status"] = "rejected"
        fields["reason"] = f"no row could be used: {first['reason']} (line {first['line']}) and more"
    return fields
