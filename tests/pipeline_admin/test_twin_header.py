"""A totals block that repeats the orders table's own header above it (review B10-3): the header row staff
choose on the web, line 4, goes with the mapping (object metadata `header-line`) from the upload page
(what its script posts, the server's form, the inspect step) and from the file page's remap, and the
Lambda reads the table from that line. Expected values are worked out by hand."""

import io
import json
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from ordersite.aws import aws_client
from pipeline_admin.headers import header_inspect, header_line_of
from pipeline_admin.management.commands.upload import Command
from pipeline_admin.models import Upload
from tests.lambda_.test_handler import read_parquet
from tests.lambda_.test_header_line import LINE_VALUES, NOT_LINES, TWIN_HEADER, WRAPPED
from tests.pipeline_admin.test_direct_upload import begin, put_parts
from tests.pipeline_admin.test_upload_header_step import hidden
from tests.pipeline_admin.test_upload_status import csv, post_files, processed_upload, settle

# TWIN_HEADER is /tmp/bk10/cases/twin_header.csv: line 1 "order_id,amount,order_date", 2 the totals row
# (Total, 300.00), 3 blank, 4 the same header again, 5-6 orders T1 100.00 and T2 200.00: 300.00.
NAMED = {"order_id": "order_id", "amount": "amount", "order_date": "order_date"}


def orders(upload: Upload) -> dict[str, Decimal]:
    return {r["order_id"]: r["amount"] for key in upload.manifest["outputs"] for r in read_parquet(key).to_pylist()}


def metadata(upload: Upload) -> dict[str, str]:
    return aws_client("s3").head_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)["Metadata"]


def read_from_line_4(upload: Upload) -> None:
    upload.refresh_from_db()
    assert (upload.status, upload.manifest["header_line"]) == (Upload.Status.PROCESSED, 4)
    assert [s["line"] for s in upload.manifest["skipped_lines"]] == [1, 2, 3]
    assert (upload.rows_in, upload.rows_out, upload.manifest["rows_rejected"]) == (2, 2, 0)
    assert orders(upload) == {"T1": Decimal("100.00"), "T2": Decimal("200.00")}
    assert Decimal(upload.manifest["amount_total"]) == Decimal("300.00")


def test_the_inspect_step_reads_the_header_from_the_line_chosen(client, twin, uploader):
    client.force_login(uploader)
    url = reverse("pipeline_admin:upload_inspect")
    found = client.post(url, {"sample": csv("twin.csv", TWIN_HEADER)}).json()
    # line 4 repeats line 1's header: the Lambda rejects it (B12-1), said so and offered in the select alone
    assert (found["line"], found["others"], found["repeats_note"][:30]) == (1, [], "Line 4 repeats the header row:")
    assert [c["line"] for c in found["candidates"]] == [1, 2, 4, 5, 6]
    chosen = client.post(url, {"sample": csv("twin.csv", TWIN_HEADER), "mapping": json.dumps(NAMED), "header_line": 4})
    assert (chosen.json()["line"], chosen.json()["recognised"]) == (4, True)


def test_the_upload_pages_script_sends_the_header_row_chosen_with_the_mapping(client, twin, uploader):
    client.force_login(uploader)
    plan = begin(client, "twin.csv", TWIN_HEADER, mapping=json.dumps(NAMED), header_line="4").json()
    put_parts(client, plan, TWIN_HEADER)
    assert client.post(plan["complete_url"]).json()["file"]["outcome"] == "stored"
    upload = Upload.objects.get()
    assert upload.column_mapping == {**NAMED, "header_line": "4"}
    assert metadata(upload)["header-line"] == "4"
    assert json.loads(metadata(upload)["mapping"]) == NAMED
    settle()
    read_from_line_4(upload)


def test_the_upload_form_sends_the_header_row_chosen_with_the_mapping(client, twin, uploader):
    client.force_login(uploader)
    post_files(client, csv("twin.csv", TWIN_HEADER), mapping=json.dumps(NAMED), header_line="4")
    upload = Upload.objects.get()
    assert (upload.column_mapping, metadata(upload)["header-line"]) == ({**NAMED, "header_line": "4"}, "4")
    settle()
    read_from_line_4(upload)


def test_without_javascript_the_upload_pages_header_step_sends_the_line_chosen(client, twin, uploader):
    client.force_login(uploader)
    url = reverse("pipeline_admin:upload")
    page = client.post(url, {"files": [csv("twin.csv", TWIN_HEADER)], "step": "header"}).content.decode()
    assert "Line 4 repeats the header row" in page and '<option value="4">line 4: order_id, amount, order_date' in page
    step = {k: hidden(page, k) for k in ("header_step", "header_name", "header_sample")}
    data = {"files": [csv("twin.csv", TWIN_HEADER)], **step, "header_line": "4", **NAMED}
    assert client.post(url, data).status_code == 302
    upload = Upload.objects.get()
    assert upload.column_mapping == {**NAMED, "header_line": "4"}
    settle()
    read_from_line_4(upload)


