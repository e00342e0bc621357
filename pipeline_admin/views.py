import base64
from dataclasses import asdict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ordersite.aws import AwsError
from ordersite.roles import PIPELINE_ADMINS, UPLOADERS, role_required, user_has_role
from ordersite.security import csp_allow_connect

from . import actions, older_exports, selectors, services
from .checks import head_problem
from .forms import (
    COLUMN_LABELS,
    HeaderLineForm,
    HeaderSampleForm,
    InspectForm,
    MappingForm,
    UploadFilterForm,
    UploadForm,
)
from .headers import (
    HEADER_LINE,
    HEADER_SAMPLE_BYTES,
    HeaderCheck,
    header_inspect,
    recognised_columns,
    template_csv,
    with_header_line,
)
from .models import Upload
from .stale_orders import StaleOrdersGone, stale_orders_csv
from .upload_handlers import upload_refusals


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@role_required(UPLOADERS)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        response = render(request, "pipeline_admin/upload.html", _upload_context(form))
        return csp_allow_connect(response, selectors.upload_origin_or_none())
    if request.POST.get("step") == "header":  # without JavaScript: the header row first, nothing stored
        kept = UploadForm(initial={k: request.POST[k] for k in ("as_of", "allow_duplicate") if request.POST.get(k)})
        return render(request, "pipeline_admin/upload.html", _upload_context(kept, step=_header_step(request)))
    refused = services.refusals_record(user=request.user, refusals=upload_refusals(request))
    if any(r.whole_request for r in upload_refusals(request)):
        return _upload_answer(request, form, refused, status=413)
    if not form.is_valid() and not refused:
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        step = _header_step(request) if request.POST.get("header_step") else None
        return render(request, "pipeline_admin/upload.html", _upload_context(form, step=step))
    options = _upload_options(form)
    files = form.cleaned_data.get("files", []) if form.is_valid() else []
    if request.POST.get("header_step") and form.is_valid():  # the files come with the header step's columns
        step = _header_step(request, submitted=True)
        if "problem" in step or not step["mapping_form"].is_valid():
            return render(request, "pipeline_admin/upload.html", _upload_context(form, step=step))
        # The header row chosen is a line of the first file, the only one whose lines the step showed: it
        # goes with that file alone; the others get the columns, and the Lambda finds their header (B11-2).
        first = services.uploads_receive(
            user=request.user, files=files[:1], **{**options, "column_mapping": _step_mapping(step)}
        )
        others = services.uploads_receive(
            user=request.user, files=files[1:], **{**options, "column_mapping": _step_mapping(step, line=False)}
        )
        return _upload_answer(request, form, refused + first + others)
    outcomes = refused + services.uploads_receive(user=request.user, files=files, **options)
    return _upload_answer(request, form, outcomes)


def _header_step(request, *, submitted: bool = False) -> dict:
    """The upload page's header step without JavaScript (its script does the same as a file is chosen):
    the header row the Lambda finds in the first file chosen, the records of its first lines to pick
    another from (`HeaderLineForm`) and the columns of the one picked (`MappingForm`, applied to every
    file of the upload). The file's first bytes come with the files; when staff only pick another
    header row, back from the page (`HeaderSampleForm`): a browser without JavaScript keeps no chosen
    file from one page to the next. `submitted`: the POST that uploads the files with the columns."""
    files = request.FILES.getlist("files")
    if files:
        head, name, size = files[0].read(HEADER_SAMPLE_BYTES), files[0].name, files[0].size
        files[0].seek(0)
    else:
        sample = HeaderSampleForm(request.POST)
        if not sample.is_valid():
            return {"problem": "Choose a file to check its header row."}
        head, name = sample.cleaned_data["header_sample"], sample.cleaned_data["header_name"]
        size = len(head)
    problem = head_problem(name, head, size=size)
    if problem:
        return {"problem": problem}
    check = header_inspect(sample=head)
    sample_text = base64.b64encode(head).decode("ascii")
    forms = _header_forms(check, request.POST, submitted=submitted)
    return {**forms, "name": name, "sample": sample_text, "recognised": check.recognised, "found": check.mapping}


