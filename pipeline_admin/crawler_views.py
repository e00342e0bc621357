"""The crawler's pages (Pipeline admins): its runs, starting one, a run's detail, the catalog."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ordersite.roles import PIPELINE_ADMINS, role_required

from . import selectors, tasks
from .crawler import CrawlerError
from .models import CrawlerRun

CRAWL_RUNS_PER_PAGE = 25


def _partial_or_page(request, partial: str, page: str) -> str:
    return partial if request.headers.get("HX-Request") else page


@role_required(PIPELINE_ADMINS)
def crawler(request):
    template = _partial_or_page(request, "pipeline_admin/_crawler_panel.html", "pipeline_admin/crawler.html")
    page = Paginator(selectors.crawl_runs(), CRAWL_RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, template, {"runs": page, "page": page, "running": selectors.crawl_running()})


@role_required(PIPELINE_ADMINS)
@require_POST
def crawler_start(request):
    try:
        run, created = tasks.crawl_start(user=request.user)
    except CrawlerError as exc:
        messages.error(request, str(exc))
        return redirect("pipeline_admin:crawler")
    if created:
        messages.success(request, f"Crawl {run.pk} started.")
    else:
        messages.warning(request, f"Crawl {run.pk} is already running; no second crawl was started.")
    return redirect("pipeline_admin:crawler")


@role_required(PIPELINE_ADMINS)
def crawler_run(request, pk: int):
    try:
        run = selectors.crawl_run_get(pk=pk)
    except CrawlerRun.DoesNotExist:
        raise Http404 from None
    template = _partial_or_page(request, "pipeline_admin/_crawler_run.html", "pipeline_admin/crawler_run.html")
    return render(request, template, {"run": run})


@role_required(PIPELINE_ADMINS)
def catalog(request):
    return render(request, "pipeline_admin/catalog.html", {"catalog": selectors.catalog_page()})
