"""Starting the jobs that compute reports: one Celery job per cache key (single flight), the
Refresh button, and warming the default views after the data changed."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .keys import cache_key, data_version_get
from .query import ReportQuery
from .reports import DASHBOARD, report_query
from .services import RefreshRefused, scan_budget_check
from .tasks import report_compute as report_compute_task

logger = logging.getLogger(__name__)


def report_refresh_request(*, query: ReportQuery, user=None, force: bool = False) -> bool:
    """Enqueue one job per cache key (single flight); True when this call enqueued it.

    Raises RefreshRefused when the user's daily scan budget is spent."""
    scan_budget_check(user=user)
    flight_key = "flight:" + cache_key(query, data_version_get())
    try:
        if not cache.add(flight_key, 1, timeout=settings.REPORT_QUERY_TIMEOUT_SECONDS + 60):
            return False
    except Exception:
        logger.warning("Redis unavailable: cannot enqueue %s", query.report)
        return False
    # The job gets the query with its dates resolved, so a job that starts after midnight still
    # computes the days this request meant.
    slug, params = query.report, query.as_params()
    user_id = user.pk if user is not None and user.is_authenticated else None
    transaction.on_commit(lambda: report_compute_task.delay(slug, params, flight_key, user_id, force))
    return True


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
    """After a data version change, compute the default views so the first viewer finds them warm."""
    return [slug for slug in DASHBOARD if report_refresh_request(query=report_query(slug, {}))]
