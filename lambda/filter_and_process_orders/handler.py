"""The FilterAndProcessOrders Lambda: one raw CSV in, clean Parquet, rejects and a manifest out."""

import json
import logging
import time
from datetime import UTC, date, datetime

from botocore.exceptions import BotoCoreError, ClientError

from . import storage
from .cleaning import clean_rows
from .config import Config, config_from_env
from .events import ObjectEvent, is_processable, object_events
from .mapping import map_headers, missing_required
from .reading import UnreadableFile, open_rows

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event: dict, context=None) -> dict:
    config = config_from_env()
    failures = []
    for message_id, objects in object_events(event):
        try:
            for obj in objects:
                if is_processable(obj.key, config.raw_prefix):
                    process_object(obj, config)
        except (ClientError, BotoCoreError, OSError):
            logger.exception("transient failure on message %s", message_id)
            if message_id is None:
                raise
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


def _reference_date(metadata: dict, obj: ObjectEvent) -> date:
    as_of = (metadata.get("as-of") or "").strip()
    if as_of:
        try:
            return date.fromisoformat(as_of)
        except ValueError:
            logger.warning("ignoring bad as-of metadata %r on %s", as_of, obj.key)
    return obj.event_time.date()


def process_object(obj: ObjectEvent, config: Config) -> dict:
    started = time.monotonic()
    ingested_at = datetime.now(UTC)
    body, metadata, size, etag = storage.open_object(obj.bucket, obj.key)
    source = storage.source_id(obj.key, obj.etag or etag, obj.version_id)
    reference_date = _reference_date(metadata, obj)
    manifest = {
        "source_id": source,
        "source_key": obj.key,
        "etag": obj.etag or etag,
        "bytes": size,
        "reference_date": reference_date.isoformat(),
        "upload_id": metadata.get("upload-id", ""),
        "started_at": ingested_at.isoformat(),
        "errors": [],
    }
    # Written first so the control plane can tell "being processed" from "still queued";
    # the final manifest overwrites it under the same key.
    storage.write_manifest(obj.bucket, f"{config.manifest_prefix}{source}.json", {**manifest, "status": "processing"})
    try:
        explicit = json.loads(metadata["mapping"]) if metadata.get("mapping") else None
        fmt, records = open_rows(body)
        manifest.update(encoding=fmt.encoding, delimiter=fmt.delimiter)
        line, header = next(records, (0, []))
        header = [h.strip() for h in header]
        if not any(header):
            raise UnreadableFile("the file has no header row")
        mapping = map_headers(header, explicit)
        manifest["mapping"] = {column: header[i] for column, i in mapping.items()}
        missing = missing_required(mapping)
        if missing:
            names = ", ".join(m.replace("order_", "order ") for m in missing)
            raise UnreadableFile(
                f"no {names} column; headers were: {', '.join(header)[:300]}. "
                "Rename the column or choose it in the upload form's column mapping"
            )
        result = clean_rows(
            records,
            mapping,
            reference_date=reference_date,
            stale_statuses=config.stale_statuses,
            stale_after_days=config.stale_after_days,
            day_first_default=config.ambiguous_day_first,
        )
    except UnreadableFile as exc:
        manifest.update(status="rejected", reason=str(exc), rows_in=0, rows_out=0)
        manifest["duration_ms"] = int((time.monotonic() - started) * 1000)
        storage.write_manifest(obj.bucket, f"{config.manifest_prefix}{source}.json", manifest)
        return manifest

    by_month: dict[str, list[dict]] = {}
    for row in result.kept.values():
        by_month.setdefault(row["order_date"].strftime("%Y-%m"), []).append(row)
    outputs = []
    for month, rows in sorted(by_month.items()):
        key = f"{config.processed_prefix}order_month={month}/{source}.parquet"
        storage.write_parquet(obj.bucket, key, rows, obj.key, ingested_at)
        outputs.append(key)
    storage.delete_stale_outputs(obj.bucket, config.processed_prefix, source, set(outputs))
    rejected_key = None
    if result.rejected:
        rejected_key = f"{config.quarantine_prefix}{source}/rejected_rows.csv"
        storage.write_rejected(obj.bucket, rejected_key, header, result.rejected)
    rows_out = len(result.kept)
    if rows_out == 0 and result.rejected:
        status = "rejected"
        manifest["reason"] = (
            f"no row could be used: {result.rejected[0].reason} (line {result.rejected[0].line}) and more"
        )
    elif result.rejected:
        status = "processed_with_rejects"
    else:
        status = "processed"
    manifest.update(
        status=status,
        rows_in=result.rows_in,
        rows_out=rows_out,
        rows_rejected=len(result.rejected),
        rows_dropped_by_rule=result.dropped_by_rule,
        rows_duplicate=result.duplicates,
        reasons=result.reasons,
        date_order=result.date_order,
        date_order_assumed=result.date_order_assumed,
        months=sorted(by_month),
        outputs=outputs,
        rejected_key=rejected_key,
        rejected_sample=[{"line": r.line, "reason": r.reason, "values": r.values[:20]} for r in result.rejected[:20]],
        header=header,
        processed_at=ingested_at.isoformat(),
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    storage.write_manifest(obj.bucket, f"{config.manifest_prefix}{source}.json", manifest)
    logger.info("processed %s: %s rows in, %s out, status %s", obj.key, result.rows_in, rows_out, status)
    return manifest
