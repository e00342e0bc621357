"""A header Excel wrapped onto several lines inside quotes, on the upload page's inspect step and the
file page's mapping step: the choices are the columns as read ("Ref No", not "Ref"), and a mapping
naming them is what the Lambda then uses. Expected values are worked out by hand."""

import io
from decimal import Decimal

import pyarrow.parquet as pq
from django.conf import settings
from django.urls import reverse

from ordersite.aws import aws_client
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync
from tests.pipeline_admin.test_upload_status import csv, processed_upload, settle

# Header on lines 1-3 (two cells wrapped), A1 on line 4, A2 on line 5. No synonym takes Ref No, When, Total (EUR).
WRAPPED = b'"Ref\r\nNo";When;"Total\r\n(EUR)";Who\r\nA1;2025-05-01;10,50;Ann\r\nA2;2025-05-03;7,25;Bob\r\n'


def test_the_inspect_step_offers_the_cells_of_a_wrapped_header_as_read(client, twin, uploader):
    client.force_login(uploader)
    url = reverse("pipeline_admin:upload_inspect")
    known = b'"Order\nID",Customer,Amount,Status,Date\nA-1,Kim,10.00,shipped,2025-02-01\n'
    check = client.post(url, {"sample": csv("export.csv", known)}).json()
    assert check["header"] == ["Order ID", "Customer", "Amount", "Status", "Date"]
    assert check["recognised"] is True and check["mapping"]["order_id"] == "Order ID"
    assert (check["line"], check["last_line"]) == (1, 2)
    check = client.post(url, {"sample": csv("export.csv", WRAPPED)}).json()
    assert check["header"] == ["Ref No", "When", "Total (EUR)", "Who"]
    assert (check["recognised"], check["missing"]) == (False, ["order_id", "amount", "order_date"])


def test_a_wrapped_header_is_mapped_on_the_file_page_by_its_cells_as_read(client, twin, uploader):
    upload = processed_upload(client, uploader, body=WRAPPED, name="export.csv")
    assert upload.status == Upload.Status.REJECTED and upload.needs_mapping
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert "<code>Ref No</code> · <code>When</code> · <code>Total (EUR)</code> · <code>Who</code>" in page
    assert '<option value="Ref No">Ref No</option>' in page
    assert '<td id="header-line">lines 1–3</td>' in page
    mapping = {"order_id": "Ref No", "order_date": "When", "amount": "Total (EUR)", "customer": "Who", "status": ""}
    client.post(reverse("pipeline_admin:upload_remap", args=[upload.pk]), mapping)
    settle()
    upload.refresh_from_db()
    assert (upload.status, upload.rows_in, upload.rows_out) == (Upload.Status.PROCESSED, 2, 2)
    assert upload.manifest["mapping"]["order_id"] == "Ref No"
    assert Decimal(upload.manifest["amount_total"]) == Decimal("10.50") + Decimal("7.25")  # decimal commas
    s3 = aws_client("s3")
    rows = [
        r
        for key in upload.manifest["outputs"]
        for r in pq.read_table(io.BytesIO(s3.get_object(Bucket=settings.PIPELINE_BUCKET, Key=key)["Body"].read()))
        .select(["order_id", "source_line"])
        .to_pylist()
    ]
    assert sorted((r["order_id"], r["source_line"]) for r in rows) == [("A1", 4), ("A2", 5)]


def test_the_file_page_offers_the_header_its_mapping_picked_below_a_summary(client, twin, pipeline_admin):
    # Review B7-7: a summary block's record maps by synonyms (line 2); staff's mapping names the order
    # table's header (line 5), which the Lambda reads. The page's remap choices are that header's cells.
    body = b"Summary\norder_id,amount,date\ntotal,3.00,2025-05-31\n\nOrder No,Gross,Amount,Date\n"
    body += b"1,100.00,1.00,2025-05-01\n2,200.00,2.00,2025-05-01\n"
    mapping = {"order_id": "Order No", "amount": "Gross", "order_date": "Date"}
    upload_create(user=pipeline_admin, fileobj=io.BytesIO(body), name="summary.csv", column_mapping=mapping)
    runtime_drain()
    uploads_sync()
    item = Upload.objects.get(original_name="summary.csv")
    assert item.manifest["amount_total"] == "300.00" and item.manifest["header_line"] == 5
    client.force_login(pipeline_admin)
    page = client.get(reverse("pipeline_admin:upload_detail", args=[item.pk])).content.decode()
    assert '<option value="Gross">Gross</option>' in page and '<option value="Order No">Order No</option>' in page
