from celery import shared_task
from django.conf import settings

from . import services


@shared_task(time_limit=120, soft_time_limit=100, ignore_result=True)
def uploads_sync() -> int:
    return services.uploads_sync()


# The crawl gives up at CRAWLER_TIMEOUT_SECONDS by itself; the hard limit is only a backstop.
@shared_task(
    time_limit=settings.CRAWLER_TIMEOUT_SECONDS + 300,
    soft_time_limit=settings.CRAWLER_TIMEOUT_SECONDS + 240,
    ignore_result=True,
)
def crawler_run(run_id: int) -> None:
    services.crawl_execute(run_id=run_id)


@shared_task(time_limit=60, soft_time_limit=50, ignore_result=True)
def crawler_auto_check() -> None:
    services.crawl_auto_check()


@shared_task(time_limit=60, soft_time_limit=50, ignore_result=True)
def crawler_scheduled() -> None:
    services.crawl_start(trigger="schedule")
