"""The upload page's header step without JavaScript (the page's script shows the header row found and
a picker as a file is chosen): "Check the header row first" posts the files, nothing is stored, and the
page comes back with the header row the Lambda finds, the records of the first lines to pick another
from ("Show its columns" brings that record's cells back as the column choices, the file's first bytes
carried by the page) and the columns; the file chosen again is uploaded with them. Expected values by
hand: review B8-1's mpre2.csv (`SUMMARY_ABOVE`) is orders 1 = 100.00 and 2 = 200.00 under line 5."""

import re
from decimal import Decimal

from django.urls import reverse

from pipeline_admin.models import Upload
from tests.lambda_.test_mapping_header import SUMMARY_ABOVE
from tests.pipeline_admin.test_header_row import GROSS, SAME_NAMES, orders
from tests.pipeline_admin.test_upload_status import csv, s3_keys, settle


def hidden(page: str, name: str) -> str:
    return re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)[1]


def checked(client, body: bytes, name: str) -> tuple[str, dict]:
    """The page after "Check the header row first", and its header step's hidden fields."""
    page = client.post(reverse("pipeline_admin:upload"), {"files": [csv(name, body)], "step": "header"})
    assert page.status_code == 200
    text = page.content.decode()
    return text, {k: hidden(text, k) for k in ("header_step", "header_name", "header_sample")}


def test_without_javascript_the_upload_page_offers_the_header_row_and_uploads_with_the_columns_chosen(
    client, twin, uploader
):
    client.force_login(uploader)
    page, step = checked(client, SUMMARY_ABOVE, "mpre2.csv")
    assert not Upload.objects.exists() and s3_keys("raw/") == []  # a check stores nothing
    assert "Header row of mpre2.csv" in page and "The header the Lambda finds is line 2:" in page
    assert '<option value="5">line 5: Order No, Gross, Amount, Date</option>' in page
    assert "Line 5 (Order No, Gross, Amount, Date) also looks like a header" in page
    assert '<option value="Gross">' not in page  # the columns offered are line 2's
    # Another header row: no file sent again, its first bytes come back from the page.
    url = reverse("pipeline_admin:upload")
    page = client.post(url, {**step, "step": "header", "header_line": "5"}).content.decode()
    assert "The header row chosen is line 5 (the Lambda finds line 2 by itself):" in page
    assert '<option value="Gross">Gross</option>' in page and '<option value="order_id">' not in page
    assert not Upload.objects.exists()
    # The file chosen again, with line 5's columns: stored with that mapping, read from line 5.
    response = client.post(
        url, {"files": [csv("mpre2.csv", SUMMARY_ABOVE)], **step, "header_line": "5", **GROSS, "as_of": "2025-06-01"}
    )
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert upload.column_mapping == {**GROSS, "header_line": "5"}
    settle()
    upload.refresh_from_db()
    assert (upload.manifest["header_line"], upload.rows_in, upload.rows_out) == (5, 2, 2)
    assert orders(upload) == {"1": Decimal("100.00"), "2": Decimal("200.00")}  # 300.00, "total" not counted


def test_columns_an_earlier_record_has_too_are_read_from_the_header_row_chosen(client, twin, uploader):
    # SAME_NAMES: line 1 a summary's header (order_id, amount, date), line 4 the table's with a status too:
    # the line chosen goes with the columns (review B10-3), so line 4 is read though line 1 has them too.
    client.force_login(uploader)
    _, step = checked(client, SAME_NAMES, "same.csv")
    mapping = {"order_id": "order_id", "amount": "amount", "order_date": "date"}
    data = {"files": [csv("same.csv", SAME_NAMES)], **step, "header_line": "4", **mapping}
    assert client.post(reverse("pipeline_admin:upload"), data).status_code == 302
    settle()
    upload = Upload.objects.get()
    assert (upload.column_mapping, upload.manifest["header_line"]) == ({**mapping, "header_line": "4"}, 4)
    assert orders(upload) == {"1": Decimal("100.00")}


