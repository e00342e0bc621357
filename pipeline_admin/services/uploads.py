"""Writes of uploads: storing files in raw/ and moving each upload through its statuses."""

import hashlib
import json
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ordersite.aws import s3, sqs
from ordersite.signals import processed_data_changed

from ..models import Upload, UploadEvent
from .crawls import NEW_DATA_STATUSES, crawl_after_new_data

logger = logging.getLogger(__name__)

MANIFEST_STATUS = {
    "processed": Upload.Status.PROCESSED,
    "processed_with_rejects": Upload.Status.PROCESSED_WITH_REJECTS,
    "rejected": Upload.Status.REJECTED,
    "failed": Upload.Status.FAILED,
}


def safe_name(name: str) -> str:
    """The last path part, without control characters or odd symbols, at most 100 characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem = re.sub(r"\.(csv|txt)$", "", base, flags=re.IGNORECASE)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_") or "upload"
    return stem[:96] + ".csv"


def _sha256(fileobj: BinaryIO) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _size(fileobj: BinaryIO) -> int:
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


class DuplicateUpload(Exception):
    """The same bytes were stored before; the caller asks the user before storing them again."""

    def __init__(self, name: str, existing: Upload):
        who = existing.uploaded_by.get_username() if existing.uploaded_by else "the command line"
        super().__init__(
            f"{name}: the same content was already uploaded as {existing.original_name} "
            f"by {who} on {existing.uploaded_at:%Y-%m-%d %H:%M}; confirm to store it again"
        )
        self.existing = existing


def upload_refuse(*, user, name: str, size: int, reason: str) -> Upload:
    """Record a file refused before it reached S3, so admins see every attempt and why."""
    with transaction.atomic():
        upload = Upload.objects.create(
            key=None,
            original_name=name[:255],
            size=size,
            sha256="",
            uploaded_by=user,
            status=Upload.Status.REJECTED,
            status_reason=reason,
        )
        UploadEvent.objects.create(upload=upload, status=Upload.Status.REJECTED, actor=user, note=reason[:2000])
    return upload


def upload_id_new(now: datetime) -> str:
    """Milliseconds since the epoch, then random: two people uploading "orders.csv" at the same
    moment get two objects, and raw keys sort in upload order, which is how the reports break a
    tie between exports that landed in the same second (S3's Last-Modified counts whole seconds)."""
    return f"{int(now.timestamp() * 1000):012x}{uuid.uuid4().hex[:8]}"


def upload_create(
    *,
    user,
    fileobj: BinaryIO,
    name: str,
    as_of: date | None = None,
    column_mapping: dict | None = None,
    allow_duplicate: bool = False,
) -> Upload:
    """Stream one file to raw/ and record it; nothing is recorded when S3 refuses it.

    Raises DuplicateUpload when the same bytes were stored before and `allow_duplicate` is off.
    """
    sha256 = _sha256(fileobj)
    if not allow_duplicate:
        stored = Upload.objects.filter(sha256=sha256, key__isnull=False).exclude(status=Upload.Status.LOST)
        existing = stored.select_related("uploaded_by").first()
        if existing:
            raise DuplicateUpload(name, existing)
    today = timezone.now()
    upload_id = upload_id_new(today)
    key = f"{settings.RAW_PREFIX}{today:%Y/%m/%d}/{upload_id}__{safe_name(name)}"
    metadata = {
        "upload-id": upload_id,
        "uploader": (user.get_username() if user else "cli")[:100],
        "original-name": safe_name(name),
        "sha256": sha256,
    }
    if as_of:
        metadata["as-of"] = as_of.isoformat()
    if column_mapping:
        metadata["mapping"] = mapping_metadata(column_mapping)
    size = _size(fileobj)
    s3.raw_object_put(fileobj=fileobj, key=key, metadata=metadata)
    with transaction.atomic():
        upload = Upload.objects.create(
            key=key,
            original_name=name[:255],
            size=size,
            sha256=sha256,
            as_of=as_of,
            column_mapping=column_mapping or {},
            uploaded_by=user,
            queued_at=timezone.now(),
        )
        UploadEvent.objects.create(upload=upload, status=Upload.Status.UPLOADED, actor=user, note=f"stored as {key}")
    return upload


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file of an upload form: stored, refused, duplicate or error."""

    name: str
    outcome: str
    message: str
    upload_id: int | None = None


def uploads_receive(
    *, user, files, as_of: date | None, column_mapping: dict[str, str], allow_duplicate: bool
) -> list[FileOutcome]:
    """Check and store each file on its own, so one bad file never blocks the others."""
    from ..forms import file_problem

    outcomes = []
    unreachable = None
    for fileobj in files:
        problem = file_problem(fileobj)
        if problem:
            refused = upload_refuse(user=user, name=fileobj.name, size=fileobj.size, reason=problem)
            outcomes.append(FileOutcome(fileobj.name, "refused", problem, refused.pk))
            continue
        if unreachable:  # each try waits out the client's retries: a batch must not outlast the web timeout
            outcomes.append(FileOutcome(fileobj.name, "error", f"{fileobj.name}: not stored, {unreachable}"))
            continue
        try:
            upload = upload_create(
                user=user,
                fileobj=fileobj,
                name=fileobj.name,
                as_of=as_of,
                column_mapping=column_mapping,
                allow_duplicate=allow_duplicate,
            )
        except DuplicateUpload as exc:
            outcomes.append(FileOutcome(fileobj.name, "duplicate", str(exc), exc.existing.pk))
        except s3.S3Unreachable as exc:
            unreachable = "S3 could not be reached; nothing was saved, please retry"
            outcomes.append(FileOutcome(fileobj.name, "error", f"{fileobj.name}: {exc}"))
        except s3.S3Error as exc:
            outcomes.append(FileOutcome(fileobj.name, "error", f"{fileobj.name}: {exc}"))
        else:
            outcomes.append(
                FileOutcome(fileobj.name, "stored", f"{fileobj.name}: stored; processing has started", upload.pk)
            )
    return outcomes


def mapping_metadata(column_mapping: dict[str, str]) -> str:
    # ensure_ascii keeps non-ASCII header names legal in an HTTP header (S3 metadata).
    return json.dumps({k: v for k, v in column_mapping.items() if v}, separators=(",", ":"), ensure_ascii=True)


def _status_set(upload: Upload, status: str, note: str = "", actor=None) -> None:
    if upload.status == status:
        return
    upload.status = status
    if status in NEW_DATA_STATUSES:
        crawl_after_new_data()
    UploadEvent.objects.create(upload=upload, status=status, note=note[:2000], actor=actor)


def message_keys(message: dict) -> list[str]:
    """The raw keys an SQS message's S3 event names (read by the Lambda's own event parser)."""
    from filter_and_process_orders.events import object_events

    event = {"Records": [{"eventSource": "aws:sqs", "messageId": message["MessageId"], "body": message["Body"]}]}
    return [obj.key for _, objects in object_events(event) for obj in objects]


def dlq_keys() -> dict[str, dict]:
    """Raw keys whose S3 event sits in the dead-letter queue, with the message that holds it."""
    return {key: message for message in sqs.messages_peek(queue=sqs.dlq_name()) for key in message_keys(message)}


def _dlq_reason(message: dict, manifest: dict) -> str:
    sent = message.get("Attributes", {}).get("SentTimestamp")
    when = f" at {datetime.fromtimestamp(int(sent) / 1000, tz=UTC):%Y-%m-%d %H:%M} UTC" if sent else ""
    last_error = f"; the last attempt failed with {manifest['last_error']}" if manifest.get("last_error") else ""
    return (
        f"the Lambda failed on this file on every attempt and its S3 event was moved to the dead-letter queue{when}"
        f"{last_error}; fix the cause (the Lambda's logs have the details), then replay the DLQ"
    )


def _manifest_apply(upload: Upload, manifest: dict) -> None:
    upload.manifest = manifest
    upload.rows_in = manifest.get("rows_in")
    upload.rows_out = manifest.get("rows_out")
    upload.status_reason = manifest.get("reason", "")
    _status_set(upload, MANIFEST_STATUS.get(manifest.get("status"), Upload.Status.FAILED), manifest.get("reason", ""))


SYNC_LOCK = "pipeline_admin:uploads_sync"


def uploads_sync() -> int:
    """Move in-flight uploads along from the manifests and the DLQ; returns how many changed.

    Beat runs it every 10 s and staff can press "refresh": a lock in Redis keeps two runs from
    recording the same change twice. A run that finds the lock taken changes nothing.
    """
    try:
        if not cache.add(SYNC_LOCK, "1", timeout=110):
            return 0
    except Exception:
        # Redis down: no lock to take, but statuses must keep moving. Beat is down with its broker,
        # so only people's refreshes run now; two at once may record a change twice in the history.
        logger.warning("cache unavailable: syncing upload status without the lock")
        return _uploads_sync()
    try:
        return _uploads_sync()
    finally:
        try:
            cache.delete(SYNC_LOCK)
        except Exception:  # Redis went away meanwhile: the lock expires by itself
            logger.warning("cache unavailable: the sync lock expires by itself")


def _uploads_sync() -> int:
    pending = {u.key: u for u in Upload.objects.filter(status__in=Upload.IN_FLIGHT, key__isnull=False)}
    if not pending:
        return 0
    # A manifest is written after its upload was queued; a minute of slack covers clock skew.
    since = min(u.queued_at or u.uploaded_at for u in pending.values()) - timedelta(minutes=1)
    manifests = {m.get("source_key"): m for m in s3.manifest_list(since=since)}
    dead = dlq_keys()
    changed = 0
    new_data = []
    stalled_before = timezone.now() - timedelta(minutes=settings.UPLOAD_STALLED_MINUTES)
    for key, upload in pending.items():
        manifest = manifests.get(key) or {}
        before = (upload.status, upload.status_reason)
        with transaction.atomic():
            if manifest and manifest.get("status") != "processing":
                _manifest_apply(upload, manifest)
            elif key in dead:
                upload.status_reason = _dlq_reason(dead[key], manifest)
                _status_set(upload, Upload.Status.FAILED, upload.status_reason)
            elif (upload.queued_at or upload.uploaded_at) < stalled_before:
                started = ""
                if manifest.get("last_error"):
                    started = f"its last attempt failed at {manifest.get('failed_at')} with {manifest['last_error']}"
                elif manifest.get("started_at"):
                    started = f"the Lambda started it at {manifest['started_at']} but wrote no result"
                upload.status_reason = (
                    f"no result after {settings.UPLOAD_STALLED_MINUTES} minutes{': ' + started if started else ''}; "
                    "check that the Lambda (locally: manage.py lambda_runtime) is running and look at its logs"
                )
                _status_set(upload, Upload.Status.STALLED, upload.status_reason)
            elif manifest:
                upload.manifest = manifest
                reason = f"the Lambda started at {manifest.get('started_at')}"
                if manifest.get("last_error"):
                    reason = (
                        f"an attempt failed at {manifest.get('failed_at')} with {manifest['last_error']}; it is retried"
                    )
                    upload.status_reason = reason
                _status_set(upload, Upload.Status.PROCESSING, reason)
            if (upload.status, upload.status_reason) != before:
                upload.save()
                changed += 1
                if upload.status in NEW_DATA_STATUSES and before[0] not in NEW_DATA_STATUSES:
                    new_data.append(key)
    if new_data:
        processed_data_changed.send(sender=Upload, reason="processed", source_keys=new_data, changed_at=timezone.now())
    if changed:
        logger.info("synced %d uploads", changed)
    return changed
