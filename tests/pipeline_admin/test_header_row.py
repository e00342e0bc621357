"""Staff choose a file's header row on the web (review B8-1): a summary block that itself maps every
required column sits above the real order table. The upload page's inspect step names the header it
found and the other records (`candidates`), saying which also look like a header; the file page's remap
form (no JavaScript) offers a record of the first lines as the header row, then its cells as the
columns, and the mapping naming them is what the Lambda reads. Expected values are worked out by hand."""

from decimal import Decimal

from django.urls import reverse

from pipeline_admin.models import Upload
from tests.lambda_.test_handler import read_parquet
from tests.lambda_.test_mapping_header import SUMMARY_ABOVE
from tests.pipeline_admin.test_upload_status import csv, processed_upload, settle

# SUMMARY_ABOVE is review B8-1's mpre2.csv: line 1 a title, 2-3 a summary (order_id, amount, date: every
# required column by synonyms; one row, order "total", 3.00), 4 blank, 5 the table's header (Order No,
# Gross, Amount, Date), 6-7 orders 1 and 2 whose Gross is 100.00 and 200.00: 300.00.
GROSS = {"order_id": "Order No", "amount": "Gross", "order_date": "Date"}


def orders(upload: Upload) -> dict[str, Decimal]:
    return {r["order_id"]: r["amount"] for key in upload.manifest["outputs"] for r in read_parquet(key).to_pylist()}


def test_the_inspect_step_names_the_header_and_the_later_record_that_also_looks_like_one(client, twin, uploader):
    client.force_login(uploader)
    check = client.post(reverse("pipeline_admin:upload_inspect"), {"sample": csv("mpre2.csv", SUMMARY_ABOVE)}).json()
    assert (check["recognised"], check["line"], check["header"]) == (True, 2, ["order_id", "amount", "date"])
    assert [(c["line"], c["header"]) for c in check["candidates"]] == [
        (1, ["Summary"]),
        (2, ["order_id", "amount", "date"]),
        (3, ["total", "3.00", "2025-05-31"]),
        (5, ["Order No", "Gross", "Amount", "Date"]),
        (6, ["1", "100.00", "1.00", "2025-05-01"]),
        (7, ["2", "200.00", "2.00", "2025-05-01"]),
    ]
    # Line 5 has no cell that starts like a value and synonyms map it; line 1 is one cell mapping nothing,
    # lines 3, 6 and 7 hold values.
    assert [c["line"] for c in check["others"]] == [5]
    assert check["candidates"][3]["mapping"] == {"order_id": "Order No", "amount": "Amount", "order_date": "Date"}


def test_the_inspect_step_tells_the_line_the_lambda_reads_with_the_mapping_staff_chose(client, twin, uploader):
    client.force_login(uploader)
    url = reverse("pipeline_admin:upload_inspect")
    mapped = client.post(url, {"sample": csv("mpre2.csv", SUMMARY_ABOVE), "mapping": '{"order_id": "Order No"}'})
    assert mapped.json()["line"] == 5  # line 2 has no "Order No"
    refused = client.post(url, {"sample": csv("mpre2.csv", SUMMARY_ABOVE), "mapping": '{"weight": "Gross"}'})
    assert refused.status_code == 400 and "a column mapping names only order_id" in refused.json()["problem"]


def test_a_file_read_from_the_summary_is_remapped_from_its_page_to_the_table_below(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin, body=SUMMARY_ABOVE, name="mpre2.csv")
    # As uploaded: the summary is the header, order "total" 3.00 counts, the table's 3 lines are rejected.
    assert (upload.manifest["header_line"], upload.rows_in, upload.rows_out) == (2, 4, 1)
    assert orders(upload) == {"total": Decimal("3.00")}
    url = reverse("pipeline_admin:upload_detail", args=[upload.pk])
    page = client.get(url).content.decode()
    assert '<option value="5">line 5: Order No, Gross, Amount, Date</option>' in page
    assert "Line 5 (Order No, Gross, Amount, Date) also looks like a header" in page
    assert "This file's header is line 2:" in page
    assert '<option value="Gross">' not in page  # the columns offered are line 2's
    page = client.get(url, {"header_line": "5"}).content.decode()
    assert '<option value="Gross">Gross</option>' in page and '<option value="order_id">' not in page
    assert '<input type="hidden" name="header_line" value="5"' in page
    assert "The header row chosen is line 5 (the file is read from line 2 now):" in page
    client.post(reverse("pipeline_admin:upload_remap", args=[upload.pk]), {"header_line": "5", **GROSS})
    settle()
    upload.refresh_from_db()
    assert (upload.status, upload.manifest["header_line"]) == (Upload.Status.PROCESSED_WITH_WARNINGS, 5)
    assert [w["code"] for w in upload.manifest["warnings"]] == ["repeated_columns"]  # Amount names amount too
    assert (upload.rows_in, upload.rows_out, upload.manifest["rows_rejected"]) == (2, 2, 0)
    assert orders(upload) == {"1": Decimal("100.00"), "2": Decimal("200.00")}  # "total" no longer counted
    assert Decimal(upload.manifest["amount_total"]) == Decimal("300.00")


# Line 1 a summary's header, 2 its row; line 4 the table's header, which has every cell of line 1 and a
# status; line 5 order 1, 100.00.
SAME_NAMES = (
    b"order_id,amount,date\ntotal,3.00,2025-05-31\n\norder_id,amount,date,status\n1,100.00,2025-05-01,shipped\n"
)


def test_columns_an_earlier_record_has_too_are_read_from_the_header_row_chosen(client, twin, pipeline_admin):
    # Before review B10-3 this was refused (the Lambda read the first record having every named header);
    # the header row now goes with the mapping, so line 4 is read though line 1 has those headers too.
    upload = processed_upload(client, pipeline_admin, body=SAME_NAMES, name="same.csv")
    assert upload.manifest["header_line"] == 1
    remap = reverse("pipeline_admin:upload_remap", args=[upload.pk])
    mapping = {"order_id": "order_id", "amount": "amount", "order_date": "date"}
    client.post(remap, {"header_line": "4", **mapping})
    settle()
    upload.refresh_from_db()
    assert upload.column_mapping == {**mapping, "header_line": "4"}
    assert (upload.manifest["header_line"], orders(upload)) == (4, {"1": Decimal("100.00")})
