"""JSON endpoints of the upload page's script: direct uploads to S3 and the status of files."""

from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ordersite.aws import AwsError
from ordersite.roles import UPLOADERS, role_required

from . import selectors, services
from .forms import DirectUploadForm, PartsForm
from .models import Upload


def _outcome_json(outcome) -> dict:
    url = reverse("pipeline_admin:upload_detail", args=[outcome.upload_id]) if outcome.upload_id else ""
    return {
        "id": outcome.upload_id,
        "name": outcome.name,
        "outcome": outcome.outcome,
        "message": outcome.message,
        "warning": outcome.warning,
        "url": url,
    }


def _plan_json(plan) -> dict:
    pk = plan.upload.pk
    return {
        "id": pk,
        "part_bytes": plan.part_bytes,
        "part_count": plan.part_count,
        "parts_done": plan.parts_done,
        "parts_url": reverse("pipeline_admin:upload_direct_parts", args=[pk]),
        "complete_url": reverse("pipeline_admin:upload_direct_complete", args=[pk]),
        "abort_url": reverse("pipeline_admin:upload_direct_abort", args=[pk]),
    }


def _receiving(request, pk: int) -> Upload:
    """The user's own upload under way; anyone else's (an admin's too) is not theirs to send."""
    try:
        return Upload.objects.get(pk=pk, uploaded_by=request.user, status=Upload.Status.RECEIVING)
    except Upload.DoesNotExist:
        raise Http404 from None


@role_required(UPLOADERS)
@require_POST
def direct_begin(request):
    form = DirectUploadForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        plan = services.direct_begin(user=request.user, **form.options())
    except services.DirectRefused as exc:
        return JsonResponse({"file": _outcome_json(services.direct_refused_upload(exc))}, status=422)
    except services.DuplicateUpload as exc:
        return JsonResponse({"file": _outcome_json(services.duplicate_outcome(exc))}, status=409)
    except AwsError as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    return JsonResponse(_plan_json(plan))


@role_required(UPLOADERS)
@require_POST
def direct_parts(request, pk: int):
    upload, form = _receiving(request, pk), PartsForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        urls = services.direct_part_urls(upload=upload, numbers=form.numbers_list())
    except AwsError as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    return JsonResponse({"urls": {str(n): url for n, url in urls.items()}})


@role_required(UPLOADERS)
@require_POST
def direct_complete(request, pk: int):
    try:
        upload = Upload.objects.get(pk=pk, uploaded_by=request.user)
        outcome = services.direct_complete(upload=upload, user=request.user)
    except Upload.DoesNotExist:
        raise Http404 from None
    except AwsError as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    return JsonResponse({"file": _outcome_json(outcome)}, status=409 if outcome.outcome == "incomplete" else 200)


@role_required(UPLOADERS)
@require_POST
def direct_abort(request, pk: int):
    try:
        services.direct_abort(upload=_receiving(request, pk))
    except AwsError as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    return JsonResponse({"aborted": pk})


@role_required(UPLOADERS)
@require_GET
def uploads_status(request):
    """The status of the user's files by id (`?ids=3,4`), for the page to follow until each is final."""
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.isdigit()][:100]
    return JsonResponse({"files": selectors.upload_statuses(user=request.user, ids=ids)})
