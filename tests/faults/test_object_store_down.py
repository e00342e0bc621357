"""The object store is unreachable: the upload says so per file, records nothing as stored,
and the same file goes through once the store is back (no half record blocks it).
(tests/pipeline_admin/test_upload_status.py covers a store that answers with an error.)"""

import socket

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from pipeline_admin.models import Upload, UploadEvent
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import uploads_sync

from .conftest import s3_keys

ORDERS = b"order_id,amount,order_date\n1,2,2025-01-01\n"
OTHER = b"order_id,amount,order_date\n2,3,2025-01-02\n"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # released on close: nothing listens there


def files(*named: tuple[str, bytes]) -> dict:
    return {"files": [SimpleUploadedFile(name, body, "text/csv") for name, body in named]}


def test_an_unreachable_object_store_records_nothing_says_so_and_the_retry_stores_the_file(client, twin, uploader):
    client.force_login(uploader)
    with override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}"):
        response = client.post(
            reverse("pipeline_admin:upload"), files(("orders.csv", ORDERS), ("other.csv", OTHER)), follow=True
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "orders.csv: could not reach S3 to store" in page
    # The next file is not tried: it would wait out the same retries, and the batch the web timeout.
    assert "other.csv: not stored, S3 could not be reached; nothing was saved, please retry" in page
    assert Upload.objects.count() == 0 and UploadEvent.objects.count() == 0
    assert s3_keys(settings.RAW_PREFIX) == []

    response = client.post(reverse("pipeline_admin:upload"), files(("orders.csv", ORDERS)), follow=True)
    assert "orders.csv: stored" in response.content.decode()  # not taken for a duplicate of the failed try
    (upload,) = Upload.objects.all()
    assert s3_keys(settings.RAW_PREFIX) == [upload.key]
    runtime_drain()
    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED
