"""Starting the jobs that compute reports: one Celery job per cache key (single flight), the
Refresh button, and warming the default views after the data changed."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .keys import cache_key, data_version_get
from .query import ReportQuery
from .reports import PAGE, report_query
from .services import RefreshRefused, scan_budget_check
from .tasks import report_compute as report_compute_task

logger = logging.getLogger(__name__)
UNAVAILABLE = "Can't compute while the cache/queue is unavailable"


class ComputeUnavailable(RefreshRefused):
    """No job can be started: the cache (single flight) or the queue (Celery's broker) is down."""


def report_refresh_request(*, query: ReportQuery, user=None, force: bool = False) -> bool:
    """Enqueue one job per cache key (single flight); True when this call enqueued it.

    Raises RefreshRefused when the user's daily scan budget is spent, ComputeUnavailable (a
    RefreshRefused) when the cache or the queue cannot be reached."""
    scan_budget_check(user=user)
    flight_key = "flight:" + cache_key(query, data_version_get())
    # The job gets the query with its dates resolved, so a job that starts after midnight still
    # computes the days this request meant.
    user_id = user.pk if user is not None and user.is_authenticated else None
    return flight_enqueue(flight_key, report_compute_task, query.report, query.as_params(), flight_key, user_id, force)


def flight_enqueue(flight_key: str, task, *args) -> bool:
    """Send `task.delay(*args)` once per `flight_key` (single flight: the task deletes the key when
    it ends; the key expires after the query timeout anyway). True when this call sent it, False
    when a job for the key is already on its way. Raises ComputeUnavailable when the cache or
    the queue (Celery's broker) cannot be reached."""
    try:
        if not cache.add(flight_key, 1, timeout=settings.REPORT_QUERY_TIMEOUT_SECONDS + 60):
            return False
    except Exception:
        logger.warning("Redis unavailable: cannot enqueue %s", task.name)
        raise ComputeUnavailable(UNAVAILABLE) from None
    failed: list[Exception] = []
    transaction.on_commit(lambda: _enqueue(failed, flight_key, task, args))
    if failed:  # outside a transaction the job is sent at once, so a broker outage shows here
        raise ComputeUnavailable(UNAVAILABLE)
    return True


def _enqueue(failed: list, flight_key: str, task, args: tuple) -> None:
    try:
        task.delay(*args)
    except Exception as exc:  # the broker is unreachable: let the next request try again
        logger.warning("queue unavailable: cannot enqueue %s (%s)", task.name, exc)
        failed.append(exc)
        try:
            cache.delete(flight_key)
        except Exception:
            pass


def dashboard_refresh(*, user, queries: list[ReportQuery]) -> int:
    """The Refresh button: recompute every card for these filters, at most once per interval per user."""
    interval = settings.DASHBOARD_REFRESH_INTERVAL_SECONDS
    scan_budget_check(user=user)
    try:
        allowed = cache.add(f"dashboard:refresh-rate:{user.pk}", 1, timeout=interval)
    except Exception:
        raise RefreshRefused("The cache is unreachable, so refreshes are paused; stored results are shown.") from None
    if not allowed:
        raise RefreshRefused(f"Refresh is limited to once every {interval} seconds per user; please wait a moment.")
    return sum(report_refresh_request(query=query, user=user, force=True) for query in queries)


def dashboard_warm() -> list[str]:
    """After a data version change, compute the default views so the first viewer finds them warm.

    With the cache or queue down nothing is warmed; the first viewer's cards start the jobs."""
    try:
        return _warm()
    except ComputeUnavailable:
        logger.warning("cache or queue unavailable: the default views are not warmed")
        return []


def _warm() -> list[str]:
    return [slug for slug in PAGE if report_refresh_request(query=report_query(slug, {}))]
