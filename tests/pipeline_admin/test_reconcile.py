"""Reconciliation: uploads whose objects left the bucket become `lost`, say why, and can be stored again."""

import io

import pytest
from django.conf import settings
from django.urls import reverse

from dashboard.keys import data_version_get
from ordersite.aws import aws_client
from pipeline_admin.actions import ActionError, upload_reprocess
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import DuplicateUpload, upload_create, uploads_reconcile, uploads_sync

ORDERS = b"order_id,order_date,amount,customer,status\n1,2025-05-01,10.50,Ann,shipped\n2,2025-06-02,20.00,Bob,shipped\n"
OTHER = b"order_id,order_date,amount,customer,status\n7,2025-05-01,1.00,Cy,shipped\n"


def stored(name: str, body: bytes, user=None, status: str = Upload.Status.PROCESSED) -> Upload:
    upload = upload_create(user=user, fileobj=io.BytesIO(body), name=name)
    runtime_drain()
    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == status
    return upload


def delete(key: str) -> None:
    aws_client("s3").delete_object(Bucket=settings.PIPELINE_BUCKET, Key=key)


@pytest.mark.django_db(transaction=True)
def test_an_upload_whose_raw_file_is_gone_is_lost_and_the_same_file_can_be_uploaded_again(twin, uploader):
    gone, kept = stored("gone.csv", ORDERS, uploader), stored("kept.csv", OTHER, uploader)
    delete(gone.key)
    version = data_version_get()

    assert [u.pk for u in uploads_reconcile()] == [gone.pk]

    gone.refresh_from_db()
    kept.refresh_from_db()
    assert gone.status == Upload.Status.LOST and "raw file is no longer in the bucket" in gone.status_reason
    assert gone.events.last().status == Upload.Status.LOST
    assert kept.status == Upload.Status.PROCESSED
    assert data_version_get() > version  # cached reports are keyed by the data version: all stale now
    with pytest.raises(ActionError, match="no longer in the bucket"):
        upload_reprocess(upload=gone, user=uploader)
    with pytest.raises(DuplicateUpload):
        upload_create(user=uploader, fileobj=io.BytesIO(OTHER), name="kept-again.csv")
    again = stored("gone.csv", ORDERS, uploader)
    assert again.pk != gone.pk


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (ORDERS, Upload.Status.PROCESSED),
        (ORDERS.replace(b"20.00", b"-20.00"), Upload.Status.PROCESSED_WITH_WARNINGS),  # a negative amount
    ],
)
def test_an_upload_whose_parquet_is_gone_is_lost_with_a_hint_to_reprocess(twin, uploader, body, status):
    upload = stored("orders.csv", body, uploader, status)
    outputs = upload.manifest["outputs"]
    assert len(outputs) == 2  # May and June
    delete(outputs[0])

    uploads_reconcile()

    upload.refresh_from_db()
    assert upload.status == Upload.Status.LOST
    assert "1 of its 2 processed file(s)" in upload.status_reason and "reprocess" in upload.status_reason


def test_reconciling_an_intact_bucket_changes_nothing(twin, uploader):
    upload = stored("orders.csv", ORDERS, uploader)
    version = data_version_get()
    assert uploads_reconcile() == []
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED and data_version_get() == version


def test_the_admins_button_reports_what_was_lost(client, twin, pipeline_admin):
    upload = stored("orders.csv", ORDERS, pipeline_admin)
    delete(upload.key)
    client.force_login(pipeline_admin)
    page = client.post(reverse("pipeline_admin:uploads_reconcile"), follow=True).content.decode()
    assert "orders.csv is lost" in page and "1 lost" in page
