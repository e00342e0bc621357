import logging
from difflib import get_close_matches

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from ordersite.roles import ANALYSTS, role_required

from .filter_bar import FILTER_PARAMS, VIEW_PARAMS, customer_suggestions, filter_bar, home_url
from .jobs import ComputeUnavailable, dashboard_refresh, report_refresh_request
from .keys import data_version_get
from .query import ReportQuery
from .reports import DASHBOARD, OPTIONS, REPORTS, ParamError, report_query
from .selectors import (
    DashboardPage,
    ReportView,
    dashboard_page,
    data_changes_summary,
    report_csv,
    report_view,
    row_labels,
)
from .services import RefreshRefused, dashboard_params

logger = logging.getLogger(__name__)
FILTERS = (*FILTER_PARAMS, *VIEW_PARAMS)
CARD_HTML_SECONDS = 15
EXPORT_RETRY_SECONDS = 3  # how often the page of a CSV still computing asks again
# What a CSV download answers (503) while nothing can be computed: a download has no card that asks
# again by itself (`ReportView.outage_notice`), and it never serves an older data version's numbers.
EXPORT_OUTAGE = (
    "Can't compute this report while the cache/queue is unavailable, so there is no CSV to download yet "
    "(an older data version's numbers are not served). Try the download again in a moment."
)


def _query(query: QueryDict) -> dict:
    """The request's parameters; `statuses` may repeat (checkboxes) and is joined."""
    return {k: ",".join(query.getlist(k)) if k == "statuses" else query.get(k, "") for k in query}


def _card(query: ReportQuery, user, view: ReportView | None = None) -> ReportView:
    """The stored result, and a job for it when it is missing or stale (stale-while-revalidate)."""
    view = view or report_view(query=query)
    if not view.fresh:
        try:
            report_refresh_request(query=query, user=user)
        except ComputeUnavailable:
            view.outage = True
        except RefreshRefused as exc:
            view.notice = str(exc)
    return view


def _page_queries(filters: dict) -> list[ReportQuery]:
    """One query per card (the page's filters that each report takes), then the filter bar's
    values and, for a bounded range, the key figures of the previous period. Raises ParamError."""
    cards = [report_query(slug, dashboard_params(slug, filters)) for slug in DASHBOARD]
    kpis = cards[DASHBOARD.index("kpis")]
    return [*cards, report_query(OPTIONS, {}), *([kpis.previous()] if kpis.bounded else [])]


def _page_cards(queries: list[ReportQuery], user) -> DashboardPage:
    """Every card of the page, one data version, read together; jobs for the newest version are
    started for the cards that lack it. Whatever goes wrong with one card stays on it."""
    views: list[ReportView | None]
    try:
        page = dashboard_page(queries=queries)
        views = list(page.cards)
    except Exception:
        logger.exception("dashboard cards could not be read together; reading them one by one")
        page, views = DashboardPage([], 0, 0, complete=False), [None] * len(queries)
    cards = []
    for query, view in zip(queries, views, strict=True):
        slug = query.report
        try:
            cards.append(_card(query, user, view))
        except Exception:
            logger.exception("dashboard card %s failed", slug)
            report = REPORTS[slug]
            cards.append(
                ReportView(slug, report.title, report.chart, query, None, True, notice="This card could not be loaded.")
            )
    for card in cards:
        card.self_refresh = False  # the page swaps all its cards at once (live.js)
    page.cards, page.options = cards[: len(DASHBOARD)], cards[len(DASHBOARD)]
    page.cards[DASHBOARD.index("kpis")].previous = (
        cards[len(DASHBOARD) + 1] if len(cards) > len(DASHBOARD) + 1 else None
    )
    return page


def _card_html(card: ReportView) -> str:
    """A fresh card's HTML is the same for every viewer: rendered once per result, then reused
    for a few seconds (its "computed X ago" has minute precision)."""
    if not (card.fresh and card.cache_ok and card.result and not card.notice):
        return render_to_string("dashboard/_card.html", {"card": card})
    previous = card.previous.result.pk if card.previous and card.previous.result else ""
    key = f"card-html:{card.result.pk}:{card.result.computed_at.timestamp()}:{previous}"
    try:
        html = cache.get(key)
    except Exception:
        html = None
    if html is None:
        html = render_to_string("dashboard/_card.html", {"card": card})
        try:
            cache.set(key, str(html), timeout=CARD_HTML_SECONDS)
        except Exception:
            pass
    return mark_safe(html)  # our own rendered template, cached verbatim


def _freshness_html(page: DashboardPage) -> str:
    """The page's one "data as of · computed" line, the grid's first item (swapped with the cards)."""
    return render_to_string("dashboard/_freshness.html", {"page": page})


def _ignored(query: QueryDict) -> list[tuple[str, str]]:
    """The request's parameters that are no filter of the page, each with the filter its name
    resembles ("" when none): the page says it ignored them rather than look filtered."""
    unknown = sorted(set(query) - set(FILTERS))
    return [(name, next(iter(get_close_matches(name, FILTERS, n=1, cutoff=0.8)), "")) for name in unknown]


@role_required(ANALYSTS)
def dashboard(request):
    filters = {k: v for k, v in _query(request.GET).items() if k in FILTERS}
    ignored = {"ignored": _ignored(request.GET)}
    try:
        queries = _page_queries(filters)
    except ParamError as exc:
        return render(request, "dashboard/dashboard.html", _page(filters, [], str(exc)) | ignored, status=400)
    page = _page_cards(queries, request.user)
    cards = [_freshness_html(page), *(_card_html(card) for card in page.cards)]
    context = _page(filters, cards, "", page.options) | {"page": page} | ignored
    return render(request, "dashboard/dashboard.html", context)


