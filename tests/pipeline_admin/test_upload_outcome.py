"""What the cleaner decided about a file, on its page: grain, warnings, stale orders, the grain override."""

import html
import json

from django.conf import settings
from django.urls import reverse

from ordersite.aws import aws_client
from pipeline_admin.models import Upload
from tests.pipeline_admin.test_upload_status import processed_upload

# Line items (two orders of two lines) with an unmapped column; US-9 is pending and old: stale.
LINE_ITEMS = (
    b"Row ID,Order ID,Order Date,Customer Name,Product Name,Sales,Status,Note\n"
    b"1,US-1,2025-05-20,Ida,Lamp,45.50,shipped,a\n2,US-1,2025-05-20,Ida,Paper,12.25,shipped,b\n"
    b"3,US-9,2025-01-02,Omar,Arm,89.99,pending,c\n4,US-9,2025-01-02,Omar,Mat,10.01,pending,d\n"
)


def test_the_page_says_the_grain_the_warnings_and_shows_the_stale_orders(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin, body=LINE_ITEMS, name="lines.csv")
    assert upload.status == Upload.Status.PROCESSED_WITH_WARNINGS
    assert (upload.rows_in, upload.rows_out) == (4, 1)  # 4 lines -> 2 orders, 1 of them stale
    codes = [w["code"] for w in upload.manifest["warnings"]]
    assert codes == ["line_items_summed", "unmapped_columns"]
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert "line items: 4 lines → 2 orders" in page
    assert "dates year-month-day · decimal" in page  # the shape read, not the date-order code
    for warning in upload.manifest["warnings"]:
        assert f'data-code="{warning["code"]}">{html.escape(warning["text"])}</li>' in page
    assert "Not used: Note" in page
    assert '<td id="header-line">line 1</td>' in page
    assert '<td class="num">4</td><td>US-9</td><td>Omar</td><td class="num">100.00</td>' in page  # 89.99 + 10.01
    link = html.unescape(page.split('id="stale-download" href="')[1].split('"')[0])
    download = b"".join(client.get(link).streaming_content).decode()  # derived from the Parquet
    assert download.splitlines()[1:] == ['"US-9","Omar",100.00,"pending",2025-01-02,4']
    listing = client.get(reverse("pipeline_admin:uploads")).content.decode()
    assert html.escape(upload.manifest["warnings"][0]["text"])[:60] in listing


def test_doubts_about_kept_values_are_shown_as_warnings_by_code(client, twin, pipeline_admin):
    body = b"order_id,customer,amount,status,order_date\n1.0,Ann,100,completed,2024-01-01\n"
    body += b"2.0,Bob,-50,INVALID,2024-01-02\n"
    upload = processed_upload(client, pipeline_admin, body=body, name="doubts.csv")
    assert upload.status == Upload.Status.PROCESSED_WITH_WARNINGS and upload.manifest["amount_total"] == "50.00"
    codes = [w["code"] for w in upload.manifest["warnings"]]
    assert codes == ["negative_amounts", "float_like_ids", "unknown_statuses"]
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    for warning in upload.manifest["warnings"]:
        assert f'data-code="{warning["code"]}">{html.escape(warning["text"])}</li>' in page


def test_staff_choose_the_grain_on_the_mapping_step_and_the_file_is_read_again(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin, body=LINE_ITEMS, name="lines.csv")
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert 'name="grain"' in page
    mapping = {"order_id": "Order ID", "order_date": "Order Date", "amount": "Sales", "grain": "history"}
    client.post(reverse("pipeline_admin:upload_remap", args=[upload.pk]), mapping)
    head = aws_client("s3").head_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)
    assert json.loads(head["Metadata"]["mapping"])["grain"] == "history"
    from tests.pipeline_admin.test_upload_status import settle

    settle()
    upload.refresh_from_db()
    assert (upload.manifest["grain"], upload.manifest["grain_overridden"]) == ("history", True)
    assert upload.manifest["amount_total"] == "22.26"  # the last line of each order: 12.25 + 10.01


