"""Writes of browser uploads that go straight to S3, never through the web server.

1. `direct_begin`: the name and the declared size are checked and the content's claim taken
   (`receiving.upload_claim`) before anything is signed; the server starts a multipart upload to
   `incoming/<raw key's tail>` with the object's metadata (uploader, original name, sha256,
   as-of, mapping). The same user choosing the same file again resumes that upload.
2. `direct_part_urls`: presigned PUT URLs for the parts; the browser sends them in parallel.
3. `direct_complete`: the server completes the upload from the parts S3 lists, checks the stored
   object (its size against the declared one, and a ranged read of its head: type, text, header)
   and only then moves it to raw/, where its S3 event starts processing. A refused object is
   deleted and recorded as rejected. Nothing unchecked ever lands in raw/.
4. `direct_abort` and `direct_expire`: an upload cancelled or abandoned has its parts aborted (and
   the bucket's lifecycle rule aborts any that slip through after a day).
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ordersite.aws import s3

from ..checks import head_problem, name_problem, size_problem
from ..models import Upload, UploadEvent
from ..sniffing import SNIFF_BYTES
from .receiving import FileOutcome, stored_outcome, upload_accept, upload_claim, upload_metadata, upload_refuse

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part but the last
MAX_PARTS = 10_000


class DirectRefused(Exception):
    """The file was refused before anything was signed; `upload` records the refusal."""

    def __init__(self, message: str, upload: Upload):
        super().__init__(message)
        self.upload = upload


@dataclass(frozen=True)
class DirectUpload:
    upload: Upload
    part_bytes: int
    part_count: int
    parts_done: list[int]  # parts S3 already holds (a resumed upload sends only the others)


def staging_key(upload: Upload) -> str:
    return settings.INCOMING_PREFIX + upload.raw_key.removeprefix(settings.RAW_PREFIX)


def part_bytes_for(size: int) -> int:
    """UPLOAD_PART_BYTES, or more when a file would need over 10,000 parts."""
    return max(settings.UPLOAD_PART_BYTES, MIN_PART_BYTES, math.ceil(size / MAX_PARTS))


def _plan(upload: Upload, parts_done: list[int]) -> DirectUpload:
    part_bytes = part_bytes_for(upload.size)
    return DirectUpload(upload, part_bytes, max(1, math.ceil(upload.size / part_bytes)), parts_done)


def direct_begin(
    *,
    user,
    name: str,
    size: int,
    sha256: str,
    as_of: date | None,
    column_mapping: dict[str, str],
    allow_duplicate: bool,
) -> DirectUpload:
    """Check what the browser declares, take the claim and start the multipart upload.

    Raises DirectRefused (name or size), receiving.DuplicateUpload, or S3Error (nothing recorded).
    """
    problem = name_problem(name) or size_problem(name, size)
    if problem:
        raise DirectRefused(problem, upload_refuse(user=user, name=name, size=size, reason=problem))
    resumed = Upload.objects.filter(
        status=Upload.Status.RECEIVING, uploaded_by=user, sha256=sha256, size=size, original_name=name[:255]
    ).first()
    if resumed is not None and resumed.multipart_id:
        parts = s3.multipart_parts(key=staging_key(resumed), upload_id=resumed.multipart_id)
        return _plan(resumed, [p.number for p in parts])
    upload = upload_claim(
        user=user,
        name=name,
        size=size,
        sha256=sha256,
        as_of=as_of,
        column_mapping=column_mapping,
        allow_duplicate=allow_duplicate,
    )
    try:
        upload.multipart_id = s3.multipart_begin(key=staging_key(upload), metadata=upload_metadata(upload))
    except s3.S3Error:
        upload.delete()
        raise
    upload.save(update_fields=["multipart_id", "updated_at"])
    return _plan(upload, [])


def direct_part_urls(*, upload: Upload, numbers: list[int]) -> dict[int, str]:
    plan = _plan(upload, [])
    wanted = sorted({n for n in numbers if 1 <= n <= plan.part_count})
    return s3.part_urls(key=staging_key(upload), upload_id=upload.multipart_id, numbers=wanted)


def _refuse_stored(upload: Upload, user, reason: str) -> FileOutcome:
    s3.objects_delete(keys=[staging_key(upload)])
    with transaction.atomic():
        upload.key, upload.content_claim, upload.multipart_id = None, None, ""
        upload.status, upload.status_reason = Upload.Status.REJECTED, reason
        upload.save()
        UploadEvent.objects.create(upload=upload, status=Upload.Status.REJECTED, actor=user, note=reason[:2000])
    return FileOutcome(upload.original_name, "refused", reason, upload.pk)


def direct_complete(*, upload: Upload, user) -> FileOutcome:
    """Complete, check and accept (or refuse and delete) one browser upload; idempotent once final."""
    name = upload.original_name
    if upload.status != Upload.Status.RECEIVING:
        if upload.status == Upload.Status.REJECTED:
            return FileOutcome(name, "refused", upload.status_reason or f"{name}: stored", upload.pk)
        return stored_outcome(upload, upload.status_reason or f"{name}: stored", viewer=user)
    plan = _plan(upload, [])
    key = staging_key(upload)
    parts = s3.multipart_parts(key=key, upload_id=upload.multipart_id)
    missing = sorted(set(range(1, plan.part_count + 1)) - {p.number for p in parts})
    if missing:
        return FileOutcome(name, "incomplete", f"{name}: parts {missing[:10]} have not arrived yet", upload.pk)
    s3.multipart_complete(key=key, upload_id=upload.multipart_id, parts=parts)
    stored_size = s3.object_head(key=key)["ContentLength"]
    if stored_size != upload.size:
        reason = f"{name}: S3 holds {stored_size} bytes but {upload.size} were declared; the object was deleted"
        return _refuse_stored(upload, user, reason)
    problem = head_problem(name, s3.object_head_bytes(key=key, size=SNIFF_BYTES), size=stored_size)
    if problem:
        return _refuse_stored(upload, user, f"{problem}; the stored object was deleted")
    s3.object_move(source=key, key=upload.raw_key)
    upload_accept(upload=upload, user=user, note=f"sent by the browser straight to S3, checked, stored as {upload.key}")
    return stored_outcome(upload, viewer=user)


def direct_abort(*, upload: Upload) -> None:
    """Cancel an upload under way: S3 frees its parts and the record goes (nothing was stored)."""
    if upload.status != Upload.Status.RECEIVING:
        return
    if upload.multipart_id:
        s3.multipart_abort(key=staging_key(upload), upload_id=upload.multipart_id)
    upload.delete()


def direct_expire() -> int:
    """Abort uploads under way for longer than UPLOAD_RECEIVING_HOURS (a closed tab); returns how many."""
    before = timezone.now() - timedelta(hours=settings.UPLOAD_RECEIVING_HOURS)
    stale = list(Upload.objects.filter(status=Upload.Status.RECEIVING, uploaded_at__lt=before))
    for upload in stale:
        direct_abort(upload=upload)
    return len(stale)


def direct_refused_upload(exc: DirectRefused) -> FileOutcome:
    return FileOutcome(exc.upload.original_name, "refused", str(exc), exc.upload.pk)
