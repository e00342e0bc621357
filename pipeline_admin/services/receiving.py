"""Writes of files arriving: the checks, the duplicate claim, the raw key and the S3 object.

Every way in (the no-JavaScript form, the CLI, the browser's direct upload in `direct`) ends
here, so a file counts as uploaded only after the same checks, and identical bytes uploaded at
the same instant store one object: the first copy of a content holds `Upload.content_claim`,
a unique column, taken before anything is written to S3.
"""

import hashlib
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ordersite.aws import s3
from ordersite.roles import PIPELINE_ADMINS, user_has_role

from ..checks import file_problem
from ..headers import HEADER_LINE
from ..models import Upload, UploadEvent
from ..older_exports import as_of_conflicts_current, as_of_conflicts_find


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
    """The same bytes were stored before; the caller asks the user before storing them again.

    The message names the earlier file, its uploader and time only to the person who uploaded it
    and to pipeline admins (and the CLI, which runs on the server); anyone else learns only that
    the content is already there.
    """

    def __init__(self, name: str, existing: Upload, viewer=None):
        self.name, self.existing = name, existing
        self.revealed = duplicate_visible_to(existing, viewer)
        if self.revealed:
            who = existing.uploaded_by.get_username() if existing.uploaded_by else "the command line"
            earlier = f"as {existing.original_name} by {who} on {existing.uploaded_at:%Y-%m-%d %H:%M}"
        else:
            earlier = "by someone else"
        if existing.status == Upload.Status.RECEIVING:
            earlier += " (that upload is still under way)"
        super().__init__(f"{name}: the same content was already uploaded {earlier}; confirm to store it again")


def duplicate_visible_to(existing: Upload, viewer) -> bool:
    return viewer is None or existing.uploaded_by_id == viewer.pk or user_has_role(viewer, PIPELINE_ADMINS)


def upload_refuse(*, user, name: str, size: int, reason: str) -> Upload:
    """Record a file refused before it reached raw/, so admins see every attempt and why."""
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


def mapping_metadata(column_mapping: dict[str, str]) -> str:
    """Object metadata `mapping`: staff's columns and grain as compact JSON (the header row apart)."""
    # ensure_ascii keeps non-ASCII header names legal in an HTTP header (S3 metadata).
    mapping = {k: v for k, v in column_mapping.items() if v and k != HEADER_LINE}
    return json.dumps(mapping, separators=(",", ":"), ensure_ascii=True)


def choice_metadata(column_mapping: dict[str, str]) -> dict[str, str]:
    """The raw object's metadata for what staff chose, which the Lambda reads: `mapping` (columns and
    grain, `mapping_metadata`) and `header-line` (the header row, a physical line, 1 the first: the
    column mapping's "header_line"); {} for none. A few dozen bytes of S3's 2 KB of user metadata."""
    metadata = {}
    if any(v for k, v in column_mapping.items() if k != HEADER_LINE):
        metadata["mapping"] = mapping_metadata(column_mapping)
    if column_mapping.get(HEADER_LINE):
        metadata["header-line"] = str(column_mapping[HEADER_LINE])
    return metadata


def upload_metadata(upload: Upload) -> dict[str, str]:
    """The raw object's metadata, which the Lambda reads (as-of, mapping) and people audit."""
    metadata = {
        "upload-id": upload.raw_key.rsplit("/", 1)[-1].split("__", 1)[0],
        "uploader": (upload.uploaded_by.get_username() if upload.uploaded_by else "cli")[:100],
        "original-name": safe_name(upload.original_name),
        "sha256": upload.sha256,
    }
    if upload.as_of:
        metadata["as-of"] = upload.as_of.isoformat()
    metadata.update(choice_metadata(upload.column_mapping or {}))
    return metadata


def upload_claim(
    *,
    user,
    name: str,
    size: int,
    sha256: str,
    as_of: date | None,
    column_mapping: dict | None,
    allow_duplicate: bool,
) -> Upload:
    """Record a file about to be stored (status receiving) under a new raw key.

    Unless `allow_duplicate`, the record takes the content's claim: of several requests with
    the same bytes, one gets it and the others raise DuplicateUpload, whatever their timing.
    """
    if not allow_duplicate:
        existing = Upload.objects.filter(content_claim=sha256).select_related("uploaded_by").first()
        if existing:
            raise DuplicateUpload(name, existing, user)
    now = timezone.now()
    key = f"{settings.RAW_PREFIX}{now:%Y/%m/%d}/{upload_id_new(now)}__{safe_name(name)}"
    try:
        with transaction.atomic():
            return Upload.objects.create(
                key=key,
                original_name=name[:255],
                size=size,
                sha256=sha256,
                content_claim=None if allow_duplicate else sha256,
                as_of=as_of,
                column_mapping=column_mapping or {},
                uploaded_by=user,
                status=Upload.Status.RECEIVING,
            )
    except IntegrityError:
        existing = Upload.objects.filter(content_claim=sha256).select_related("uploaded_by").first()
        if existing is None:  # the holder was withdrawn meanwhile: a retry finds the claim free
            raise
        raise DuplicateUpload(name, existing, user) from None


