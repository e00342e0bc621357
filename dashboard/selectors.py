"""Reads of the dashboard: views only read results (cache first, then the last stored one)."""

import csv
import io
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from filter_and_process_orders.spreadsheet import formula_safe

from .keys import RESULT_FORMAT, cache_key, data_version_get
from .models import DataChange, ReportResult
from .query import ReportQuery
from .reports import none_meaning, other_label, report_get


@dataclass
class ReportView:
    slug: str
    title: str
    chart: str
    query: ReportQuery | None
    result: ReportResult | None
    fresh: bool
    cache_ok: bool = True
    notice: str = ""  # why no new computation was started (budget, rate limit)
    outage: bool = False  # no job could be started: the cache or the queue is down (it retries)
    self_refresh: bool = True  # a lone card polls for its newer result; a page's cards are swapped together
    previous: "ReportView | None" = None  # the key figures of the previous period (page's KPI card only)

    @property
    def series(self) -> tuple[tuple[str, ...], ...]:
        """The charts this card draws, each a tuple of result columns."""
        return report_get(self.slug).series

    @property
    def drills(self) -> str:
        """The page parameter a chart element narrows to: a column, `statuses` or `period`."""
        drills = report_get(self.slug).drills
        return (self.query.group_by if self.query else "") if drills == "group" else drills

    @property
    def folded(self) -> str:
        """The column whose values past the top N the report folds into one Other row
        (breakdown.sql: the breakdown's `group_by`, sales-by-customer's customer); "" for none."""
        report = report_get(self.slug)
        return report.group or (self.query.group_by if report.takes_group and self.query else "")

    @property
    def none_row(self) -> str:
        """What the "(none)" row of a folded report holds, in words ("the orders without a customer",
        `reports.none_meaning`); "" when the report folds nothing or its column always has a value."""
        return none_meaning(self.folded) if self.folded else ""

    @property
    def empty(self) -> bool:
        """A computed result in which no order matched the filters."""
        result = self.result
        if result is None or result.error:
            return False
        if self.chart == "kpi":
            return not result.rows or not int(result.rows[0][result.columns.index("orders")] or 0)
        return not result.rows

    @property
    def outage_notice(self) -> str:
        """What the card says while nothing can be computed: the truth, not "Computing…"."""
        if not self.outage:
            return ""
        shown = "showing the last stored result" if self.result else "showing nothing rather than guessing"
        return f"Can't compute while the cache/queue is unavailable; {shown}. This card tries again by itself."

    @property
    def polls(self) -> bool:
        """The page asks for this card again: a job computes it, or one could not be started yet."""
        return self.outage or (self.self_refresh and not self.fresh and not self.notice)

    @property
    def params(self) -> dict:
        """The query as URL parameters (what the card's own requests and its CSV link carry)."""
        return self.query.as_params() if self.query else {}

    @property
    def age_seconds(self) -> float | None:
        return (timezone.now() - self.result.computed_at).total_seconds() if self.result else None


def _stored(slug: str, params: dict):
    """The stored results of one report and parameters, of any data version, in the current result
    format (`keys.RESULT_FORMAT`): one of another format is as if never computed, never shown."""
    return ReportResult.objects.filter(slug=slug, params=params, result_format=RESULT_FORMAT)


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
            result = _stored(report.slug, stored).order_by("-computed_at").first()
        views.append(ReportView(report.slug, report.title, report.chart, query, result, fresh, cache_ok))
    return views


def report_csv(*, view: ReportView) -> str:
    """The result as CSV (RFC 4180 line ends), formula-like cells made inert (`formula_safe`): the
    rows named as the card names them (`rows_named`: "(none)", "Other (10 customers)", the `other`
    column kept), the breakdown's first column headed with its column ("region", not "value").

    The caller has checked that `view.result` exists (the export otherwise starts its job and waits)."""
    result = view.result
    if result is None:
        raise ValueError(f"{view} has no result to export")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [view.folded if i == 0 and c == "value" and view.folded else c for i, c in enumerate(result.columns)]
    columns = [formula_safe(column).to_pylist() for column in zip(header, *rows_named(view))]
    writer.writerows(zip(*columns))
    return out.getvalue()


