import socket

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from ordersite.aws import aws_clients_clear
from pipeline_admin.models import Upload


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # released on close: nothing listens there


def test_an_unreachable_object_store_records_nothing_and_says_so(client, twin, uploader):
    client.force_login(uploader)
    with override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}"):
        aws_clients_clear()
        try:
            response = client.post(
                reverse("pipeline_admin:upload"),
                {"files": [SimpleUploadedFile("orders.csv", b"order_id,amount,order_date\n1,2,2025-01-01\n")]},
                follow=True,
            )
        finally:
            aws_clients_clear()
    assert response.status_code == 200
    assert "orders.csv" in response.content.decode() and "retry" in response.content.decode()
    assert Upload.objects.count() == 0
