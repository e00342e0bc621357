from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ordersite.aws import aws_client
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import safe_name, uploads_sync


def test_the_upload_form_streams_the_file_to_raw_with_its_metadata(client, twin, uploader, shared_data):
    client.force_login(uploader)
    body = (shared_data / "orders.csv").read_bytes()
    response = client.post(
        reverse("pipeline_admin:upload"),
        {"files": [SimpleUploadedFile("orders.csv", body, "text/csv")], "as_of": "2025-06-01"},
    )
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert upload.key.startswith(settings.RAW_PREFIX) and upload.key.endswith("__orders.csv")
    head = aws_client("s3").head_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)
    assert head["ContentLength"] == len(body)
    assert head["Metadata"]["as-of"] == "2025-06-01"
    assert head["Metadata"]["uploader"] == "uploader"
    assert head["Metadata"]["sha256"] == upload.sha256


def test_an_uploaded_file_reaches_processed_through_the_queue_and_the_runtime(client, twin, uploader, shared_data):
    client.force_login(uploader)
    client.post(
        reverse("pipeline_admin:upload"),
        {"files": [SimpleUploadedFile("orders.csv", (shared_data / "orders.csv").read_bytes())], "as_of": "2025-06-01"},
    )
    runtime_drain()
    uploads_sync()
    upload = Upload.objects.get()
    assert (upload.status, upload.rows_out) == (Upload.Status.PROCESSED, 109)
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk]))
    assert b"processed" in page.content and b"OrderDate" in page.content


def test_files_that_are_not_csv_are_refused_with_their_name_and_nothing_is_stored(client, twin, uploader):
    """Refused files are recorded as rejected (so admins see the attempt) but never reach S3."""
    client.force_login(uploader)
    response = client.post(
        reverse("pipeline_admin:upload"),
        {"files": [SimpleUploadedFile("photo.png", b"\x89PNG\r\n"), SimpleUploadedFile("book.csv", b"PK\x03\x04rest")]},
        follow=True,
    )
    text = response.content.decode()
    assert "photo.png: only .csv or .txt files can be uploaded" in text
    assert "book.csv: this is a zip archive or an Excel workbook" in text
    assert set(Upload.objects.values_list("original_name", "status", "key")) == {
        ("photo.png", Upload.Status.REJECTED, None),
        ("book.csv", Upload.Status.REJECTED, None),
    }
    assert "Contents" not in aws_client("s3").list_objects_v2(Bucket=settings.PIPELINE_BUCKET, Prefix="raw/")


def test_safe_names_drop_path_parts_and_control_characters():
    assert safe_name("../../etc/passwd.csv") == "passwd.csv"
    assert safe_name("C:\\Users\\me\\Q1 orders\x00.CSV") == "Q1-orders.csv"
    assert len(safe_name("a" * 500 + ".csv")) <= 100