def _page(filters: dict, cards: list, error: str, options: ReportView | None = None) -> dict:
    rows = options.result.rows if options and options.result and not options.result.error else None
    context = {"cards": cards, "filters": filters, "error": error, "currency": settings.DASHBOARD_CURRENCY}
    return context | filter_bar(filters, rows)


@role_required(ANALYSTS)
@require_GET
def customers(request):
    """Customer suggestions for the filter bar: names containing `q` (any case), from the
    filter-values report of the current data version (no engine query per keystroke)."""
    view = _card(report_query(OPTIONS, {}), request.user)
    rows = view.result.rows if view.result and not view.result.error else None
    return JsonResponse({"customers": customer_suggestions(rows, request.GET.get("q", "")[:100])})


@role_required(ANALYSTS)
@require_GET
def data_version(request):
    """The newest data version: what an open dashboard polls (a few bytes)."""
    return JsonResponse({"version": data_version_get()})


@role_required(ANALYSTS)
@require_GET
def page_cards(request):
    """All cards of the page for these filters, once every card has the newest data version
    (`ready`); until then the page keeps its complete set, marked updating. `since` is the data
    version of the set the page shows: `changes` says what changed after it ("updated with ...");
    without `since` (the page showed no complete set) `changes` is None."""
    filters = {k: v for k, v in _query(request.GET).items() if k in FILTERS}
    try:
        page = _page_cards(_page_queries(filters), request.user)
    except ParamError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    since = request.GET.get("since", "")
    body = {"version": page.version, "current": page.current, "ready": not page.updating}
    if body["ready"]:
        body["html"] = _freshness_html(page) + "".join(_card_html(card) for card in page.cards)
        # without `since` the page showed no complete set: the first one replaces nothing (review B12-5)
        body["changes"] = data_changes_summary(after=int(since), up_to=page.version) if since.isdigit() else None
    return JsonResponse(body)


@role_required(ANALYSTS)
@require_POST
def refresh(request):
    filters = {k: v for k, v in _query(request.POST).items() if k in FILTERS and v}
    try:
        queries = _page_queries(filters)
        messages.success(request, _refresh_text(dashboard_refresh(user=request.user, queries=queries), len(queries)))
    except (RefreshRefused, ParamError) as exc:
        messages.warning(request, str(exc))
    return redirect(home_url(filters))


def _refresh_text(started: int, reports: int) -> str:
    """What Refresh did: a report whose job is already queued or running is not started twice."""
    if started == 0:
        return "Every report of this page is already being recomputed; nothing new to start. Cards update when done."
    if started < reports:
        busy = f"{reports - started} already being recomputed"
        return f"Refreshing {started} of {reports} reports ({busy}); cards update as results arrive."
    return f"Refreshing all {reports} reports; cards update as results arrive."


@role_required(ANALYSTS)
def card(request, slug: str):
    try:
        view = _card(report_query(slug, _query(request.GET)), request.user)
    except ParamError as exc:
        return render(request, "dashboard/_card_error.html", {"error": str(exc)}, status=400)
    return render(request, "dashboard/_card.html", {"card": view})


@role_required(ANALYSTS)
def export_csv(request, slug: str):
    try:
        query = report_query(slug, _query(request.GET))
    except ParamError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    view = report_view(query=query)
    if view.result is None or view.result.error or not view.fresh:  # an older data version's: not served (B11-5)
        return _export_wait(request, query, view)
    response = HttpResponse(report_csv(view=view), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
    return response


def _export_wait(request, query: ReportQuery, view: ReportView) -> HttpResponse:
    """No result of the current data version to export (none, or an older version's, whose numbers a
    CSV would carry with no date): start its job (the card's, single flight) and answer 202 with a page
    that asks again every EXPORT_RETRY_SECONDS until the CSV downloads; 409 when the newest run
    failed, 429/503 when no job may or can start."""
    if view.fresh and view.result is not None:  # this data version was computed and failed
        return HttpResponse(f"This report failed: {view.result.error}", status=409, content_type="text/plain")
    view = _card(query, request.user, view)
    if view.outage or view.notice:
        text, status = (EXPORT_OUTAGE, 503) if view.outage else (view.notice, 429)
        response = HttpResponse(text, status=status, content_type="text/plain")
    else:
        context = {"title": view.title, "seconds": EXPORT_RETRY_SECONDS}
        response = render(request, "dashboard/export_wait.html", context, status=202)
    response["Retry-After"] = str(EXPORT_RETRY_SECONDS)
    return response


@role_required(ANALYSTS)
def report_api(request, slug: str):
    try:
        view = _card(report_query(slug, _query(request.GET)), request.user)
    except ParamError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    result = view.result
    body = {
        "columns": result.columns if result else [],
        "rows": result.rows if result else [],
        **({"labels": labels} if (labels := row_labels(view)) is not None else {}),
        "meta": {
            **(result.meta if result else {}),
            "fresh": view.fresh,
            "status": _status(view),
            "computed_at": result.computed_at.isoformat() if result else None,
            "age_seconds": round(view.age_seconds) if result and view.age_seconds is not None else None,
            "error": result.error if result else "",
            "notice": view.notice or view.outage_notice,
            "cache_ok": view.cache_ok,
        },
    }
    if view.outage:  # nothing runs: say so (and when to ask again) instead of 202 "computing"
        return JsonResponse(body, status=503, headers={"Retry-After": "10"})
    return JsonResponse(body, status=200 if view.fresh else 202)


def _status(view: ReportView) -> str:
    if view.fresh:
        return "ready"
    return "unavailable" if view.outage else ("refused" if view.notice else "computing")
