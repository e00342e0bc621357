"""The FilterAndProcessOrders Lambda: one raw CSV in, clean Parquet, rejects and a manifest out."""

import json
import logging
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

# `startup` first: it keeps pandas out of the process before any module below builds an Arrow array,
# holds numpy's OpenBLAS to one thread and pauses the garbage collector while they are imported.
from . import startup

with startup.importing():
    from botocore.exceptions import BotoCoreError, ClientError

    from . import storage
    from .cleaning import Rules, clean_stream
    from .config import Config, config_from_env
    from .events import ObjectEvent, is_processable, object_events
    from .failure import manifest_key, record_failure
    from .header_line import header_line
    from .kernels import kernels_check
    from .manifest import Manifest
    from .memory import use_jemalloc
    from .publish import Publication, outputs_withdraw
    from .reasons import FILE_REASONS
    from .spool import buckets_for
    from .text import UnreadableFile

kernels_check()  # a pyarrow without the RE2/utf8proc kernels fails here, by name, not mid-file

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
    use_jemalloc()
    startup.settle(storage.s3_client)  # the first time: the S3 client made, the imports frozen
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


def _reference_date(metadata: dict, obj: ObjectEvent, ingested_at: datetime) -> date:
    """The stale rule's reference date: the `as-of` metadata; else, when a copy of the control plane
    recorded the file's first landing (`landed-at`), that day (UTC), as the copy's own event time is
    the day of the remap; else the event's time (its day, UTC)."""
    as_of = (metadata.get("as-of") or "").strip()
    if as_of:
        try:
            return date.fromisoformat(as_of)
        except ValueError:
            logger.warning("ignoring bad as-of metadata %r on %s", as_of, obj.key)
    if (metadata.get(storage.LANDED_AT) or "").strip():
        return ingested_at.astimezone(UTC).date()
    return obj.event_time.date()


def process_object(obj: ObjectEvent, config: Config) -> dict:
    manifest = Manifest(source_key=obj.key, version_id=obj.version_id)
    if obj.etag or obj.version_id:
        manifest.source_id = storage.source_id(obj.key, obj.etag, obj.version_id)
    try:
        return _process(obj, config, manifest)
    except storage.Superseded as exc:
        # An event of an earlier version (delivered late, again, or replayed from the dead-letter
        # queue) after the key was overwritten, e.g. by the site's remap copy: the current version's
        # own event is the file's truth. Its outputs would be named after the earlier version and sit
        # beside the current one's, every order counted twice, so nothing is written (the GET that
        # found it is the run's first request).
        logger.warning("%s: version %s is superseded by %s; nothing written", obj.key, obj.version_id, exc.current)
        return {"source_key": obj.key, "version_id": obj.version_id, "status": "superseded", "current": exc.current}
    except storage.ObjectGone:
        # Deleted (or overwritten and that version removed) before it could be read: final, not retried.
        logger.warning("%s was deleted before it could be read", obj.key)
        manifest.source_id = manifest.source_id or storage.source_id(obj.key, obj.etag, obj.version_id)
        manifest.reject_file("deleted", FILE_REASONS["deleted"])
        manifest.outputs_removed = outputs_withdraw(obj.bucket, manifest.source_id, config)
        manifest.processed_at = datetime.now(UTC).isoformat()
        storage.write_manifest(obj.bucket, manifest_key(config, manifest.source_id), manifest.to_dict())
        return manifest.to_dict()
    except (ClientError, BotoCoreError, OSError) as exc:
        record_failure(obj, config, manifest, exc)
        raise


def _process(obj: ObjectEvent, config: Config, manifest: Manifest) -> dict:
    began = time.monotonic(), datetime.now(UTC)
    opened = storage.open_object(obj.bucket, obj.key, obj.version_id)
    # Its read-ahead starts now: the first blocks come in while the run sets up (the first manifest,
    # the work folder, the outputs' listing), not after. Closed by the cleaning's `with` below, or
    # here when the setup fails first (the thread would hold its connection and blocks).
    with closing(opened[0].start()):
        return _process_opened(obj, config, manifest, opened, began)