def upload_accept(*, upload: Upload, user, note: str) -> Upload:
    """The bytes are in raw/: the file counts as uploaded and its processing starts.

    Records the current files with a later as-of (`as_of_conflicts`): this file landed after them,
    so its versions of their orders will count. Nothing is refused: raw files are immutable and
    both are kept; the file's page and the answer to the upload say so (`older_exports`)."""
    with transaction.atomic():
        upload.status = Upload.Status.UPLOADED
        upload.multipart_id = ""
        upload.queued_at = timezone.now()
        upload.as_of_conflicts = [
            {
                "upload_id": earlier.pk,
                "name": earlier.original_name,
                "as_of": earlier.reference_day.isoformat(),
                "uploaded_at": earlier.uploaded_at.isoformat(),
            }
            for earlier in as_of_conflicts_find(upload=upload)
        ]
        upload.save(update_fields=["status", "multipart_id", "queued_at", "as_of_conflicts", "updated_at"])
        UploadEvent.objects.create(upload=upload, status=Upload.Status.UPLOADED, actor=user, note=note[:2000])
    return upload


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
    upload = upload_claim(
        user=user,
        name=name,
        size=_size(fileobj),
        sha256=_sha256(fileobj),
        as_of=as_of,
        column_mapping=column_mapping,
        allow_duplicate=allow_duplicate,
    )
    try:
        s3.raw_object_put(fileobj=fileobj, key=upload.raw_key, metadata=upload_metadata(upload))
    except s3.S3Error:
        upload.delete()
        raise
    return upload_accept(upload=upload, user=user, note=f"stored as {upload.key}")


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file of an upload form: stored, refused, duplicate or error."""

    name: str
    outcome: str
    message: str
    upload_id: int | None = None
    # A stored file older than an export uploaded before it (`older_exports`); "" otherwise.
    warning: str = ""


def stored_outcome(upload: Upload, message: str = "", *, viewer=None) -> FileOutcome:
    """A stored file's answer, with its as-of warning when it is older than an export uploaded
    before it (`older_exports.as_of_conflicts_current`, as `viewer` may see it; None: the CLI)."""
    message = message or f"{upload.original_name}: stored; processing has started"
    conflicts = as_of_conflicts_current(upload=upload, viewer=viewer)
    warning = " ".join(f"{upload.original_name}: {c.text}" for c in conflicts)
    return FileOutcome(upload.original_name, "stored", message, upload.pk, warning)


def refusals_record(*, user, refusals) -> list[FileOutcome]:
    """Record the files the upload handler refused while they arrived (see `upload_handlers`)."""
    outcomes = []
    for refusal in refusals:
        if refusal.size:  # a file that started arriving is an attempt admins see; "too many files" is not
            refused = upload_refuse(user=user, name=refusal.name, size=refusal.size, reason=refusal.reason)
            outcomes.append(FileOutcome(refusal.name, "refused", refusal.reason, refused.pk))
        else:
            outcomes.append(FileOutcome(refusal.name, "refused", refusal.reason))
    return outcomes


def duplicate_outcome(exc: DuplicateUpload) -> FileOutcome:
    # The earlier upload's id is a link only for those who may open it.
    return FileOutcome(exc.name, "duplicate", str(exc), exc.existing.pk if exc.revealed else None)


def uploads_receive(
    *, user, files, as_of: date | None, column_mapping: dict[str, str], allow_duplicate: bool
) -> list[FileOutcome]:
    """Check and store each file on its own, so one bad file never blocks the others."""
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
            outcomes.append(duplicate_outcome(exc))
        except s3.S3Unreachable as exc:
            unreachable = "S3 could not be reached; nothing was saved, please retry"
            outcomes.append(FileOutcome(fileobj.name, "error", f"{fileobj.name}: {exc}"))
        except s3.S3Error as exc:
            outcomes.append(FileOutcome(fileobj.name, "error", f"{fileobj.name}: {exc}"))
        else:
            outcomes.append(stored_outcome(upload, viewer=user))
    return outcomes
