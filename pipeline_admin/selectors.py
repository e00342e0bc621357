"""Reads of the pipeline admin."""

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.urls import reverse

from ordersite.aws import AwsError, s3, sqs
from ordersite.roles import PIPELINE_ADMINS, UPLOADERS, user_has_role

from .catalog import TableSnapshot, catalog_snapshot
from .crawler import CrawlerError, CrawlerStatus, crawler_for_mode
from .headers import HEADER_SAMPLE_BYTES, HeaderCheck, header_inspect, header_line_of
from .models import CrawlerRun, Upload


def upload_list(
    *,
    user=None,
    status: str | None = None,
    uploader: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Upload]:
    uploads = Upload.objects.select_related("uploaded_by")
    if user is not None and not user_has_role(user, PIPELINE_ADMINS):
        uploads = uploads.filter(uploaded_by=user)
    if status:
        uploads = uploads.filter(status=status)
    if uploader:
        uploads = uploads.filter(uploaded_by__username=uploader)
    if date_from:
        uploads = uploads.filter(uploaded_at__date__gte=date_from)
    if date_to:
        uploads = uploads.filter(uploaded_at__date__lte=date_to)
    return uploads


def order_sources(*, user, source_keys=(), with_rejects: bool = False, limit: int = 200) -> dict[str, dict]:
    """The uploads behind processed orders, for the dashboard's drill pages, which reach this
    through the ORDER_SOURCES setting (dashboard never imports pipeline_admin).

    raw key -> {"name": the uploaded file's name, "url": its upload page or "" when `user` (None:
    nobody) may not open it, "reference_date", "stale_rule" (the statuses and age the Lambda read the
    file by; {} before manifests recorded it), "ingested_at", "rejected_key", "mapping" (contract
    column -> the file's header), "header", "decimal_separator" ("." or ","; "" before manifests
    recorded it), all from its manifest}. `with_rejects`: the `limit` most recently
    uploaded files that have rejected rows, instead of `source_keys`."""
    uploads = Upload.objects.exclude(key=None)
    if with_rejects:
        uploads = uploads.filter(manifest__rejected_key__isnull=False).exclude(manifest__rejected_key=None)
        uploads = uploads.order_by("-uploaded_at", "-id")[:limit]
    else:
        uploads = uploads.filter(key__in=list(source_keys)[:limit])
    admin = user is not None and user_has_role(user, PIPELINE_ADMINS)
    uploader = user is not None and user_has_role(user, UPLOADERS)
    sources = {}
    for upload in uploads:
        manifest = upload.manifest or {}
        allowed = admin or (uploader and upload.uploaded_by_id == user.pk)
        sources[upload.raw_key] = {
            "name": upload.original_name,
            "url": reverse("pipeline_admin:upload_detail", args=[upload.pk]) if allowed else "",
            "reference_date": manifest.get("reference_date", ""),
            "stale_rule": manifest.get("stale_rule") or {},
            "ingested_at": manifest.get("ingested_at", ""),
            "rejected_key": manifest.get("rejected_key") or "",
            "mapping": manifest.get("mapping") or {},
            "header": manifest.get("header") or [],
            "decimal_separator": manifest.get("decimal_separator") or "",
        }
    return sources


def upload_get(*, user, pk: int) -> Upload:
    return upload_list(user=user).prefetch_related("events__actor").get(pk=pk)


def content_holder(*, sha256: str) -> Upload | None:
    """The upload holding these bytes' content claim (the first stored copy not given up), or None."""
    return Upload.objects.filter(content_claim=sha256).first()


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file on disk, read in 1 MiB chunks (as uploads are hashed)."""
    digest = hashlib.sha256()
    with path.open("rb") as fileobj:
        for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def upload_remap_allowed(*, user, upload: Upload) -> bool:
    """Uploaders may map the columns of their own file only while it waits for a mapping (rejected
    for a missing column, `Upload.needs_mapping`); anything else reprocesses output, which is a
    Pipeline admin's action (README: Admin actions)."""
    return user_has_role(user, PIPELINE_ADMINS) or upload.needs_mapping


def uploaders() -> list[str]:
    """Usernames that have uploaded something, for the list's filter."""
    return list(
        Upload.objects.filter(uploaded_by__isnull=False)
        .values_list("uploaded_by__username", flat=True)
        .distinct()
        .order_by("uploaded_by__username")
    )


def rejected_rows_url(*, upload: Upload) -> str:
    """A short-lived link to the CSV of every rejected row, or "" when there are none."""
    key = (upload.manifest or {}).get("rejected_key")
    if not key:
        return ""
    return s3.presigned_get(key=key, filename=f"rejected-{upload.pk}.csv")


def stale_orders_url(*, upload: Upload) -> str:
    """The link to the CSV of the orders stored flagged stale, or "" when there are none: the site's
    download derived from the Parquet (`stale_orders`); for a file processed before the stale orders
    were stored only there, a short-lived link to the CSV its run wrote (`stale_key`)."""
    manifest = upload.manifest or {}
    if manifest.get("stale_key"):
        return s3.presigned_get(key=manifest["stale_key"], filename=f"stale-{upload.pk}.csv")
    if manifest.get("rows_stale") and manifest.get("outputs"):
        return reverse("pipeline_admin:upload_stale_orders", args=[upload.pk])
    return ""


