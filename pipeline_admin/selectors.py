"""Reads of the pipeline admin."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet

from ordersite.aws import AwsError
from ordersite.roles import PIPELINE_ADMINS, user_has_role

from .catalog import TableSnapshot, catalog_snapshot
from .crawler import CrawlerError, CrawlerStatus, crawler_for_mode
from .models import CrawlerRun, Upload


def upload_list(*, user=None, status: str | None = None) -> QuerySet[Upload]:
    uploads = Upload.objects.select_related("uploaded_by")
    if user is not None and not user_has_role(user, PIPELINE_ADMINS):
        uploads = uploads.filter(uploaded_by=user)
    if status:
        uploads = uploads.filter(status=status)
    return uploads


def upload_get(*, user, pk: int) -> Upload:
    return upload_list(user=user).prefetch_related("events").get(pk=pk)


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
            "error": last_crawl.error,
        },
    }


def crawl_runs(*, limit: int = 50) -> QuerySet[CrawlerRun]:
    return CrawlerRun.objects.select_related("requested_by")[:limit]


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
