"""Admin actions on stored uploads: reprocess, remap columns, delete output, replay the DLQ.

Each one is a write that records who did it in the upload's history, so these are services;
they live apart from `services` because they drive S3 and SQS together.
"""

import json
import logging
from datetime import UTC
from urllib.parse import quote_plus

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from filter_and_process_orders.storage import landed_at

from ordersite.aws import s3, sqs
from ordersite.signals import processed_data_changed

from .models import Upload, UploadEvent
from .services import choice_metadata, message_keys

logger = logging.getLogger(__name__)


class ActionError(Exception):
    """The action cannot run on this upload; the message says why."""


def outputs_of(upload: Upload) -> list[str]:
    manifest = upload.manifest or {}
    keys = list(manifest.get("outputs") or [])
    for key in ("rejected_key", "stale_key"):
        if manifest.get(key):
            keys.append(manifest[key])
    if manifest.get("source_id"):
        keys.append(f"{settings.MANIFEST_PREFIX}{manifest['source_id']}.json")
    return keys


def _requeued(upload: Upload, *, user, note: str) -> None:
    """Back to `uploaded`: the old result is gone and a new event is on its way."""
    upload.status = Upload.Status.UPLOADED
    upload.status_reason = ""
    upload.rows_in = upload.rows_out = None
    upload.manifest = {}
    upload.queued_at = timezone.now()
    upload.save()
    UploadEvent.objects.create(upload=upload, status=Upload.Status.UPLOADED, actor=user, note=note)
    logger.info("%s: %s by %s", upload.key, note, user)


def _data_changed(reason: str, keys: list[str]) -> None:
    """What the engines read changed (outputs deleted, or files on their way to be processed again)."""
    processed_data_changed.send(sender=Upload, reason=reason, source_keys=keys, changed_at=timezone.now())


def _stored(upload: Upload) -> str:
    """The upload's raw key; ActionError for a file refused before it reached S3."""
    if not upload.key:
        raise ActionError(f"{upload.original_name} was refused before it reached S3; upload it again instead")
    return upload.key


def _settled(upload: Upload, what: str) -> None:
    """ActionError while the upload is queued or being processed (`what` is the refused action, as
    staff would say it). A stalled file is let through: it may never get an outcome otherwise."""
    if upload.status in (Upload.Status.UPLOADED, Upload.Status.PROCESSING):
        raise ActionError(f"{upload.original_name} is still being processed: {what} once it has an outcome")


def _s3_event(key: str) -> str:
    """The ObjectCreated notification S3 sent for `key` when it landed, for the queue the Lambda reads.

    Its time is the file's first landing (the `landed-at` a remap copy kept, else LastModified), not
    now: the stale rule's reference date comes from it when the file has no as-of, so reprocessing
    gives the same rows. In a versioned bucket it names the version, as S3's does: the Lambda names the
    run's outputs after it, so the new ones replace the old ones instead of landing beside them."""
    head = s3.object_head(key=key)
    landed = landed_at(head.get("Metadata", {}), head["LastModified"], key)  # the Lambda's own rule
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": settings.AWS_REGION,
        "eventTime": landed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "eventName": "ObjectCreated:Put",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": settings.PIPELINE_BUCKET, "arn": f"arn:aws:s3:::{settings.PIPELINE_BUCKET}"},
            "object": {"key": quote_plus(key), "size": head["ContentLength"], "eTag": head["ETag"].strip('"')},
        },
    }
    if head.get("VersionId") not in (None, "null"):  # a versioned bucket's events name the version
        record["s3"]["object"]["versionId"] = head["VersionId"]
    return json.dumps({"Records": [record]})


def upload_reprocess(*, upload: Upload, user) -> None:
    """Send the file's S3 event again. Its previous output goes first, so rows are never doubled."""
    key = _stored(upload)
    try:
        event = _s3_event(key)
    except s3.S3Error as exc:
        raise ActionError(
            f"the raw file of {upload.original_name} is no longer in the bucket ({exc}); upload the file again"
        ) from None
    s3.objects_delete(keys=outputs_of(upload))
    sqs.message_send(queue=sqs.orders_queue(), body=event)
    with transaction.atomic():
        _requeued(upload, user=user, note="reprocess requested: previous output deleted, S3 event sent again")
        _data_changed("reprocessed", [key])


def upload_remap(*, upload: Upload, user, column_mapping: dict[str, str]) -> None:
    """Give the raw object a column mapping; S3's copy event makes the Lambda process it again."""
    key = _stored(upload)
    # The copy makes a new version; a run of the version before it, still queued or running, would
    # write its outputs beside the new version's (under the earlier version's name).
    _settled(upload, "choose its columns again")
    metadata = s3.object_head(key=key).get("Metadata", {})
    metadata = {k: v for k, v in metadata.items() if k not in ("mapping", "header-line")}  # staff's earlier choice
    metadata.update(choice_metadata(column_mapping))
    s3.objects_delete(keys=outputs_of(upload))
    s3.object_metadata_replace(key=key, metadata=metadata)
    with transaction.atomic():
        upload.column_mapping = column_mapping
        mapped = ", ".join(f"{column} ← {header}" for column, header in column_mapping.items() if header)
        _requeued(upload, user=user, note=f"column mapping set ({mapped}); processing again")
        _data_changed("reprocessed", [key])


def upload_output_delete(*, upload: Upload, user) -> int:
    """Delete the Parquet, rejected rows and manifest of an upload; the raw file stays. Returns how many
    objects were deleted. ActionError while the file is queued or being processed: the outputs are
    known only from its manifest, which a queued run has not written yet; it would write them after
    the delete, unseen (the status sync no longer follows a withdrawn file), and every report would
    count them."""
    key = _stored(upload)
    _settled(upload, "delete its output")
    keys = outputs_of(upload)
    deleted = s3.objects_delete(keys=keys)
    with transaction.atomic():
        upload.status = Upload.Status.WITHDRAWN
        upload.status_reason = "processed output deleted; the raw file is kept and can be reprocessed"
        upload.rows_in = upload.rows_out = None  # no output: the Files list shows none, as after a requeue
        upload.manifest = {}
        upload.save()
        UploadEvent.objects.create(
            upload=upload, status=upload.status, actor=user, note=f"deleted {deleted} output object(s); raw kept"
        )
        _data_changed("output_deleted", [key])
    logger.info("%s: output deleted by %s", key, user)
    return deleted


def dlq_replay(*, user, max_messages: int = 1000) -> int:
    """Move every message of the dead-letter queue back to the orders queue; returns how many."""
    moved, keys = 0, set()
    while moved < max_messages:
        batch = sqs.messages_receive(queue=sqs.dlq_name(), max_messages=10, wait_seconds=0)
        if not batch:
            break
        for message in batch:
            sqs.message_send(queue=sqs.orders_queue(), body=message["Body"])
            sqs.message_delete(queue=sqs.dlq_name(), receipt_handle=message["ReceiptHandle"])
            keys.update(message_keys(message))
            moved += 1
    for upload in Upload.objects.filter(key__in=keys):
        with transaction.atomic():
            _requeued(upload, user=user, note="dead-letter queue replayed: S3 event sent to the Lambda again")
    if moved:
        _data_changed("dlq_replayed", sorted(keys))
    logger.info("DLQ replay by %s: %d message(s) moved", user, moved)
    return moved
