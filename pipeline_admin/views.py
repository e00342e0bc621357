from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ordersite.roles import PIPELINE_ADMINS, UPLOADERS, role_required

from . import selectors, services
from .forms import UploadForm, file_problem
from .models import CrawlerRun, Upload
from .s3 import S3Error


@role_required(UPLOADERS)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        stored = 0
        for fileobj in form.cleaned_data["files"]:
            problem = file_problem(fileobj)
            if problem:
                messages.error(request, problem)
                continue
            try:
                services.upload_create(
                    user=request.user, fileobj=fileobj, name=fileobj.name, as_of=form.cleaned_data["as_of"]
                )
                stored += 1
            except S3Error as exc:
                messages.error(request, f"{fileobj.name}: {exc}")
        if stored:
            messages.success(request, f"{stored} file(s) stored; processing has started.")
        return redirect("pipeline_admin:uploads")
    return render(request, "pipeline_admin/upload.html", {"form": form})


@role_required(UPLOADERS)
def uploads(request):
    status = request.GET.get("status") or None
    page = Paginator(selectors.upload_list(user=request.user, status=status), 25).get_page(request.GET.get("page"))
    template = (
        "pipeline_admin/_upload_rows.html" if request.headers.get("HX-Request") else "pipeline_admin/uploads.html"
    )
    return render(request, template, {"page": page, "status": status or "", "statuses": Upload.Status.choices})


@role_required(UPLOADERS)
def upload_detail(request, pk: int):
    try:
        item = selectors.upload_get(user=request.user, pk=pk)
    except Upload.DoesNotExist:
        raise Http404 from None
    return render(request, "pipeline_admin/upload_detail.html", {"upload": item})


@role_required(UPLOADERS)
@require_POST
def uploads_refresh(request):
    services.uploads_sync()
    return redirect("pipeline_admin:uploads")


def _partial_or_page(request, partial: str, page: str) -> str:
    return partial if request.headers.get("HX-Request") else page


@role_required(PIPELINE_ADMINS)
def crawler(request):
    template = _partial_or_page(request, "pipeline_admin/_crawler_panel.html", "pipeline_admin/crawler.html")
    return render(request, template, {"runs": selectors.crawl_runs(), "running": selectors.crawl_running()})


@role_required(PIPELINE_ADMINS)
@require_POST
def crawler_start(request):
    run, created = services.crawl_start(user=request.user)
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
