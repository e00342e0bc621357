"""The upload page in a real Chromium: files go straight to the twin's S3 in parallel parts with
progress, survive a dropped connection, are pre-checked as soon as they are chosen, and their
status follows on the page until it is final."""

import pytest
from django.conf import settings
from filter_and_process_orders.contract import MAPPABLE
from playwright.sync_api import expect

from ordersite.aws import aws_client
from pipeline_admin.models import Upload
from tests.sample_files import xlsx_bytes

from .conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PART = 5 * 1024 * 1024
GOOD = b"order_id,order_date,amount,customer,status\n1,2025-05-01,10.50,Ann,shipped\n"
UNKNOWN_HEADER = b"Ref;When;Total;Who\nA1;2025-05-01;10,50;Ann\n"


def orders_csv(min_bytes: int) -> bytes:
    rows = ["order_id,order_date,amount,customer,status\n"]
    i = 0
    while sum(map(len, rows)) < min_bytes:
        rows += [f"A-{i + j},2025-05-{1 + j % 28:02d},{10 + j % 90}.50,c-{j % 97},shipped\n" for j in range(5000)]
        i += 5000
    return "".join(rows).encode()


# Every value the page gives a progress bar, in order (the script sets `value` as parts advance).
RECORD_PROGRESS = """
const own = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
window.progressSeen = [];
Object.defineProperty(HTMLProgressElement.prototype, "value", {
  get() { return own.get.call(this); },
  set(v) { window.progressSeen.push(Number(v)); own.set.call(this, v); },
});
"""


@pytest.fixture
def upload_page(page, twin, uploader, settings):
    settings.UPLOAD_PART_BYTES = PART
    page.add_init_script(RECORD_PROGRESS)
    login(page, "uploader")
    page.goto("/pipeline/upload/")
    yield page
    page.goto("about:blank")  # the page polls statuses: stop before the test database is flushed


def s3_puts(page) -> dict:
    """Part PUTs the browser sends to the twin: how many, and the most at once."""
    seen = {"count": 0, "open": 0, "most": 0, "hosts": set()}

    def started(request):
        if request.method == "PUT":
            seen["count"] += 1
            seen["open"] += 1
            seen["most"] = max(seen["most"], seen["open"])
            seen["hosts"].add(request.url.split("/")[2])

    def ended(request):
        if request.method == "PUT":
            seen["open"] -= 1

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)
    return seen


def test_a_file_goes_straight_to_s3_in_parallel_parts_with_progress_and_its_status_follows_to_processed(
    upload_page, pipeline_loop
):
    body = orders_csv(2 * PART + 4096)
    puts = s3_puts(upload_page)
    upload_page.set_input_files("input[type=file]", [{"name": "big.csv", "mimeType": "text/csv", "buffer": body}])
    expect(upload_page.locator("li.file .check")).to_contain_text("Recognised columns: Order id ← order_id")
    upload_page.click("#upload-button")
    expect(upload_page.locator("li.file")).to_have_attribute("data-status", "processed", timeout=60_000)
    expect(upload_page.locator("li.file button.remove")).to_be_hidden()  # no "Cancel" beside a finished file
    screenshot(upload_page, "processed")
    upload = Upload.objects.get()
    assert upload.rows_in == body.count(b"\n") - 1
    assert aws_client("s3").get_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)["Body"].read() == body
    # Three parts, sent together to the twin's S3 endpoint, never through the web server.
    assert puts["count"] == 3 and puts["most"] >= 2
    assert puts["hosts"] == {settings.AWS_ENDPOINT_URL.split("/")[2]}
    progress = upload_page.evaluate("window.progressSeen")
    assert any(0 < v < 100 for v in progress) and progress[-1] == 100
    expect(upload_page.locator("li.file .note")).to_contain_text(f"big.csv: processed ({upload.rows_in} rows in")


def test_a_dropped_connection_during_a_part_is_resumed_and_the_file_is_stored_whole(upload_page):
    body = orders_csv(PART + 4096)
    dropped = []

    def drop_part_two_once(route):
        if "partNumber=2" in route.request.url and not dropped:
            dropped.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    upload_page.route(settings.AWS_ENDPOINT_URL + "/**", drop_part_two_once)
    upload_page.set_input_files("input[type=file]", [{"name": "orders.csv", "mimeType": "text/csv", "buffer": body}])
    expect(upload_page.locator("li.file[data-status=ready]")).to_have_count(1)
    upload_page.click("#upload-button")
    expect(upload_page.locator("li.file")).to_have_attribute("data-status", "uploaded", timeout=60_000)
    assert len(dropped) == 1
    upload = Upload.objects.get()
    assert aws_client("s3").get_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)["Body"].read() == body
    assert aws_client("s3").list_multipart_uploads(Bucket=settings.PIPELINE_BUCKET).get("Uploads", []) == []


def test_each_chosen_file_shows_its_precheck_at_once_and_can_be_removed_before_upload(upload_page, settings):
    settings.UPLOAD_MAX_BYTES = 2 * PART
    upload_page.reload()  # the page reads the limit when it renders
    upload_page.set_input_files(
        "input[type=file]",
        [
            {"name": "good.csv", "mimeType": "text/csv", "buffer": GOOD},
            {"name": "export.csv", "mimeType": "text/csv", "buffer": UNKNOWN_HEADER},
            {"name": "book.csv", "mimeType": "text/csv", "buffer": xlsx_bytes()},
            {"name": "huge.csv", "mimeType": "text/csv", "buffer": orders_csv(2 * PART + 1)},
        ],
    )
    rows = {name: upload_page.locator("li.file", has_text=name) for name in ("good", "export", "book", "huge")}
    expect(rows["good"].locator(".check")).to_contain_text("Recognised columns: Order id ← order_id")
    expect(rows["export"].locator("select[name=map-order_date]")).to_be_visible()
    expect(rows["book"].locator(".check")).to_contain_text("book.csv: this is an Excel workbook (.xlsx)")
    expect(rows["huge"].locator(".check")).to_contain_text("is over the limit of 10.0 MB")
    screenshot(upload_page, "prechecked")
    rows["book"].get_by_role("button", name="Remove book.csv").click()
    rows["huge"].get_by_role("button", name="Remove huge.csv").click()
    expect(upload_page.locator("li.file")).to_have_count(2)
    for column, header in (("order_id", "Ref"), ("order_date", "When"), ("amount", "Total")):
        rows["export"].locator(f"select[name=map-{column}]").select_option(header)
    upload_page.click("#upload-button")
    expect(upload_page.locator("li.file[data-status=uploaded]")).to_have_count(2, timeout=30_000)
    assert sorted(Upload.objects.values_list("original_name", flat=True)) == ["export.csv", "good.csv"]
    assert Upload.objects.get(original_name="export.csv").column_mapping == {
        "order_id": "Ref",
        "order_date": "When",
        "amount": "Total",
        "header_line": "1",  # the line whose cells were mapped
    }


def test_the_page_offers_a_template_and_the_recognised_column_names(upload_page):
    expect(upload_page.locator("#columns")).to_contain_text("orderid, orderno, ordernumber")
    template = upload_page.request.get(upload_page.get_attribute("#columns a[download]", "href"))
    header = template.text().splitlines()[0].split(",")
    assert set(header[:3]) == {"order_id", "order_date", "amount"} and set(header) == set(MAPPABLE)
