"""Remapping columns reprocesses a file: an Uploader may do it only while their file waits for a
mapping (rejected for a missing column); for anything else it is a Pipeline admin's reprocess."""

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ordersite.aws import aws_client
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import uploads_sync

ORDERS = b"order_id,order_date,amount,customer,status\n1,2025-05-01,10.50,Ann,shipped\n2,2025-05-02,20.00,Bob,shipped\n"
MAPPING = {"order_id": "order_id", "order_date": "order_date", "amount": "customer", "customer": "", "status": ""}


def _processed(client, user) -> Upload:
    client.force_login(user)
    client.post(reverse("pipeline_admin:upload"), {"files": [SimpleUploadedFile("orders.csv", ORDERS)]})
    runtime_drain()
    uploads_sync()
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.PROCESSED
    return upload


def _processed_keys() -> list[str]:
    listing = aws_client("s3").list_objects_v2(Bucket=settings.PIPELINE_BUCKET, Prefix=settings.PROCESSED_PREFIX)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def test_an_uploader_cannot_remap_their_own_processed_file(client, twin, uploader):
    upload = _processed(client, uploader)
    outputs, manifest = _processed_keys(), upload.manifest
    assert outputs

    response = client.post(reverse("pipeline_admin:upload_remap", args=[upload.pk]), MAPPING)

    assert response.status_code == 403
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED and upload.manifest == manifest
    assert _processed_keys() == outputs  # the output was not deleted
    head = aws_client("s3").head_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)
    assert "mapping" not in head["Metadata"]


def test_a_pipeline_admin_may_remap_a_processed_file(client, twin, uploader, pipeline_admin):
    upload = _processed(client, uploader)
    client.force_login(pipeline_admin)
    response = client.post(reverse("pipeline_admin:upload_remap", args=[upload.pk]), MAPPING)
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == Upload.Status.UPLOADED and upload.events.last().actor == pipeline_admin