def rows_named(view: ReportView) -> list[list]:
    """The result's rows with their first cell as the card, its table, its chart and its CSV name it:
    the row a report folds its values past the top N into "Other (2 customers)" (`reports.other_label`,
    from its `other` column, the number of values folded), and an empty first cell (the customer, the
    breakdown's value: orders without one) "(none)". Raises ValueError without a result."""
    result = view.result
    if result is None:
        raise ValueError(f"{view} has no result to name")
    flag = result.columns.index("other") if "other" in result.columns else None

    def name(row: list):
        if row[0] is not None:
            return row[0]
        folded = int(row[flag] or 0) if flag is not None else 0
        return other_label(folded, view.folded or "value") if folded else "(none)"

    return [[name(row), *row[1:]] for row in result.rows]


def row_labels(view: ReportView) -> list[str] | None:
    """Each row's name as the card's table and chart name it (`rows_named`: "(none)", "Other (2 customers)"),
    for the report API and `report --json`, whose rows keep the value itself (null for both rows, `other`
    counting what is folded); None for a report whose rows name nothing (the key figures, the filter values)
    or without a result."""
    if view.result is None or view.chart in ("kpi", "options"):
        return None
    return [row[0] for row in rows_named(view)]


@dataclass
class DashboardPage:
    """The cards of one dashboard page, all of one data version (`version`).

    While the newest version (`current`) is still computing, the page keeps the previous complete
    set: `updating` is then True and the cards' numbers are those of `version`. `complete` is False
    when no data version has every card (filters nobody computed before: each card shows what it
    has, `version` 0): the first complete set then replaces no set, so no "updated with" note."""

    cards: list[ReportView]
    version: int
    current: int
    options: ReportView | None = None  # the filter bar's values (filter-values report)
    complete: bool = True

    @property
    def updating(self) -> bool:
        return self.version != self.current


def dashboard_page(*, queries: list[ReportQuery]) -> DashboardPage:
    current = data_version_get()
    views = report_views(queries=queries)
    if all(view.fresh for view in views):
        return DashboardPage(views, current, current)
    stored = [_stored(query.report, query.as_params()).values_list("data_version", "pk") for query in queries]
    by_version = [dict(rows) for rows in stored]
    complete = set.intersection(*(set(versions) for versions in by_version)) if by_version else set()
    if not complete:  # no version every card has: each card shows what it has, all marked updating
        return DashboardPage(views, 0, current, complete=False)
    shown = max(complete)
    results = ReportResult.objects.in_bulk([versions[shown] for versions in by_version])
    for view, versions in zip(views, by_version, strict=True):
        view.result, view.fresh = results[versions[shown]], shown == current
    return DashboardPage(views, shown, current)


# Changes after which the same file is processed again: its next `processed` change ends them.
RESTARTS = ("reprocessed", "dlq_replayed")


def data_changes_summary(*, after: int, up_to: int) -> dict:
    """What changed in the processed data between two data versions, for the page's note:
    {"text": "2 new files, 1 file reprocessed", "changed_at": ISO time of the last change or None}.

    Files are counted once per kind of change (distinct raw keys; a change without keys, a crawl,
    counts once). A file's `processed` change after its reprocess, remap or DLQ replay (`RESTARTS`,
    in the span or before it) is that run's end, counted with it, not as a new file (review B11-6:
    each reprocess was counted twice, once more as a new file)."""
    changes = list(DataChange.objects.filter(id__gt=after, id__lte=up_to).order_by("id"))
    restarted = {  # raw key -> the kind of its last restart before the span
        key: reason
        for keys, reason in DataChange.objects.filter(id__lte=after, reason__in=RESTARTS)
        .order_by("id")
        .values_list("source_keys", "reason")
        for key in keys or []
    }
    seen: dict[str, set] = {}
    for change in changes:
        for key in change.source_keys or [change.pk]:
            reason = restarted.get(key, change.reason) if change.reason == "processed" else change.reason
            if change.reason in RESTARTS:
                restarted[key] = change.reason
            seen.setdefault(reason, set()).add(key)
    words = {
        "processed": ("new file", "new files"),
        "reprocessed": ("file reprocessed", "files reprocessed"),
        "output_deleted": ("output deleted", "outputs deleted"),
        "dlq_replayed": ("file replayed", "files replayed"),
        "crawled": ("catalog change", "catalog changes"),
    }
    parts = [f"{len(keys)} {words.get(reason, (reason, reason))[len(keys) != 1]}" for reason, keys in seen.items()]
    return {"text": ", ".join(parts), "changed_at": changes[-1].changed_at.isoformat() if changes else None}
