from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from . import drill, services, supersession
from .query import ReportQuery


# The soft limit leaves the engine time to stop its Athena query before the hard kill.
@shared_task(
    time_limit=settings.REPORT_QUERY_TIMEOUT_SECONDS + 60,
    soft_time_limit=settings.REPORT_QUERY_TIMEOUT_SECONDS + 30,
    ignore_result=True,
)
def report_compute(
    slug: str, params: dict, flight_key: str = "", user_id: int | None = None, force: bool = False
) -> None:
    """`params` is a ReportQuery's `as_params()`: the query the web request validated."""
    try:
        query = ReportQuery.from_params(slug, params)
        services.report_compute(query=query, user_id=user_id, force=force)
    finally:
        _flight_end(flight_key)


# Up to one engine query per default view, each stopped after REPORT_QUERY_TIMEOUT_SECONDS.
@shared_task(
    time_limit=settings.REPORT_QUERY_TIMEOUT_SECONDS * 8 + 60,
    soft_time_limit=settings.REPORT_QUERY_TIMEOUT_SECONDS * 8 + 30,
    ignore_result=True,
)
def dashboard_warm_missing() -> None:
    services.dashboard_warm_missing()


@shared_task(
    time_limit=settings.REPORT_QUERY_TIMEOUT_SECONDS + 60,
    soft_time_limit=settings.REPORT_QUERY_TIMEOUT_SECONDS + 30,
    ignore_result=True,
)
def drill_orders_compute(job: dict, flight_key: str = "", user_id: int | None = None) -> None:
    """One page of the drill list (`OrdersQuery.as_job()`), computed and cached; a failure is
    cached briefly, so the waiting page shows it."""
    try:
        drill.orders_compute(drill.OrdersQuery.from_job(job), user_id=user_id)
    except drill.EngineError:
        pass  # cached for the page to show
    finally:
        _flight_end(flight_key)


@shared_task(
    time_limit=settings.REPORT_QUERY_TIMEOUT_SECONDS + 60,
    soft_time_limit=settings.REPORT_QUERY_TIMEOUT_SECONDS + 30,
    ignore_result=True,
)
def supersedes_compute(source_key: str, earlier_keys: list, flight_key: str = "", user_id: int | None = None) -> None:
    """How many orders of `earlier_keys` the file `source_key` supersedes, counted and cached; a
    failure is cached briefly, so the waiting page shows it."""
    try:
        supersession.superseded_compute(source_key=source_key, earlier_keys=earlier_keys, user_id=user_id)
    except drill.EngineError:
        pass  # cached for the page to show
    finally:
        _flight_end(flight_key)


def _flight_end(flight_key: str) -> None:
    """Let the next request for this key start a job (jobs.flight_enqueue took the key)."""
    if flight_key:
        try:
            cache.delete(flight_key)
        except Exception:  # Redis down: the flight key expires by itself
            pass