def _step_mapping(step: dict, *, line: bool = True) -> dict[str, str]:
    """The header step's columns as the upload's mapping; none (but a grain chosen) when they are what the
    Lambda reads by itself, as the page's script sends none then. `line`: with the header row chosen (the
    first file's); without it, for the post's other files, whose header the Lambda finds."""
    mapping = step["mapping_form"].mapping()
    columns = {k: v for k, v in mapping.items() if k not in ("grain", HEADER_LINE)}
    if (step["header_line"] == step["header_found"] or not line) and columns == step["found"]:
        return {k: v for k, v in mapping.items() if k == "grain"}
    return mapping if line else {k: v for k, v in mapping.items() if k != HEADER_LINE}


def _upload_answer(request, form, outcomes, status: int = 200):
    if _wants_json(request):
        return JsonResponse({"files": [_outcome_json(o) for o in outcomes]}, status=status)
    for o in outcomes:
        messages.add_message(request, OUTCOME_LEVEL[o.outcome], o.message)
        if o.warning:
            messages.warning(request, o.warning)
    if status != 200 or any(o.outcome in {"duplicate", "error", "refused"} for o in outcomes):
        return render(request, "pipeline_admin/upload.html", _upload_context(form, outcomes), status=status)
    return redirect("pipeline_admin:uploads")


def _upload_context(form, outcomes=(), step: dict | None = None) -> dict:
    return {
        "form": form,
        "step": step,
        "columns": recognised_columns(),
        "outcomes": outcomes,
        "has_duplicates": any(o.outcome == "duplicate" for o in outcomes),
        "max_files": settings.UPLOAD_MAX_FILES,
        "form_max_bytes": settings.UPLOAD_FORM_MAX_BYTES,
        "max_bytes": settings.UPLOAD_MAX_BYTES,
    }


OUTCOME_LEVEL = {
    "stored": messages.SUCCESS,
    "refused": messages.ERROR,
    "error": messages.ERROR,
    "duplicate": messages.WARNING,
}


def _upload_options(form) -> dict:
    data = getattr(form, "cleaned_data", {})
    return {
        "as_of": data.get("as_of"),
        "column_mapping": with_header_line(data.get("mapping") or {}, data.get("header_line")),
        "allow_duplicate": bool(data.get("allow_duplicate")),
    }


def _outcome_json(outcome) -> dict:
    url = reverse("pipeline_admin:upload_detail", args=[outcome.upload_id]) if outcome.upload_id else ""
    return {
        "name": outcome.name,
        "outcome": outcome.outcome,
        "message": outcome.message,
        "warning": outcome.warning,
        "url": url,
    }


@role_required(UPLOADERS)
def upload_template(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="orders-template.csv"'
    return response


@role_required(UPLOADERS)
@require_POST
def upload_inspect(request):
    """The checks of a file the browser has not sent yet (it sends the first 64 KiB and the size)."""
    form = InspectForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"problem": _form_errors(form)}, status=400)
    sample, size = form.cleaned_data["sample"], form.cleaned_data["size"]
    head = sample.read(HEADER_SAMPLE_BYTES)
    problem = head_problem(sample.name, head, size=size if size is not None else len(head))
    if problem:
        return JsonResponse({"problem": problem, "recognised": False})
    data = form.cleaned_data
    check = header_inspect(sample=head, explicit=data["mapping"] or None, chosen=data["header_line"])
    return JsonResponse({**asdict(check), "recognised": check.recognised, "labels": COLUMN_LABELS})


