"""Reconciliation: the database's uploads against what the bucket still holds.

The twin can lose its data (a crash between two saves, `make clean`, a reset), and in AWS someone
can delete objects by hand. Then the Files page would list files as processed whose raw object or
outputs are gone, reprocess would fail with a bare S3 404 and the same file could not be uploaded
again. `uploads_reconcile` marks such uploads `lost` with a plain reason (a lost file can be
uploaded again: a lost upload gives up its claim on the content) and tells the dashboard its cached
numbers are stale. It runs when `make run` starts and on demand (`manage.py pipeline_status
--reconcile`, the admins' button on the Files page).
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ordersite.aws import s3
from ordersite.signals import processed_data_changed

from ..models import Upload, UploadEvent

logger = logging.getLogger(__name__)

# Uploads whose objects must exist: stored, and not already known to be gone.
CHECKED = {
    Upload.Status.UPLOADED,
    Upload.Status.PROCESSING,
    Upload.Status.STALLED,
    *Upload.PROCESSED_ANY,
    Upload.Status.REJECTED,
    Upload.Status.FAILED,
    Upload.Status.WITHDRAWN,
}
HAS_OUTPUT = Upload.PROCESSED_ANY


def _keys(prefix: str) -> set[str]:
    return {o.key for o in s3.objects_iter(prefix=prefix)}


def _reason(upload: Upload, raw: set[str], outputs: set[str]) -> str:
    if upload.key not in raw:
        return (
            "the raw file is no longer in the bucket (the local twin's data was reset or the object was deleted); "
            "upload the file again"
        )
    expected = list((upload.manifest or {}).get("outputs") or []) if upload.status in HAS_OUTPUT else []
    missing = [key for key in expected if key not in outputs]
    if missing:
        return (
            f"{len(missing)} of its {len(expected)} processed file(s) are no longer in the bucket "
            f"(e.g. {missing[0]}); the raw file is still there: reprocess it"
        )
    return ""


def uploads_reconcile(*, user=None) -> list[Upload]:
    """Mark `lost` every stored upload whose raw object or processed output is gone; returns them.

    Raises `s3.S3Error` when the bucket cannot be listed (then nothing is marked).
    """
    candidates = list(Upload.objects.filter(key__isnull=False, status__in=CHECKED))
    if not candidates:
        return []
    raw = _keys(settings.RAW_PREFIX)
    outputs = _keys(settings.PROCESSED_PREFIX)
    lost = []
    for upload in candidates:
        reason = _reason(upload, raw, outputs)
        if not reason:
            continue
        with transaction.atomic():
            upload.status = Upload.Status.LOST
            upload.status_reason = reason
            upload.content_claim = None  # the same bytes may be uploaded again
            upload.save()
            UploadEvent.objects.create(upload=upload, status=upload.status, note=reason, actor=user)
        lost.append(upload)
    if lost:
        logger.warning("reconcile: %d upload(s) lost: %s", len(lost), ", ".join(u.original_name for u in lost))
        keys = [u.key for u in lost]
        processed_data_changed.send(sender=Upload, reason="lost", source_keys=keys, changed_at=timezone.now())
    return lost
