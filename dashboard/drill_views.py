"""Pages of the drill: the orders behind a figure (HTML, JSON, CSV) and one order's history."""

from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render

from ordersite.aws import AwsError
from ordersite.roles import ANALYSTS, role_required

from .drill import MAX_ROWS, SORTS, orders_query
from .drill_selectors import history_with_links, orders_csv, orders_listing
from .history import order_history as order_history_get
from .query import ParamError
from .services import RefreshRefused


def _query(query: QueryDict) -> dict:
    """The request's parameters, as the dashboard reads them (`statuses` may repeat)."""
    return {k: ",".join(query.getlist(k)) if k == "statuses" else query.get(k, "") for k in query}


@role_required(ANALYSTS)
def orders(request):
    try:
        listing = orders_listing(orders_query(_query(request.GET)), user=request.user)
    except (ParamError, RefreshRefused, AwsError) as exc:
        return render(request, "dashboard/orders.html", {"error": str(exc)}, status=_status(exc))
    return render(request, "dashboard/orders.html", {"listing": listing, "sorts": SORTS})


@role_required(ANALYSTS)
def orders_api(request):
    try:
        listing = orders_listing(orders_query(_query(request.GET)), user=request.user)
    except (ParamError, RefreshRefused, AwsError) as exc:
        return JsonResponse({"error": str(exc)}, status=_status(exc))
    return JsonResponse(listing.as_dict())


@role_required(ANALYSTS)
def orders_export(request):
    """Every order of the list (up to MAX_ROWS) as formula-safe CSV, in the list's sort."""
    raw = {k: v for k, v in _query(request.GET).items() if k != "page"}
    try:
        listing = orders_listing(orders_query(raw, size=MAX_ROWS), user=request.user)
    except (ParamError, RefreshRefused, AwsError) as exc:
        return HttpResponse(str(exc), status=_status(exc), content_type="text/plain")
    if listing.page.truncated:
        message = f"{listing.page.total_orders} orders are more than one export holds ({MAX_ROWS}); narrow the filters."
        return HttpResponse(message, status=400, content_type="text/plain")
    response = HttpResponse(orders_csv(listing), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="orders.csv"'
    return response


@role_required(ANALYSTS)
def order_history(request):
    raw = request.GET.get("order_id", "")
    context: dict[str, object] = {"order_id": raw}
    try:
        history = order_history_get(raw, user=request.user)
    except ValueError as exc:  # ParamError too
        return render(request, "dashboard/order_history.html", context | {"error": str(exc)}, status=400)
    except (RefreshRefused, AwsError) as exc:
        return render(request, "dashboard/order_history.html", context | {"error": str(exc)}, status=_status(exc))
    context["history"] = history_with_links(history, user=request.user)
    if request.GET.get("format") == "json":
        return JsonResponse(context["history"])
    return render(request, "dashboard/order_history.html", context)


def _status(exc: Exception) -> int:
    if isinstance(exc, ParamError):
        return 400
    return 429 if isinstance(exc, RefreshRefused) else 502