@role_required(UPLOADERS)
def uploads(request):
    filters = UploadFilterForm(request.GET)
    uploads = selectors.upload_list(user=request.user, **filters.filters())
    page = Paginator(uploads, 25).get_page(request.GET.get("page"))
    older_exports.uploads_superseded_flag(uploads=page, user=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "in_flight": any(u.in_flight for u in page),
    }
    if request.headers.get("HX-Request"):
        return render(request, "pipeline_admin/_upload_table.html", context)
    if user_has_role(request.user, PIPELINE_ADMINS):
        context.update(uploaders=selectors.uploaders(), dlq=selectors.dlq_depth_or_none())
    return render(request, "pipeline_admin/uploads.html", context)


@role_required(UPLOADERS)
def upload_detail(request, pk: int):
    item = _upload_or_404(request, pk)
    conflicts = older_exports.as_of_conflicts_current(upload=item, viewer=request.user)
    context: dict[str, object] = {
        "upload": item,
        "superseded": older_exports.superseded_count(upload=item, conflicts=conflicts, user=request.user),
    }
    try:
        context["rejected_url"] = selectors.rejected_rows_url(upload=item)
        context["stale_url"] = selectors.stale_orders_url(upload=item)
        if item.can_remap and selectors.upload_remap_allowed(user=request.user, upload=item):
            context.update(_mapping_forms(item, request.GET if "header_line" in request.GET else None))
    except AwsError as exc:
        messages.error(request, str(exc))
    return render(request, "pipeline_admin/upload_detail.html", context)


@role_required(UPLOADERS)
@require_GET
def upload_stale_orders(request, pk: int):
    """The file's stale orders as CSV, built from its stored Parquet as it streams (`stale_orders`)."""
    item = _upload_or_404(request, pk)
    try:
        chunks = stale_orders_csv(upload=item)
    except (AwsError, StaleOrdersGone) as exc:
        messages.error(request, str(exc))
        return redirect("pipeline_admin:upload_detail", pk=item.pk)
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stale-{item.pk}.csv"'
    return response


def _upload_or_404(request, pk: int) -> Upload:
    try:
        return selectors.upload_get(user=request.user, pk=pk)
    except Upload.DoesNotExist:
        raise Http404 from None


@role_required(UPLOADERS)
@require_POST
def upload_remap(request, pk: int):
    item = _upload_or_404(request, pk)
    if not selectors.upload_remap_allowed(user=request.user, upload=item):
        raise PermissionDenied  # a processed file is reprocessed by a Pipeline admin
    return _action(request, item, lambda: _remap(request, item), "Column mapping saved; the file is processed again.")


def _mapping_forms(item: Upload, data=None, *, submitted: bool = False) -> dict:
    """The file page's remap forms: the header row (a record of the file's first lines, the Lambda's
    own by default) and the columns, chosen among that record's cells. `data`: the GET that chose a
    header row, or the POST (`submitted`) that chose it and the columns."""
    check = selectors.upload_header(upload=item)
    return _header_forms(check, data, submitted=submitted, chosen=item.column_mapping or {})


def _header_forms(
    check: HeaderCheck, data=None, *, submitted: bool = False, chosen: dict[str, str] | None = None
) -> dict:
    """The forms of a file's header row and columns (the file page's and the upload page's): a record of
    its first lines (`check`: the Lambda's header and the records searched), the Lambda's by default,
    and that record's cells as the columns, whose line goes with them (`MappingForm.mapping`); `chosen`:
    the mapping staff chose before."""
    chosen = chosen or {}
    line_form = HeaderLineForm(data, check=check)
    record = line_form.record()
    if record["line"] == check.line:  # the header the Lambda reads now: its mapping, and staff's
        initial = {**check.mapping, **chosen}
    else:
        initial = {**record["mapping"], **{k: v for k, v in chosen.items() if k == "grain"}}
    mapping_form = MappingForm(
        data if submitted else None,
        header=record["header"],
        initial_mapping=initial,
        header_line=record["line"],
    )
    return {
        "header": record["header"],
        "header_line": record["line"],
        "header_found": check.line,
        "line_form": line_form if len(check.candidates) > 1 else None,
        "header_others": [c for c in check.others if c["line"] != record["line"]],
        # said of the header found: not of a record chosen instead, whose own skipped rows are said (B12-1)
        "header_repeats": check.repeats_note if record["line"] == check.line else "",
        "header_skips": record.get("skips", "") if record["line"] != check.line else "",
        "mapping_form": mapping_form,
    }


