"""Reads of the dashboard: views only read results (cache first, then the last stored one)."""

from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from .models import ReportResult
from .reports import report_get
from .services import cache_key, data_version_get


@dataclass
class ReportView:
    slug: str
    title: str
    chart: str
    params: dict
    result: ReportResult | None
    fresh: bool
    cache_ok: bool = True

    @property
    def age_seconds(self) -> float | None:
        return (timezone.now() - self.result.computed_at).total_seconds() if self.result else None


def report_view(*, slug: str, raw_params: dict) -> ReportView:
    """The freshest result for these parameters: the cached one, else the last stored one."""
    report = report_get(slug)
    values = report.clean_params(raw_params)
    version = data_version_get()
    key = cache_key(slug, values, version)
    cache_ok = True
    try:
        pk = cache.get(key)
    except Exception:
        pk, cache_ok = None, False
    result = ReportResult.objects.filter(pk=pk).first() if pk else None
    fresh = result is not None
    if result is None:
        result = ReportResult.objects.filter(cache_key=key).first()
        fresh = result is not None
    if result is None:
        params = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
        result = ReportResult.objects.filter(slug=slug, params=params).order_by("-computed_at").first()
    return ReportView(slug, report.title, report.chart, values, result, fresh, cache_ok)
