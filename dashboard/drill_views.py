"""Pages of the drill: the orders behind a figure (HTML, JSON, CSV) and one order's history."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ordersite.aws import AwsError
from ordersite.roles import ANALYSTS, role_required

from .drill import MAX_ROWS, PAGE_SIZE, orders_query
from .drill_jobs import orders_page
from .drill_selectors import OrdersListing, history_with_links, orders_csv, orders_listing
from .history import order_history as order_history_get
from .query import ParamError
from .services import RefreshRefused


def _query(query: QueryDict) -> dict:
    """The request's parameters, as the dashboard reads them (`statuses` may repeat)."""
    return {k: ",".join(query.getlist(k)) if k == "statuses" else query.get(k, "") for k in query}


def _listing(request, *, size: int = PAGE_SIZE, wait: bool = False) -> tuple[OrdersListing | None, str]:
    """The list's page for this request (None while its job computes) and the dashboard link
    back (the request's filters less the list's own controls). Raises ParamError, RefreshRefused,
    AwsError."""
    raw = _query(request.GET)
    back = urlencode({k: v for k, v in raw.items() if v and k not in ("sort", "page")})
    if size != PAGE_SIZE:
        raw.pop("page", None)
    page = orders_page(orders_query(raw, size=size), user=request.user, wait=wait)
    return (orders_listing(page, user=request.user) if page else None), back


@role_required(ANALYSTS)
@require_GET
def orders(request):
    try:
        listing, back = _listing(request)
    except (ParamError, RefreshRefused, AwsError) as exc:
        return render(request, "dashboard/orders.html", {"error": str(exc)}, status=_status(exc))
    if listing and listing.page.past_last:
        return _last_page(request, listing)
    context = {"listing": listing, "back": back, "computing": listing is None}
    return render(request, "dashboard/orders.html", context, status=200 if listing else 202)


def _last_page(request, listing: OrdersListing) -> HttpResponse:
    """To the list's last page, saying so, for a request of a page after it (an old link, a list
    that shrank). The computing page's poll (htmx) is told to navigate: a redirect it followed
    itself would show the last page under the old page's address."""
    last = listing.page.pages
    messages.info(request, f"There is no page {listing.page.query.page} of these orders: this is the last, {last}.")
    link = listing.link(page=last)
    url = f"{request.path}?{link}" if link else request.path
    return HttpResponse(headers={"HX-Redirect": url}) if request.headers.get("HX-Request") else redirect(url)


@role_required(ANALYSTS)
@require_GET
def orders_api(request):
    try:
        listing, _ = _listing(request)
    except (ParamError, RefreshRefused, AwsError) as exc:
        return JsonResponse({"error": str(exc)}, status=_status(exc))
    if listing is None:
        return JsonResponse({"status": "computing"}, status=202, headers={"Retry-After": "2"})
    if listing.page.past_last:  # as Django's paginator and REST framework answer a page that does not exist
        error = f"page {listing.page.query.page} is past the last page, {listing.page.pages}"
        return JsonResponse({"error": error, "pages": listing.page.pages}, status=404)
    return JsonResponse(listing.as_dict())


@role_required(ANALYSTS)
@require_GET
def orders_export(request):
    """Every order of the list (up to MAX_ROWS) as formula-safe CSV, in the list's sort."""
    try:
        listing, _ = _listing(request, size=MAX_ROWS, wait=True)
    except (ParamError, RefreshRefused, AwsError) as exc:
        return HttpResponse(str(exc), status=_status(exc), content_type="text/plain")
    assert listing is not None  # waited for
    if listing.page.truncated:
        message = f"{listing.page.total_orders} orders are more than one export holds ({MAX_ROWS}); narrow the filters."
        return HttpResponse(message, status=400, content_type="text/plain")
    response = HttpResponse(orders_csv(listing), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="orders.csv"'
    return response


@role_required(ANALYSTS)
@require_GET
def order_history(request):
    raw = request.GET.get("order_id", "")
    context: dict[str, object] = {"order_id": raw}
    if not raw.strip():  # the search box, nothing searched yet
        return render(request, "dashboard/order_history.html", context)
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
