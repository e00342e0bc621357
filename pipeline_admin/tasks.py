"""Celery tasks of the pipeline admin, and `crawl_start`, which hands a requested crawl to one.

Services never enqueue tasks (that would be a services <-> tasks cycle): what starts a job
lives here, above the services it calls."""

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import older_exports
from .models import CrawlerRun
from .services import crawls, direct, uploads

# A crawl gives up at CRAWLER_TIMEOUT_SECONDS by itself; the hard limit is only a backstop.
CRAWL_LIMITS = {
    "time_limit": settings.CRAWLER_TIMEOUT_SECONDS + 300,
    "soft_time_limit": settings.CRAWLER_TIMEOUT_SECONDS + 240,
}


@shared_task(time_limit=120, soft_time_limit=100, ignore_result=True)
def uploads_sync() -> int:
    direct.direct_expire()  # browser uploads abandoned mid-way (a closed tab)
    started = timezone.now()
    changed = uploads.uploads_sync()
    if changed:
        older_exports.superseded_warm(since=started)
    return changed


@shared_task(**CRAWL_LIMITS, ignore_result=True)
def crawler_run(run_id: int) -> None:
    crawls.crawl_execute(run_id=run_id)


# The automatic and scheduled crawls run in the beat-triggered task itself: they are already on a worker.
@shared_task(**CRAWL_LIMITS, ignore_result=True)
def crawler_auto_check() -> None:
    crawls.crawl_auto_check()


@shared_task(**CRAWL_LIMITS, ignore_result=True)
def crawler_scheduled() -> None:
    crawls.crawl_scheduled()


def crawl_start(*, user=None, trigger: str = CrawlerRun.Trigger.MANUAL) -> tuple[CrawlerRun, bool]:
    """Record a crawl request and hand it to a worker once the request is committed.

    Raises CrawlerError when no worker can be reached; the run is then failed, not left running."""
    run, created = crawls.crawl_request(user=user, trigger=trigger)
    if created:
        transaction.on_commit(lambda: _crawl_enqueue(run))
    return run, created


def _crawl_enqueue(run: CrawlerRun) -> None:
    try:
        crawler_run.delay(run.pk)
    except Exception as exc:  # the broker (Redis) is down
        raise crawls.crawl_enqueue_failed(run=run, exc=exc) from exc