def _process_opened(obj: ObjectEvent, config: Config, manifest: Manifest, opened: tuple, began: tuple) -> dict:
    (started, processing_started), (body, metadata, size, etag, ingested_at) = began, opened
    # Rows are stamped with when their file landed in raw/, not when this run happens: a
    # reprocessed file gives identical rows, and when overlapping exports are processed out
    # of order, the later upload still wins the reports' latest-ingest rule.
    source = storage.source_id(obj.key, obj.etag or etag, obj.version_id)
    manifest.source_id, manifest.etag, manifest.bytes = source, obj.etag or etag, size
    reference_date = _reference_date(metadata, obj, ingested_at)
    manifest.reference_date = reference_date.isoformat()
    manifest.stale_rule = {"statuses": sorted(config.stale_statuses), "after_days": config.stale_after_days}
    manifest.upload_id = metadata.get("upload-id", "")
    manifest.started_at, manifest.ingested_at = processing_started.isoformat(), ingested_at.isoformat()
    rules = Rules(
        reference_date,
        config.stale_statuses,
        config.stale_after_days,
        config.ambiguous_day_first,
        config.ambiguous_decimal_comma,
    )
    explicit = _explicit_mapping(metadata) or {}
    # Written first so the control plane can tell "being processed" from "still queued"; the final
    # manifest overwrites it under the same key. It goes up beside the cleaning (a PUT's round trip
    # less before the first block is parsed) and is in before any output is published or withdrawn.
    beside = ThreadPoolExecutor(1, thread_name_prefix="first-manifest")
    first = beside.submit(storage.write_manifest, obj.bucket, manifest_key(config, source), manifest.to_dict())
    # Closed in reverse: the uploads (aborted unless published) before the files they read are removed.
    with (
        beside,  # left last: the first manifest is in (or failed) before the final one or a failure's
        tempfile.TemporaryDirectory(prefix="orders-") as workdir,
        closing(body),  # its read-ahead thread
        Publication(obj, source, config, after=first) as outputs,  # outputs go up while they are written
    ):
        try:
            result = clean_stream(
                body,
                rules=rules,
                workdir=Path(workdir),
                source_key=obj.key,
                ingested_at=ingested_at,
                explicit_mapping=explicit,
                buckets=buckets_for(size),
                grain=str(explicit.get("grain") or "").strip() or None,  # staff's choice on the mapping step
                on_write=outputs.grew,
                header_line=_header_line(metadata, obj),
            )
        except UnreadableFile as exc:
            first.result()
            manifest.reject_file(exc.code, str(exc))
            manifest.rows_in = exc.rows_in  # None: not counted (the site shows "–", not 0)
            if exc.read is not None:  # its header was found (no rows, a column missing, unreadable partway)
                manifest.describe_header(exc.read)
            outputs.withdraw(manifest)  # a verdict on the content: an earlier run's orders go too
        else:
            first.result()
            manifest.describe(result)
            outputs.publish(result, manifest)
    manifest.processed_at = datetime.now(UTC).isoformat()
    manifest.duration_ms = int((time.monotonic() - started) * 1000)
    storage.write_manifest(obj.bucket, manifest_key(config, source), manifest.to_dict())
    logger.info("%s: %s rows in, %s out, %s", obj.key, manifest.rows_in, manifest.rows_out, manifest.status)
    return manifest.to_dict()


def _explicit_mapping(metadata: dict) -> dict | None:
    try:
        mapping = json.loads(metadata["mapping"]) if metadata.get("mapping") else None
    except json.JSONDecodeError:
        logger.warning("ignoring a mapping in object metadata that is not JSON")
        return None
    return mapping if isinstance(mapping, dict) else None


def _header_line(metadata: dict, obj: ObjectEvent) -> int | None:
    """The header row staff chose, metadata `header-line` (`header_line.header_line`: a physical line, 1 the
    first); None without one. A value that is no line number is ignored with a logged warning (the header is
    searched)."""
    try:
        return header_line(metadata.get("header-line"))
    except ValueError as exc:
        logger.warning("ignoring bad header-line metadata on %s: %s", obj.key, exc)
        return None