def test_the_header_the_lambda_finds_by_itself_is_uploaded_without_a_mapping(client, twin, uploader):
    # A file whose header is recognised, checked and uploaded as found: no mapping is stored (the page's
    # script sends none either), the grain staff chose is.
    client.force_login(uploader)
    body = b"order_id,amount,order_date\nA1,10.00,2025-05-01\n"
    page, step = checked(client, body, "plain.csv")
    assert "Recognised columns." in page and "The header the Lambda finds is line 1:" in page
    found = {"order_id": "order_id", "amount": "amount", "order_date": "order_date"}
    data = {"files": [csv("plain.csv", body)], **step, "header_line": "1", **found, "grain": "history"}
    assert client.post(reverse("pipeline_admin:upload"), data).status_code == 302
    assert Upload.objects.get().column_mapping == {"grain": "history"}


def test_a_check_without_a_file_or_of_a_file_that_is_no_table_says_why(client, twin, uploader):
    client.force_login(uploader)
    page = client.post(reverse("pipeline_admin:upload"), {"step": "header"}).content.decode()
    assert "Choose a file to check its header row." in page
    page = client.post(
        reverse("pipeline_admin:upload"), {"files": [csv("book.csv", b"PK\x03\x04rest")], "step": "header"}
    ).content.decode()
    assert "book.csv: this is a zip archive or an Excel workbook" in page
    assert not Upload.objects.exists()


# Review B11-2's files. NOJS_A: line 1 a copy of the header over a totals row (Total 70.00) and a blank
# line, the table's header again on line 4, M1 30.00 + M2 40.00 = 70.00 below it. NOJS_B: the header on
# line 1, N1 10.00 + N2 20.00, the header again on line 4 (two exports joined), N3 30.00.
NOJS_A = (
    b"order_id,customer,amount,order_date,status\nTotal,,70.00,2025-05-31,\n,,,,\n"
    b"order_id,customer,amount,order_date,status\nM1,Ann,30.00,2025-05-01,shipped\nM2,Bob,40.00,2025-05-02,shipped\n"
)
NOJS_B = (
    b"order_id,customer,amount,order_date,status\nN1,Ann,10.00,2025-05-01,shipped\nN2,Bob,20.00,2025-05-02,shipped\n"
    b"order_id,customer,amount,order_date,status\nN3,Cy,30.00,2025-05-03,shipped\n"
)


def test_the_header_row_chosen_goes_with_the_file_whose_lines_were_shown_only(client, twin, uploader):
    # The step shows nojs_a.csv's lines; line 4 is chosen. nojs_a.csv is read from line 4: 70.00 (the Total
    # row skipped). nojs_b.csv's header is found as usual, line 1: 10.00 + 20.00 + 30.00 = 60.00 from 4 rows,
    # its line 4 rejected as the header again (before B11-2 it was read from line 4 too: 30.00, 1 row).
    client.force_login(uploader)
    url = reverse("pipeline_admin:upload")
    page = client.post(url, {"files": [csv("nojs_a.csv", NOJS_A), csv("nojs_b.csv", NOJS_B)], "step": "header"})
    step = {k: hidden(page.content.decode(), k) for k in ("header_step", "header_name", "header_sample")}
    assert step["header_name"] == "nojs_a.csv"
    columns = {c: c for c in ("order_id", "customer", "amount", "order_date", "status")}
    files = [csv("nojs_a.csv", NOJS_A), csv("nojs_b.csv", NOJS_B)]
    assert client.post(url, {"files": files, **step, "header_line": "4", **columns}).status_code == 302
    settle()
    a, b = (Upload.objects.get(original_name=name) for name in ("nojs_a.csv", "nojs_b.csv"))
    assert (a.manifest["header_line"], a.rows_in, orders(a)) == (4, 2, {"M1": Decimal("30.00"), "M2": Decimal("40.00")})
    assert "header_line" not in b.column_mapping
    assert (b.manifest["header_line"], b.manifest["skipped_lines"], b.rows_in, b.rows_out) == (1, [], 4, 3)
    assert orders(b) == {"N1": Decimal("10.00"), "N2": Decimal("20.00"), "N3": Decimal("30.00")}
    assert Decimal(b.manifest["amount_total"]) == Decimal("60.00")
    assert [(r["line"], r["code"]) for r in b.manifest["rejected_sample"]] == [(4, "repeated_header")]