def upload_header(*, upload: Upload) -> HeaderCheck:
    """The header row of a stored file and what the Lambda's mapping makes of it: found with the
    mapping and header row staff chose for it, as the Lambda finds it (a mapping can pick a later
    header record), with every record of its first lines (`HeaderCheck.candidates`)."""
    sample = s3.object_head_bytes(key=upload.raw_key, size=HEADER_SAMPLE_BYTES)
    mapping = upload.column_mapping or None
    return header_inspect(sample=sample, explicit=mapping, chosen=header_line_of(mapping))


def dlq_depth() -> int:
    depth = sqs.queue_depth(queue=sqs.dlq_name())
    return depth["waiting"] + depth["in_flight"]


def dlq_depth_or_none() -> int | None:
    """For the files page: an unreachable queue shows as unknown rather than breaking the page."""
    try:
        return dlq_depth()
    except sqs.SqsError:
        return None


BROWSER_PREFIXES = {
    "raw": lambda: settings.RAW_PREFIX,
    "processed": lambda: settings.PROCESSED_PREFIX,
    "quarantine": lambda: settings.QUARANTINE_PREFIX,
    "manifests": lambda: settings.MANIFEST_PREFIX,
    "enriched": lambda: settings.ENRICHED_PREFIX,
}


def bucket_summary() -> list[dict]:
    """Object count, total size and newest change per area; cached a minute (it lists everything)."""
    try:
        cached = cache.get("pipeline_admin:bucket_summary")
    except Exception:  # Redis down: list the bucket, the page must not fail for want of a cache
        cached = None
    if cached is not None:
        return cached
    summary = []
    for area, prefix in BROWSER_PREFIXES.items():
        count, size, newest = 0, 0, None
        for obj in s3.objects_iter(prefix=prefix()):
            count, size = count + 1, size + obj.size
            newest = max(newest, obj.last_modified) if newest else obj.last_modified
        summary.append({"area": area, "prefix": prefix(), "count": count, "size": size, "last_modified": newest})
    try:
        cache.set("pipeline_admin:bucket_summary", summary, 60)
    except Exception:
        pass
    return summary


def bucket_page(*, area: str, token: str = "", limit: int = 50) -> tuple[list[s3.StoredObject], str]:
    return s3.object_page(prefix=BROWSER_PREFIXES[area](), token=token, limit=limit)


def pipeline_status() -> dict:
    counts = dict(Upload.objects.values_list("status").annotate(n=Count("id")).order_by())
    last_crawl = CrawlerRun.objects.first()
    return {
        "uploads": {status: counts.get(status, 0) for status in Upload.Status.values},
        "recent": [
            {
                "key": u.key,
                "name": u.original_name,
                "status": u.status,
                "rows_in": u.rows_in,
                "rows_out": u.rows_out,
                "reason": u.status_reason,
            }
            for u in Upload.objects.all()[:20]
        ],
        "last_crawl": None
        if last_crawl is None
        else {
            "state": last_crawl.state,
            "started_at": last_crawl.started_at.isoformat(),
            "finished_at": last_crawl.finished_at.isoformat() if last_crawl.finished_at else None,
            "partitions_added": last_crawl.partitions_added,
            "partitions_total": last_crawl.partitions_total,
            "error": last_crawl.error,
        },
    }


def crawl_runs() -> QuerySet[CrawlerRun]:
    """Newest first (the model's ordering)."""
    return CrawlerRun.objects.select_related("requested_by")


def crawl_run_get(*, pk: int) -> CrawlerRun:
    return CrawlerRun.objects.select_related("requested_by").get(pk=pk)


def crawl_running() -> CrawlerRun | None:
    """The crawl that blocks a new one; a stale run does not (the next request expires it)."""
    run = CrawlerRun.objects.select_related("requested_by").filter(state=CrawlerRun.State.RUNNING).first()
    return None if run is None or run.is_stale else run


@dataclass
class CatalogPage:
    database: str
    tables: list[TableSnapshot]
    crawler: CrawlerStatus | None
    error: str = ""


def catalog_page() -> CatalogPage:
    """The Glue catalog as the crawler left it; an unreachable catalog is a message, not a 500."""
    try:
        tables = sorted(catalog_snapshot().values(), key=lambda t: t.name)
        status = crawler_for_mode().status()
    except (AwsError, CrawlerError) as exc:
        return CatalogPage(settings.GLUE_DATABASE, [], None, str(exc))
    return CatalogPage(settings.GLUE_DATABASE, tables, status)


def upload_statuses(*, user, ids: list[int]) -> list[dict]:
    """The status of these uploads (those the user may see), as the upload page shows them."""
    return [
        {
            "id": u.pk,
            "name": u.original_name,
            "status": u.status,
            "label": u.get_status_display(),
            "reason": u.status_reason,
            "final": u.status in Upload.FINAL,
            "rows_in": u.rows_in,
            "rows_out": u.rows_out,
            "url": reverse("pipeline_admin:upload_detail", args=[u.pk]),
        }
        for u in upload_list(user=user).filter(pk__in=ids)
    ]


def upload_origin_or_none() -> str | None:
    """Where the upload page's script sends parts (None when S3 cannot sign: the form still works)."""
    try:
        return s3.upload_origin()
    except AwsError:
        return None
