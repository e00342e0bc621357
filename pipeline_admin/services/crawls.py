"""Writes of crawler control: one crawl at a time, its record, and the automatic crawls."""

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from ordersite.signals import processed_data_changed

from ..crawler import CrawlerError, crawl
from ..models import CrawlerRun, Upload, UploadEvent

logger = logging.getLogger(__name__)

NEW_DATA_STATUSES = Upload.PROCESSED_ANY


def crawl_runs_expire() -> int:
    """Fail running crawls whose worker stopped checking in; returns how many."""
    now = timezone.now()
    cutoff = now - timedelta(minutes=settings.CRAWLER_STALE_MINUTES)
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    expired = CrawlerRun.objects.filter(silent, state=CrawlerRun.State.RUNNING).update(
        state=CrawlerRun.State.FAILED,
        finished_at=now,
        error=f"no word from the worker for {settings.CRAWLER_STALE_MINUTES} minutes: "
        "it stopped, or no Celery worker picked the crawl up",
    )
    if expired:
        logger.warning("expired %d stale crawler run(s)", expired)
    return expired


def _crawl_request_once(*, user, trigger: str) -> tuple[CrawlerRun, bool] | None:
    crawl_runs_expire()
    try:
        with transaction.atomic():
            return CrawlerRun.objects.create(requested_by=user, trigger=trigger, mode=settings.PIPELINE_MODE), True
    except IntegrityError:  # the one-running-crawl constraint: another crawl is running
        running = CrawlerRun.objects.filter(state=CrawlerRun.State.RUNNING).first()
        return (running, False) if running is not None else None  # None: it finished meanwhile


def crawl_request(*, user=None, trigger: str = CrawlerRun.Trigger.MANUAL) -> tuple[CrawlerRun, bool]:
    """The running crawl, or a new one; the bool says whether a new one was created."""
    for attempt in range(10):
        try:
            result = _crawl_request_once(user=user, trigger=trigger)
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            result = None  # SQLite lets one writer in at a time: wait for the other request
        if result is not None:
            return result
        time.sleep(min(0.02 * 2**attempt, 0.5))
    raise CrawlerError("could not record the crawl request: the database stayed busy, please try again")


def crawl_enqueue_failed(*, run: CrawlerRun, exc: Exception) -> CrawlerError:
    """The broker (Redis) refused the crawl's job: fail the run (a run no worker will ever pick
    up would block the next one) and return the error to raise."""
    logger.error("crawl %s could not be queued: %s", run.pk, exc)
    error = f"the crawl could not be handed to a worker ({exc.__class__.__name__}: {exc}); is Redis running?"
    CrawlerRun.objects.filter(pk=run.pk, state=CrawlerRun.State.RUNNING).update(
        state=CrawlerRun.State.FAILED, finished_at=timezone.now(), error=error[:2000]
    )
    return CrawlerError(f"Crawl {run.pk} failed: {error}")


def _heartbeat(run_id: int) -> None:
    CrawlerRun.objects.filter(pk=run_id, state=CrawlerRun.State.RUNNING).update(heartbeat_at=timezone.now())


def crawl_execute(*, run_id: int) -> CrawlerRun:
    """Run one requested crawl and record its outcome; a run that is not running is left alone."""
    run = CrawlerRun.objects.get(pk=run_id)
    if run.state != CrawlerRun.State.RUNNING:
        return run
    _heartbeat(run_id)
    try:
        outcome = crawl(on_poll=lambda: _heartbeat(run_id))
    except Exception as exc:  # every failure ends up on the run's page, not only in a worker log
        logger.exception("crawl %s failed", run_id)
        run.state, run.error = CrawlerRun.State.FAILED, str(exc)[:2000] or exc.__class__.__name__
    else:
        run.state, run.error = CrawlerRun.State.SUCCEEDED, ""
        run.tables = {"created": outcome.tables_created, "updated": outcome.tables_updated}
        run.tables_created = len(outcome.tables_created)
        run.tables_updated = len(outcome.tables_updated)
        run.partitions_added = outcome.partitions_added
        run.partitions_total = outcome.partitions_total
        run.schema_before = outcome.schema_before
        run.schema_after = outcome.schema_after
        run.drift = outcome.drift
        if outcome.joined_running:
            run.note = "the crawler was already running (started outside ordersite); this run waited for it"
    run.finished_at = timezone.now()
    run.save()
    if run.state == CrawlerRun.State.SUCCEEDED:
        if outcome.changed:
            processed_data_changed.send(sender=CrawlerRun, reason="crawled", source_keys=[], changed_at=run.finished_at)
    return run


def new_data_pending_since() -> datetime | None:
    """When processed data arrived that no successful crawl has catalogued yet, else None.

    Read from the database: the latest upload event that made a file processed, against the
    start of the last successful crawl. Nothing lives only in Redis, so a file processed while
    Redis (cache and broker) was down still gets its automatic crawl once beat runs again."""
    arrived = UploadEvent.objects.filter(status__in=NEW_DATA_STATUSES).aggregate(at=Max("at"))["at"]
    crawled = CrawlerRun.objects.filter(state=CrawlerRun.State.SUCCEEDED).aggregate(at=Max("started_at"))["at"]
    if arrived is None or (crawled is not None and crawled >= arrived):
        return None
    return arrived


def crawl_auto_check(*, now: float | None = None) -> CrawlerRun | None:
    """Run the automatic crawl here once new data has been quiet for the debounce period, so a
    batch of uploads crawls once. A crawl already running may have started before the data
    arrived: the data stays pending until a crawl that started later succeeds."""
    if not settings.CRAWLER_AUTO:
        return None
    now = time.time() if now is None else now
    arrived = new_data_pending_since()
    if arrived is None or arrived.timestamp() + settings.CRAWLER_AUTO_DEBOUNCE_SECONDS > now:
        return None
    run, created = crawl_request(trigger=CrawlerRun.Trigger.AUTO)
    return crawl_execute(run_id=run.pk) if created else None


def crawl_scheduled() -> CrawlerRun | None:
    """The scheduled crawl, run here; None when a crawl was already running."""
    run, created = crawl_request(trigger=CrawlerRun.Trigger.SCHEDULE)
    return crawl_execute(run_id=run.pk) if created else None