def test_a_file_read_from_the_totals_block_is_remapped_from_its_page_to_line_4(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin, body=TWIN_HEADER, name="twin.csv")
    # As uploaded: line 1 is the header, Total (300.00) counts as an order, line 4 is rejected: 600.00.
    assert (upload.manifest["header_line"], upload.rows_in, upload.rows_out) == (1, 4, 3)
    assert Decimal(upload.manifest["amount_total"]) == Decimal("600.00")
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk]), {"header_line": "4"})
    assert '<input type="hidden" name="header_line" value="4"' in page.content.decode()
    remap = reverse("pipeline_admin:upload_remap", args=[upload.pk])
    page = client.post(remap, {"header_line": "4", **NAMED}, follow=True).content.decode()
    assert "Column mapping saved; the file is processed again." in page
    assert metadata(upload)["header-line"] == "4"
    settle()
    read_from_line_4(upload)
    detail = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert "header row ← line 4" in detail
    client.post(reverse("pipeline_admin:upload_reprocess", args=[upload.pk]))  # the choice stays on the object
    settle()
    read_from_line_4(upload)
    client.post(remap, {"header_line": "1", **NAMED})  # and a later remap replaces it
    assert metadata(upload)["header-line"] == "1"
    settle()
    upload.refresh_from_db()
    assert (upload.manifest["header_line"], Decimal(upload.manifest["amount_total"])) == (1, Decimal("600.00"))


def test_the_command_line_sends_the_header_row_chosen(twin, tmp_path):
    path = tmp_path / "twin.csv"
    path.write_bytes(TWIN_HEADER)
    call_command("upload", str(path), "--header-line", "4")
    upload = Upload.objects.get()
    assert (upload.column_mapping, metadata(upload).get("mapping")) == ({"header_line": "4"}, None)
    settle()
    read_from_line_4(upload)


def test_the_site_reads_a_mapping_s_header_line_by_the_lambda_s_rule():
    """The file page shows the header the Lambda will read (`header_line_of` -> `header_inspect`), so a mapping's
    `header_line` names the same line for both, by the Lambda's hand-written table: " 4 " is line 4 (the site
    read it as no choice, the Lambda as line 4), and what is no line number is no choice."""
    for value, line in LINE_VALUES:
        assert header_line_of({**NAMED, "header_line": value}) == line, value
    for value in NOT_LINES:
        assert header_line_of({**NAMED, "header_line": value}) is None, value
    assert header_line_of(None) is None and header_line_of(NAMED) is None


def test_the_line_select_offers_no_line_inside_a_quoted_record():
    # WRAPPED (review B11-4): records start on lines 1, 2, 3 (the header, to line 4), 5 and 7; line 4 continues
    # line 3's and was offered as a header row of its own ("id", amount, order_date).
    check = header_inspect(sample=WRAPPED)
    assert (check.line, check.last_line, check.header) == (3, 4, ["order id", "amount", "order_date"])
    assert [c["line"] for c in check.candidates] == [1, 2, 3, 5, 7]


def test_the_command_line_says_a_wrong_header_row_and_counts_1_row(twin, tmp_path):
    # TWIN_HEADER with --header-line 2: the totals row read as the header lacks order id and order date; its rows
    # are lines 4-6 (3 rows). ONE: a file of one order, "1 row in, 1 out".
    (tmp_path / "twin.csv").write_bytes(TWIN_HEADER)
    (tmp_path / "one.csv").write_bytes(b"order_id,amount,order_date\nZ1,50.00,2025-05-01\n")
    call_command("upload", str(tmp_path / "twin.csv"), "--header-line", "2", stdout=io.StringIO())
    call_command("upload", str(tmp_path / "one.csv"), stdout=io.StringIO())
    settle()
    out = io.StringIO()
    Command(stdout=out)._wait(list(Upload.objects.order_by("pk")), timeout=5)  # the lines `upload --wait` writes
    assert sorted(out.getvalue().splitlines()) == [
        "one.csv: processed (1 row in, 1 out) ",
        "twin.csv: rejected (3 rows in, 0 out) no order id, order date column; headers were: Total, 300.00, "
        '2025-05-31 (line 2, chosen as the header row). Choose another header row (the file page\'s "Header row", '
        "or upload --header-line) or map the column",
    ]
