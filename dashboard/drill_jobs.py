"""Starting the job that computes a page of the drill list: one Celery job per page and data
version (single flight, as the reports' jobs), or the computation right here when asked to wait
(the CSV export, the CLI) or when the cache or the queue cannot be reached."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .drill import OrdersPage, OrdersQuery, orders_cached, orders_compute, page_key
from .keys import data_version_get
from .services import scan_budget_check
from .tasks import drill_orders_compute

logger = logging.getLogger(__name__)


def orders_page(oq: OrdersQuery, *, user=None, wait: bool = False) -> OrdersPage | None:
    """The page if computed; else start its job and return None (the page polls), or with
    `wait` compute it now. Raises RefreshRefused when the user's scan budget is spent,
    EngineError when the computation failed."""
    page = orders_cached(oq)
    if page is not None:
        return page
    scan_budget_check(user=user)
    user_id = user.pk if user is not None and user.is_authenticated else None
    if wait:
        return orders_compute(oq, user_id=user_id)
    flight_key = "flight:" + page_key(oq, data_version_get())
    try:
        first = cache.add(flight_key, 1, timeout=settings.REPORT_QUERY_TIMEOUT_SECONDS + 60)
    except Exception:  # Redis down: nothing can be cached or waited for, so compute and show it
        return orders_compute(oq, user_id=user_id)
    if first:
        failed: list[Exception] = []
        transaction.on_commit(lambda: _enqueue(failed, oq, flight_key, user_id))
        if failed:  # the broker is unreachable: compute here rather than wait for nothing
            return orders_compute(oq, user_id=user_id)
    return orders_cached(oq)  # an eager queue (tests, CLI) has computed it already


def _enqueue(failed: list, oq: OrdersQuery, flight_key: str, user_id) -> None:
    try:
        drill_orders_compute.delay(oq.as_job(), flight_key, user_id)
    except Exception as exc:
        logger.warning("queue unavailable: drill page computed in the request (%s)", exc)
        failed.append(exc)
        try:
            cache.delete(flight_key)
        except Exception:
            pass
