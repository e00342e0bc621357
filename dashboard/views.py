from django.http import JsonResponse
from django.shortcuts import render

from ordersite.roles import ANALYSTS, role_required

from .reports import REPORTS, ParamError
from .selectors import report_view
from .services import report_refresh_request

DASHBOARD = ["kpis", "revenue-by-month", "sales-by-customer", "status-summary", "aov-by-customer", "top-orders"]
FILTERS = ("start_date", "end_date", "status", "customer")


def _card(slug: str, raw: dict):
    params = {k: v for k, v in raw.items() if k in {p.name for p in REPORTS[slug].all_params} and v}
    view = report_view(slug=slug, raw_params=params)
    if not view.fresh:
        report_refresh_request(slug=slug, raw_params=params)
    return view


@role_required(ANALYSTS)
def dashboard(request):
    raw = {k: request.GET.get(k, "") for k in FILTERS}
    try:
        cards = [_card(slug, raw) for slug in DASHBOARD]
        error = ""
    except ParamError as exc:
        cards, error = [], str(exc)
    return render(request, "dashboard/dashboard.html", {"cards": cards, "filters": raw, "error": error})


@role_required(ANALYSTS)
def card(request, slug: str):
    try:
        view = _card(slug, request.GET.dict())
    except (ParamError, KeyError) as exc:
        return render(request, "dashboard/_card_error.html", {"error": str(exc)}, status=400)
    return render(request, "dashboard/_card.html", {"card": view})


@role_required(ANALYSTS)
def report_api(request, slug: str):
    try:
        view = _card(slug, request.GET.dict()) if slug in REPORTS else None
        if view is None:
            raise ParamError(f"unknown report {slug!r}")
    except ParamError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    result = view.result
    body = {
        "columns": result.columns if result else [],
        "rows": result.rows if result else [],
        "meta": {
            **(result.meta if result else {}),
            "fresh": view.fresh,
            "status": "ready" if view.fresh else "computing",
            "computed_at": result.computed_at.isoformat() if result else None,
            "error": result.error if result else "",
        },
    }
    return JsonResponse(body, status=200 if view.fresh else 202)
