"""Writes of uploads after they are stored: moving each through its statuses (files arriving: `receiving`)."""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ordersite.aws import AwsError, s3, sqs
from ordersite.signals import processed_data_changed

from ..crawler import CrawlerError, crawler_for_mode
from ..models import Upload, UploadEvent
from .crawls import NEW_DATA_STATUSES

logger = logging.getLogger(__name__)

MANIFEST_STATUS = {
    "processed": Upload.Status.PROCESSED,
    "processed_with_rejects": Upload.Status.PROCESSED_WITH_REJECTS,
    "processed_with_warnings": Upload.Status.PROCESSED_WITH_WARNINGS,
    "rejected": Upload.Status.REJECTED,
    "failed": Upload.Status.FAILED,
}


def _status_set(upload: Upload, status: str, note: str = "", actor=None) -> None:
    if upload.status == status:
        return
    upload.status = status
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
    # A processed file with warnings says them where a rejected one says why (list and detail page).
    warnings = "; ".join(w.get("text", "") for w in manifest.get("warnings") or [])
    upload.status_reason = manifest.get("reason") or warnings
    status = MANIFEST_STATUS.get(manifest.get("status") or "", Upload.Status.FAILED)
    _status_set(upload, status, upload.status_reason)


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
        try:  # new months are queryable now, not after the next crawl
            crawler_for_mode().partitions_register()
        except (AwsError, CrawlerError) as exc:
            logger.warning("new partitions not registered (the next crawl adds them): %s", exc)
        processed_data_changed.send(sender=Upload, reason="processed", source_keys=new_data, changed_at=timezone.now())
    if changed:
        logger.info("synced %d uploads", changed)
    return changed
