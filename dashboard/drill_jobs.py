"""Starting the job that computes a page of the drill list: one Celery job per page and data
version (single flight, as the reports' jobs), or the computation right here when asked to wait
(the CSV export, the CLI) or when the cache or the queue cannot be reached."""

from .drill import OrdersPage, OrdersQuery, orders_cached, orders_compute, page_key
from .jobs import ComputeUnavailable, flight_enqueue
from .keys import data_version_get
from .services import scan_budget_check
from .tasks import drill_orders_compute


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
        flight_enqueue(flight_key, drill_orders_compute, oq.as_job(), flight_key, user_id)
    except ComputeUnavailable:  # no cache or no queue: nothing can be waited for, so compute and show it
        return orders_compute(oq, user_id=user_id)
    return orders_cached(oq)  # an eager queue (tests, CLI) has computed it already
