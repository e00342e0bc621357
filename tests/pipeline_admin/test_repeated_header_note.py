"""Review B12-1: the header row note said of a record after the header that repeats it (two exports joined,
or the header again as the last line) "also looks like a header: if the orders table starts there, choose it
as the header row"; following it skipped every order above it, and the file ended plain `processed`. Such a
record is what the Lambda rejects `repeated_header` (its own rule, `rejects`): it is said as such, not offered;
a record still offered below rows says which rows choosing it skips, and a header chosen below rows says
which it skips now. Expected values by hand from the review's files."""

from django.urls import reverse

from pipeline_admin.headers import header_inspect
from tests.lambda_.test_header_line import TWIN_HEADER
from tests.pipeline_admin.test_upload_header_step import checked
from tests.pipeline_admin.test_upload_status import csv, processed_upload, settle

# /tmp/bk12/cases/web/f1.csv: the header on line 1, orders Z1-Z3 on lines 2-4, the header again after a
# byte-order mark on line 5 (two exports joined: the BOM is taken out of a cell, as the Lambda reads it),
# orders Z4-Z6 on lines 6-8.
F1 = (
    "order_id,customer,amount,order_date,status,region\nZ1,Pat,100.00,2025-05-20,shipped,North\n"
    "Z2,Pat,200.00,2025-05-01,shipped,North,gift wrap\nZ3,Quin,300.00,2025-05-15,shipped,South\n"
    "\ufefforder_id,customer,amount,order_date,status,region\nZ4,,40.00,2025-05-16,shipped,North,,\n"
    "Z5,N/A,50.50,2025-04-10,pending,North\nZ6,Rex,60.00,2025-05-30,shipped,\n"
).encode()
# /tmp/bk12/cases/web/f3.csv: `;`, decimal commas, the header again as the last line (5).
F3 = (
    b"order_id;customer;amount;order_date;status;region\nZ2;Pat;222,00;2025-05-01;shipped;North\n"
    b"Z3;Quin;300,00;2025-05-15;shipped;South\nZ8;Tia;8,88;2025-05-31;pending;South\n"
    b"order_id;customer;amount;order_date;status;region\n"
)
REJECTED = "the header row again (files joined one after another?), not an order"
LINE_5 = f"Line 5 repeats the header row: the Lambda rejects it (“{REJECTED}”) and reads the rows after it too."


def test_a_record_repeating_the_header_is_said_as_the_lambda_reads_it_not_offered():
    for body in (F1, F3):
        check = header_inspect(sample=body)
        assert (check.line, check.others, check.repeats_note) == (1, [], LINE_5)
    # B10-3's totals block: line 4 repeats line 1's header (the Lambda rejects it and reads Total on line 2)
    assert header_inspect(sample=TWIN_HEADER).repeats_note == LINE_5.replace("Line 5", "Line 4")
    # line 5 can still be picked; what that skips is said: the orders on lines 2, 3 and 4
    (line_5,) = [c for c in header_inspect(sample=F1).candidates if c["line"] == 5]
    assert line_5["skips"] == "Choosing line 5 skips the 3 rows read now above it (lines 2–4)."


def test_the_upload_pages_header_step_says_line_5_repeats_the_header_and_offers_it_not(client, twin, uploader):
    client.force_login(uploader)
    page, step = checked(client, F1, "f1.csv")
    assert "like a header" not in page and f'<p class="message" id="step-repeats">{LINE_5}</p>' in page
    # "Show its columns" of line 5: the rows it skips are said, the note on the header found is not
    page = client.post(reverse("pipeline_admin:upload"), {**step, "step": "header", "header_line": "5"}).content
    assert "The header row chosen is line 5 (the Lambda finds line 1 by itself):" in page.decode()
    skips = '<p class="message warning" id="step-skips">Choosing line 5 skips the 3 rows read now above it (lines 2–4).'
    assert skips in page.decode() and 'id="step-repeats"' not in page.decode()
    # the page's script gets the same from the inspect step
    inspected = client.post(reverse("pipeline_admin:upload_inspect"), {"sample": csv("f1.csv", F1)}).json()
    assert (inspected["others"], inspected["repeats_note"]) == ([], LINE_5)


def test_a_header_chosen_below_orders_says_the_rows_it_skips_on_the_file_page(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin, body=F1, name="f1.csv")
    assert (upload.manifest["header_line"], upload.rows_in) == (1, 7)  # Z1-Z6 and line 5 (repeated_header)
    url = reverse("pipeline_admin:upload_detail", args=[upload.pk])
    page = client.get(url).content.decode()
    assert "like a header" not in page and f'<p class="message" id="header-repeats">{LINE_5}</p>' in page
    picked = client.get(url, {"header_line": "5"}).content.decode()  # "Show its columns" of line 5
    assert "Choosing line 5 skips the 3 rows read now above it (lines 2–4)." in picked
    assert 'id="header-repeats"' not in picked
    columns = {"order_id": "order_id", "amount": "amount", "order_date": "order_date"}
    remap = reverse("pipeline_admin:upload_remap", args=[upload.pk])
    client.post(remap, {"header_line": "5", **columns}, follow=True)
    settle()
    upload.refresh_from_db()
    assert (upload.column_mapping["header_line"], upload.manifest["header_line"], upload.rows_in) == ("5", 5, 3)
    # read from line 5 now: line 1 looks like a header, and the 3 rows between (Z1-Z3) are skipped
    page = client.get(url).content.decode()
    assert (
        "Line 1 (order_id, customer, amount, order_date, status, region) also looks like a header: if the "
        "orders table starts there, choose it as the header row. The 3 rows between line 1 and the header row "
        "(lines 2–4) are skipped now."
    ) in page
