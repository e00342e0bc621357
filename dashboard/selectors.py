"""Reads of the dashboard: views only read results (cache first, then the last stored one)."""

import csv
import io
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from .keys import cache_key, data_version_get
from .models import ReportResult
from .query import ReportQuery
from .reports import report_get

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?(E[+-]?\d+)?", re.IGNORECASE)


@dataclass
class ReportView:
    slug: str
    title: str
    chart: str
    query: ReportQuery | None
    result: ReportResult | None
    fresh: bool
    cache_ok: bool = True
    notice: str = ""  # why no new computation was started (budget, rate limit, cache down)

    @property
    def params(self) -> dict:
        """The query as URL parameters (what the card's own requests and its CSV link carry)."""
        return self.query.as_params() if self.query else {}

    @property
    def age_seconds(self) -> float | None:
        return (timezone.now() - self.result.computed_at).total_seconds() if self.result else None


def report_view(*, query: ReportQuery) -> ReportView:
    """The freshest result for this query: the cached one, else the last stored one.

    `fresh` is False when the result is from an older data version (or there is none yet):
    the page shows it with its age while a new one computes (stale-while-revalidate)."""
    return report_views(queries=[query])[0]


def report_views(*, queries: list[ReportQuery]) -> list[ReportView]:
    """`report_view` for several reports at once: one data-version read, one cache round trip
    and one database query for all of them, which is what keeps a dashboard page cheap."""
    version = data_version_get()
    cards = [(report_get(query.report), query, cache_key(query, version)) for query in queries]
    cache_ok = True
    try:
        pks = cache.get_many([key for _, _, key in cards])
    except Exception:
        pks, cache_ok = {}, False
    by_pk = ReportResult.objects.in_bulk([pk for pk in pks.values() if pk])
    views = []
    for report, query, key in cards:
        result = by_pk.get(pks.get(key))
        if result is None:
            result = ReportResult.objects.filter(cache_key=key).first()
        fresh = result is not None
        if result is None:
            stored = query.as_params()
            result = ReportResult.objects.filter(slug=report.slug, params=stored).order_by("-computed_at").first()
        views.append(ReportView(report.slug, report.title, report.chart, query, result, fresh, cache_ok))
    return views


def csv_cell(value) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def report_csv(*, view: ReportView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in view.result.columns])
    writer.writerows([csv_cell(v) for v in row] for row in view.result.rows)
    return out.getvalue()
