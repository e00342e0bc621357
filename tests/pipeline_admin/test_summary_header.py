"""A file with a summary block above its table, whose header lacks a synonym: the upload page's inspect
step and the file page's mapping step offer the table's header (the record that maps the most required
columns), not the summary's, and the mapping staff choose from it is what the Lambda reads. Expected
values are worked out by hand."""

from decimal import Decimal

from django.urls import reverse

from pipeline_admin.models import Upload
from tests.pipeline_admin.test_upload_status import csv, processed_upload, settle

# Lines 1-2 a summary (Total, Sales: amount alone), 3 blank, 4 the table's header (Order -> order_id,
# Date -> order_date; Gross is no synonym), 5-6 two orders: 100.00 + 200.00 = 300.00.
SUMMARY = b"Total,Sales\nall,300.00\n\nOrder,Gross,Date\n1,100.00,2025-05-01\n2,200.00,2025-05-02\n"


def test_the_inspect_step_offers_the_tables_header_below_a_summary(client, twin, uploader):
    client.force_login(uploader)
    check = client.post(reverse("pipeline_admin:upload_inspect"), {"sample": csv("summary.csv", SUMMARY)}).json()
    assert (check["header"], check["line"]) == (["Order", "Gross", "Date"], 4)
    assert check["mapping"] == {"order_id": "Order", "order_date": "Date"}
    assert (check["recognised"], check["missing"]) == (False, ["amount"])
    assert [s["line"] for s in check["skipped"]] == [1, 2, 3]


def test_the_file_page_offers_the_tables_header_and_its_mapping_is_read(client, twin, uploader):
    upload = processed_upload(client, uploader, body=SUMMARY, name="summary.csv")
    assert (upload.status, upload.manifest["header_line"]) == (Upload.Status.REJECTED, 4)
    assert upload.status_reason.startswith("no amount column; headers were: Order, Gross, Date (line 4)")
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert '<option value="Gross">Gross</option>' in page and '<option value="Sales">' not in page
    mapping = {"order_id": "Order", "amount": "Gross", "order_date": "Date"}
    client.post(reverse("pipeline_admin:upload_remap", args=[upload.pk]), mapping)
    settle()
    upload.refresh_from_db()
    assert (upload.status, upload.rows_in, upload.rows_out) == (Upload.Status.PROCESSED, 2, 2)
    assert Decimal(upload.manifest["amount_total"]) == Decimal("300.00")


def test_the_inspect_step_lists_the_searched_records_staff_may_pick_as_the_header(client, twin, uploader):
    client.force_login(uploader)
    url = reverse("pipeline_admin:upload_inspect")
    check = client.post(url, {"sample": csv("summary.csv", SUMMARY)}).json()
    assert [(c["line"], c["header"]) for c in check["candidates"]] == [
        (1, ["Total", "Sales"]),
        (2, ["all", "300.00"]),
        (4, ["Order", "Gross", "Date"]),
        (5, ["1", "100.00", "2025-05-01"]),
        (6, ["2", "200.00", "2025-05-02"]),
    ]
    first = check["candidates"][0]
    assert (first["mapping"], first["missing"]) == ({"amount": "Total"}, ["order_id", "order_date"])  # Total, not Sales
    known = client.post(url, {"sample": csv("known.csv", b"order_id,amount,order_date\n1,1.00,2025-05-01\n")})
    # Recognised: both records are listed to confirm or change the header row; the row is no header.
    assert [(c["line"], c["header"]) for c in known.json()["candidates"]] == [
        (1, ["order_id", "amount", "order_date"]),
        (2, ["1", "1.00", "2025-05-01"]),
    ]
    assert known.json()["others"] == []