def test_the_history_warning_names_the_grain_choice_the_file_page_really_has(client, twin, pipeline_admin):
    # Review B10-6: the warning said "choose the line-item grain at upload", where there is no such choice.
    # M1's rows differ by product, the other repeated orders only in amount or status: read as histories.
    body = (
        b"order_id,amount,status,order_date,product\n"
        b"M1,10.00,shipped,2025-05-01,Shirt\nM1,20.00,shipped,2025-05-01,Hat\n"
        b"M2,5.00,shipped,2025-05-01,Mug\nM2,7.00,shipped,2025-05-01,Mug\n"
        b"M3,1.00,pending,2025-05-01,Cup\nM3,1.00,shipped,2025-05-01,Cup\n"
    )
    upload = processed_upload(client, pipeline_admin, body=body, name="minority.csv")
    warning = {w["code"]: w for w in upload.manifest["warnings"]}["differing_lines_read_as_history"]
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert html.escape(warning["text"]) in page
    # what it names is on this page: the card, its grain select and the line-item option
    assert "“One row is: one line item” under “Columns and grain”" in warning["text"]
    assert "<h2>Columns and grain</h2>" in page
    assert '<label>One row is <select name="grain"' in page
    assert '<option value="line_items">one line item' in page


def _rejected_upload(name: str, manifest: dict) -> Upload:
    """An upload the Lambda rejected, as the site records it, with `manifest` as its manifest."""
    return Upload.objects.create(
        key=f"raw/2025/06/01/{name}__{name}.csv",
        original_name=f"{name}.csv",
        size=1,
        sha256=name,
        status="rejected",
        manifest=manifest,
    )


def test_a_rejected_file_whose_earlier_outputs_were_removed_says_how_many(client, twin, pipeline_admin):
    removed = ["processed/orders/order_month=2025-05/x.parquet", "quarantine/x/rejected_rows.csv"]
    manifest = {
        "status": "rejected",
        "reason_code": "missing_column",
        "reason": "no amount column",
        "outputs_removed": removed,
    }
    upload = _rejected_upload("x", manifest)
    client.force_login(pipeline_admin)
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    removed_row = page.split('<td id="outputs-removed">')[1].split("</td>")[0]
    assert (
        removed_row
        == "2 output file(s) an earlier run over this file wrote and this one did not (a rejected file has no orders)"
    )


def test_a_file_with_a_header_and_no_rows_says_on_its_page_which_line_the_header_is(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin, body=b"sep=;\norder_id;amount;order_date\n", name="head.csv")
    assert (upload.status, upload.manifest["reason_code"]) == (Upload.Status.REJECTED, "no_rows")
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert '<td id="header-line">line 2</td>' in page  # after Excel's sep= line
    assert "line 1 <code>sep=;</code>" in page.split('id="skipped-lines">')[1]
    empty = _rejected_upload("empty", {"status": "rejected", "reason_code": "empty", "header_line": None})
    page = client.get(reverse("pipeline_admin:upload_detail", args=[empty.pk])).content.decode()
    assert '<td id="header-line">none found</td>' in page


def test_the_file_page_says_how_many_blank_rows_the_file_had(client, twin, pipeline_admin):
    # Review B10-2, /tmp/bk10/cases/placeholder_rows.csv: by hand, lines 3-6 hold only placeholders (blank),
    # lines 2 and 7 are orders: 1 header line + 4 blank + 2 rows in = the file's 7 lines.
    body = (
        b"order_id,customer,amount,order_date,status\n1,Ann,1.00,2025-05-01,shipped\n#N/A,#N/A,#N/A,#N/A,#N/A\n"
        b"N/A,N/A,N/A,N/A,N/A\n-,-,-,-,-\nnull,NULL,None,nan,NA\n2,Bob,2.00,2025-05-01,shipped\n"
    )
    upload = processed_upload(client, pipeline_admin, body=body, name="placeholders.csv")
    assert (upload.manifest["rows_in"], upload.manifest["rows_blank"], upload.manifest["rows_rejected"]) == (2, 4, 0)
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert page.split('id="rows-blank">', 1)[1].startswith("4</td>")
