"""Writes of the pipeline admin: storing uploads, syncing their status, running the crawler."""

import hashlib
import json
import logging
import re
import unicodedata
import uuid
from datetime import date, timedelta
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import s3
from .crawler import crawl
from .models import CrawlerRun, Upload, UploadEvent

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


def upload_create(
    *, user, fileobj: BinaryIO, name: str, as_of: date | None = None, column_mapping: dict | None = None
) -> Upload:
    """Stream one file to raw/ and record it; nothing is recorded when S3 refuses it."""
    upload_id = uuid.uuid4().hex[:12]
    today = timezone.now()
    key = f"{settings.RAW_PREFIX}{today:%Y/%m/%d}/{upload_id}__{safe_name(name)}"
    sha256 = _sha256(fileobj)
    metadata = {
        "upload-id": upload_id,
        "uploader": (user.get_username() if user else "cli")[:100],
        "original-name": safe_name(name),
        "sha256": sha256,
    }
    if as_of:
        metadata["as-of"] = as_of.isoformat()
    if column_mapping:
        metadata["mapping"] = json.dumps(column_mapping, separators=(",", ":"))
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
        )
        UploadEvent.objects.create(upload=upload, status=Upload.Status.UPLOADED, actor=user, note=f"stored as {key}")
    return upload


def _status_set(upload: Upload, status: str, note: str = "", actor=None) -> None:
    if upload.status == status:
        return
    upload.status = status
    UploadEvent.objects.create(upload=upload, status=status, note=note[:2000], actor=actor)


def uploads_sync() -> int:
    """Move uploads along from the manifests the Lambda wrote; returns how many changed."""
    pending = {u.key: u for u in Upload.objects.exclude(status__in=Upload.FINAL)}
    if not pending:
        return 0
    manifests = {m.get("source_key"): m for m in s3.manifest_list()}
    changed = 0
    stalled_before = timezone.now() - timedelta(minutes=settings.UPLOAD_STALLED_MINUTES)
    for key, upload in pending.items():
        manifest = manifests.get(key)
        with transaction.atomic():
            if manifest:
                status = MANIFEST_STATUS.get(manifest.get("status"), Upload.Status.FAILED)
                upload.manifest = manifest
                upload.rows_in = manifest.get("rows_in")
                upload.rows_out = manifest.get("rows_out")
                upload.status_reason = manifest.get("reason", "")
                _status_set(upload, status, manifest.get("reason", ""))
            elif upload.uploaded_at < stalled_before:
                upload.status_reason = (
                    f"no manifest after {settings.UPLOAD_STALLED_MINUTES} minutes: "
                    "check that the Lambda runtime is running and the DLQ is empty"
                )
                _status_set(upload, Upload.Status.STALLED, upload.status_reason)
            else:
                continue
            upload.save()
            changed += 1
    if changed:
        logger.info("synced %d uploads", changed)
    return changed


def crawl_request(*, user=None) -> tuple[CrawlerRun, bool]:
    """The running crawl, or a new one; the bool says whether a new one was created."""
    with transaction.atomic():
        running = CrawlerRun.objects.select_for_update().filter(state=CrawlerRun.State.RUNNING).first()
        if running:
            return running, False
        return CrawlerRun.objects.create(requested_by=user, mode=settings.PIPELINE_MODE), True


def crawl_execute(*, run_id: int) -> CrawlerRun:
    run = CrawlerRun.objects.get(pk=run_id)
    if run.state != CrawlerRun.State.RUNNING:
        return run
    try:
        outcome = crawl()
    except Exception as exc:
        logger.exception("crawl %s failed", run_id)
        run.state, run.error = CrawlerRun.State.FAILED, str(exc)[:2000]
    else:
        run.state = CrawlerRun.State.SUCCEEDED
        run.tables_created = outcome.tables_created
        run.tables_updated = outcome.tables_updated
        run.partitions_added = outcome.partitions_added
        run.schema_before = outcome.schema_before
        run.schema_after = outcome.schema_after
    run.finished_at = timezone.now()
    run.save()
    if run.state == CrawlerRun.State.SUCCEEDED:
        from dashboard.services import data_version_bump

        data_version_bump()
    return run
