"""The upload page's script in a real Chromium: per-file progress, mapping, drag & drop, duplicates."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync
from tests.lambda_.test_handler import read_parquet
from tests.lambda_.test_header_line import TWIN_HEADER as TWIN
from tests.lambda_.test_mapping_header import SUMMARY_ABOVE as MPRE2

from .conftest import login, screenshot

GOOD = b"order_id,order_date,amount,customer,status\n1,2025-05-01,10.50,Ann,shipped\n"
UNKNOWN_HEADER = b"Ref;When;Total;Who\nA1;2025-05-01;10,50;Ann\n"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def upload_page(page, twin, uploader):
    login(page, "uploader")
    page.goto("/pipeline/upload/")
    return page


def map_and_upload(page, row, name: str, mapping: dict[str, str]) -> None:
    """Chooses each column's header in the file's mapping step, then uploads: the file is stored."""
    for column, header in mapping.items():
        page.select_option(f"select[name=map-{column}]", header)
    expect(row).to_have_attribute("data-status", "ready")
    page.click("#upload-button")
    page.wait_for_selector(f"text={name}: stored")


def test_each_file_gets_a_progress_bar_and_an_unrecognised_header_is_mapped_before_upload(upload_page):
    upload_page.set_input_files(
        "input[type=file]",
        [
            {"name": "good.csv", "mimeType": "text/csv", "buffer": GOOD},
            {"name": "export.csv", "mimeType": "text/csv", "buffer": UNKNOWN_HEADER},
        ],
    )
    upload_page.wait_for_selector("select[name=map-order_date]")
    assert upload_page.locator("select[name=map-customer]").input_value() == ""  # "Who" is no synonym the Lambda knows
    export_row = upload_page.locator("li.file", has_text="export.csv")
    expect(export_row).to_have_attribute("data-status", "needs_mapping")  # not "ready" with required columns unmapped
    upload_page.click("#upload-button")  # good.csv goes; export.csv is held back at the mapping step
    upload_page.wait_for_selector("text=good.csv: stored")
    expect(export_row.locator(".note")).to_have_text(
        "export.csv: not uploaded: choose the file's column for Order id, Order date"
        " (required: without it the Lambda rejects the file)."
    )
    assert list(Upload.objects.values_list("original_name", flat=True)) == ["good.csv"]
    map_and_upload(upload_page, export_row, "export.csv", {"order_id": "Ref", "order_date": "When", "amount": "Total"})
    assert upload_page.eval_on_selector_all("#file-list progress", "bars => bars.map(b => b.value)") == [100, 100]
    export = Upload.objects.get(original_name="export.csv")
    # The columns are line 1's cells, and its line goes with them (the header row the Lambda then reads).
    assert export.column_mapping == {"order_id": "Ref", "order_date": "When", "amount": "Total", "header_line": "1"}


def test_a_dropped_file_is_uploaded_and_a_duplicate_is_stored_only_after_confirming(upload_page):
    drop = (
        "() => { const dt = new DataTransfer(); "
        f'dt.items.add(new File([{json.dumps(GOOD.decode())}], "dropped.csv", {{type: "text/csv"}})); return dt; }}'
    )
    upload_page.dispatch_event("#drop-zone", "drop", {"dataTransfer": upload_page.evaluate_handle(drop)})
    upload_page.click("#upload-button")
    upload_page.wait_for_selector("text=dropped.csv: stored")
    upload_page.dispatch_event("#drop-zone", "drop", {"dataTransfer": upload_page.evaluate_handle(drop)})
    upload_page.click("#upload-button")
    upload_page.wait_for_selector("text=the same content was already uploaded")
    assert Upload.objects.count() == 1
    upload_page.click("text=Store it again")
    expect(upload_page.locator("#file-list .note.ok")).to_have_count(2)
    assert Upload.objects.count() == 2


def test_an_older_export_is_warned_about_in_its_row_and_the_warning_stays_once_processed(
    page, twin, uploader, pipeline_loop
):
    """Reviewer F4 on the page's direct upload: the newer export (as of 2025-06-01) is in; the file
    sent now is as of 2025-05-12, so its row says so, naming the newer file and both dates, and
    keeps saying it after the status notes that follow; the file's page then counts the one order
    both have (2, cancelled in the newer export, shipped here): 1 superseded, 1 changed."""
    header = b"order_id,order_date,amount,customer,status\n"
    newer = header + b"2,2025-05-10,20.00,Bob,cancelled\n3,2025-05-20,30.00,Cy,shipped\n"
    older = header + b"1,2025-05-01,10.50,Ann,shipped\n2,2025-05-10,20.00,Bob,shipped\n"
    upload_create(user=uploader, fileobj=io.BytesIO(newer), name="newer.csv", as_of=date(2025, 6, 1))
    login(page, "uploader")
    page.goto("/pipeline/upload/")
    page.fill("input[name=as_of]", "2025-05-12")
    page.set_input_files("input[type=file]", [{"name": "older.csv", "mimeType": "text/csv", "buffer": older}])
    row = page.locator("li.file", has_text="older.csv")
    expect(row).to_have_attribute("data-status", "ready")
    page.click("#upload-button")
    warning = row.locator(".as-of-warning")
    expect(warning).to_contain_text("This file is as of 2025-05-12, older than newer.csv (as of 2025-06-01)")
    expect(warning).to_contain_text("Where both files have an order, this file's version counts")
    expect(row).to_have_attribute("data-status", "processed", timeout=60_000)
    expect(warning).to_be_visible()
    screenshot(page, "older-export-row")
    row.locator("a", has_text="details").click()
    expect(page.locator("#as-of-warning .superseded-count")).to_have_text(
        "This file now supersedes 1 order of newer.csv: it counts from this file, not from newer.csv;"
        " it differs in status, amount, date or stale flag."
    )
    screenshot(page, "older-export-page")


# Line 1-2 a summary whose header maps order_date and amount (Date, Total); line 3 blank; line 4 the
# table's header, which no synonym maps (Ref, Gross, When); lines 5-6 two orders, 100.00 + 200.00.
SUMMARY_ABOVE = b"Date,Total\n2025-05-31,300.00\n\nRef,Gross,When\nA1,100.00,2025-05-01\nA2,200.00,2025-05-02\n"


def test_the_mapping_step_lets_staff_pick_the_header_row_below_a_summary(upload_page):
    upload_page.set_input_files(
        "input[type=file]", {"name": "summary.csv", "mimeType": "text/csv", "buffer": SUMMARY_ABOVE}
    )
    pick = upload_page.locator("select[name=header-line]")
    expect(pick.locator("option")).to_have_text(  # every non-blank record of the searched lines
        [
            "line 1: Date, Total",
            "line 2: 2025-05-31, 300.00",
            "line 4: Ref, Gross, When",
            "line 5: A1, 100.00, 2025-05-01",
            "line 6: A2, 200.00, 2025-05-02",
        ]
    )
    expect(pick.locator("option:checked")).to_have_text("line 1: Date, Total")  # it maps 2 required columns
    assert upload_page.locator("select[name=map-amount]").input_value() == "Total"
    pick.select_option(label="line 4: Ref, Gross, When")
    expect(upload_page.locator("select[name=map-amount] option")).to_have_text(
        ["— not in this file —", "Ref", "Gross", "When"]
    )
    assert upload_page.locator("select[name=map-amount]").input_value() == ""  # Total is no cell of line 4
    row = upload_page.locator("li.file", has_text="summary.csv")
    expect(row).to_have_attribute("data-status", "needs_mapping")
    map_and_upload(upload_page, row, "summary.csv", {"order_id": "Ref", "amount": "Gross", "order_date": "When"})
    stored = Upload.objects.get(original_name="summary.csv")
    assert stored.column_mapping == {"order_id": "Ref", "amount": "Gross", "order_date": "When", "header_line": "4"}
    runtime_drain()
    uploads_sync()
    stored.refresh_from_db()
    assert (stored.manifest["header_line"], stored.rows_in, stored.manifest["amount_total"]) == (4, 2, "300.00")


def test_a_recognised_header_above_the_table_is_changed_to_the_tables_before_upload(upload_page):
    # Review B8-1's mpre2.csv: lines 2-3 a summary whose header maps every required column (order
    # "total", 3.00), line 5 the table's header, lines 6-7 orders 1 and 2 with Gross 100.00 and 200.00.
    upload_page.set_input_files("input[type=file]", {"name": "mpre2.csv", "mimeType": "text/csv", "buffer": MPRE2})
    row = upload_page.locator("li.file", has_text="mpre2.csv")
    expect(row.locator(".header-shown")).to_have_text("Header: line 2 (order_id, amount, date)")
    expect(row.locator(".header-others")).to_have_text(
        "Also looks like a header: line 5 (Order No, Gross, Amount, Date). "
        "If the orders table starts there, choose it as the header row. "
        "Choosing line 5 skips the row read now above it (line 3)."  # the summary's row "total" (B12-1)
    )
    expect(row).to_have_attribute("data-status", "ready")  # recognised: no columns to choose
    assert row.locator("select[name=map-amount]").count() == 0
    row.locator("button.change-header").click()
    row.locator("select[name=header-line]").select_option(label="line 5: Order No, Gross, Amount, Date")
    expect(row.locator(".header-shown")).to_have_text("Header: line 5 (Order No, Gross, Amount, Date)")
    expect(row.locator(".summary")).to_have_text("Choose the columns of line 5 below.")
    expect(row.locator(".header-others")).to_be_hidden()
    expect(row.locator("select[name=map-amount] option")).to_have_text(
        ["— not in this file —", "Order No", "Gross", "Amount", "Date"]
    )
    screenshot(upload_page, "header-row-changed")
    map_and_upload(upload_page, row, "mpre2.csv", {"amount": "Gross"})  # Order No and Date are offered as mapped
    stored = Upload.objects.get(original_name="mpre2.csv")
    mapped = {"order_id": "Order No", "amount": "Gross", "order_date": "Date"}
    assert stored.column_mapping == {**mapped, "header_line": "5"}
    assert processed(stored) == (5, 2, 2, {"1": Decimal("100.00"), "2": Decimal("200.00")})  # "total" is no order
    assert stored.manifest["amount_total"] == "300.00"


def processed(stored: Upload) -> tuple:
    """The stored file once the Lambda has run: (its header line, rows in, rows out, {order id: amount})."""
    runtime_drain()
    uploads_sync()
    stored.refresh_from_db()
    amounts = {r["order_id"]: r["amount"] for key in stored.manifest["outputs"] for r in read_parquet(key).to_pylist()}
    return stored.manifest["header_line"], stored.rows_in, stored.rows_out, amounts


def test_a_header_row_that_repeats_a_totals_blocks_header_is_read_from_the_line_picked(upload_page):
    # Review B10-3's twin_header.csv: line 1 "order_id,amount,order_date", 2 the totals row (Total,
    # 300.00), 3 blank, 4 the same header again, 5-6 orders T1 100.00 and T2 200.00: 300.00, not 600.00.
    upload_page.set_input_files("input[type=file]", {"name": "twin.csv", "mimeType": "text/csv", "buffer": TWIN})
    row = upload_page.locator("li.file", has_text="twin.csv")
    # Line 4 repeats line 1's header: the Lambda rejects it repeated_header, so it is said, not offered (B12-1)
    expect(row.locator(".header-others")).to_have_count(0)
    expect(row.locator(".header-repeats")).to_have_text(
        "Line 4 repeats the header row: the Lambda rejects it (“the header row again (files joined one after "
        "another?), not an order”) and reads the rows after it too."
    )
    expect(row.locator(".header-skips")).to_be_hidden()
    row.locator("button.change-header").click()
    row.locator("select[name=header-line]").select_option(label="line 4: order_id, amount, order_date")
    expect(row.locator(".header-shown")).to_have_text("Header: line 4 (order_id, amount, order_date)")
    expect(row.locator(".header-repeats")).to_be_hidden()  # said of the header found, not of the pick
    expect(row.locator(".header-skips")).to_have_text("Choosing line 4 skips the row read now above it (line 2).")
    map_and_upload(upload_page, row, "twin.csv", {})  # line 4's cells are offered as synonyms map them
    stored = Upload.objects.get(original_name="twin.csv")
    named = {"order_id": "order_id", "amount": "amount", "order_date": "order_date"}
    assert stored.column_mapping == {**named, "header_line": "4"}
    assert processed(stored) == (4, 2, 2, {"T1": Decimal("100.00"), "T2": Decimal("200.00")})
    assert stored.manifest["amount_total"] == "300.00"