def _form_errors(form) -> str:
    """A bound, invalid form's error messages, every field's and the form's own, in one line."""
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def _remap(request, item: Upload) -> None:
    form = _mapping_forms(item, request.POST, submitted=True)["mapping_form"]
    if not form.is_valid():
        raise actions.ActionError(f"column mapping not saved: {_form_errors(form)}")
    actions.upload_remap(upload=item, user=request.user, column_mapping=form.mapping())


def _action(request, item: Upload, run, success: str):
    try:
        run()
        messages.success(request, success)
    except (AwsError, actions.ActionError) as exc:
        messages.error(request, f"{item.original_name}: {exc}")
    return redirect("pipeline_admin:upload_detail", pk=item.pk)


@role_required(PIPELINE_ADMINS)
@require_POST
def upload_reprocess(request, pk: int):
    item = _upload_or_404(request, pk)
    return _action(
        request,
        item,
        lambda: actions.upload_reprocess(upload=item, user=request.user),
        "Reprocessing: the file's S3 event was sent again.",
    )


@role_required(PIPELINE_ADMINS)
def upload_output_delete(request, pk: int):
    item = _upload_or_404(request, pk)
    if request.method != "POST":
        return render(
            request, "pipeline_admin/upload_output_delete.html", {"upload": item, "keys": actions.outputs_of(item)}
        )
    return _action(
        request,
        item,
        lambda: actions.upload_output_delete(upload=item, user=request.user),
        "Processed output deleted; the raw file is kept.",
    )


@role_required(PIPELINE_ADMINS)
@require_POST
def dlq_replay(request):
    try:
        moved = actions.dlq_replay(user=request.user)
        messages.success(request, f"{moved} message(s) moved from the dead-letter queue back to the Lambda.")
    except AwsError as exc:
        messages.error(request, str(exc))
    return redirect("pipeline_admin:uploads")


@role_required(PIPELINE_ADMINS)
@require_POST
def uploads_reconcile(request):
    try:
        lost = services.uploads_reconcile(user=request.user)
    except AwsError as exc:
        messages.error(request, f"Could not check the bucket: {exc}")
        return redirect("pipeline_admin:uploads")
    for upload in lost:
        messages.warning(request, f"{upload.original_name} is lost: {upload.status_reason}")
    messages.info(request, f"Checked every stored file against the bucket: {len(lost)} lost.")
    return redirect("pipeline_admin:uploads")


@role_required(UPLOADERS)
@require_POST
def uploads_refresh(request):
    try:
        changed = services.uploads_sync()
        messages.info(request, f"Status refreshed: {changed} file(s) changed.")
    except AwsError as exc:
        messages.error(request, f"Could not refresh the status: {exc}")
    return redirect(_local_or(request.POST.get("next", ""), request, reverse("pipeline_admin:uploads")))


def _local_or(url: str, request, fallback: str) -> str:
    """`url` when it points back into this site, else `fallback`: a form's `next` must not lead elsewhere."""
    safe = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if url and safe else fallback


@role_required(PIPELINE_ADMINS)
def bucket(request):
    area = request.GET.get("area") or "raw"
    if area not in selectors.BROWSER_PREFIXES:
        raise Http404
    try:
        objects, next_token = selectors.bucket_page(area=area, token=request.GET.get("token", ""))
        summary = selectors.bucket_summary()
    except AwsError as exc:
        messages.error(request, str(exc))
        objects, next_token, summary = [], "", []
    context = {
        "area": area,
        "objects": objects,
        "next_token": next_token,
        "summary": summary,
        "first_page": not request.GET.get("token"),
    }
    return render(request, "pipeline_admin/bucket.html", context)
