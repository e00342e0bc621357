from celery import shared_task
from django.core.cache import cache

from . import services


@shared_task(time_limit=300, soft_time_limit=280, ignore_result=True)
def report_compute(slug: str, raw_params: dict, flight_key: str = "") -> None:
    try:
        services.report_compute(slug=slug, raw_params=raw_params)
    finally:
        if flight_key:
            cache.delete(flight_key)
