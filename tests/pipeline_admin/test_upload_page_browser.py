"""The upload page's script in a real Chromium: per-file progress, mapping, drag & drop, duplicates."""

import json
import os
import shutil

import pytest
from playwright.sync_api import expect

from ordersite.roles import UPLOADERS, roles_ensure
from pipeline_admin.models import Upload

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
GOOD = b"order_id,order_date,amount,customer,status\n1,2025-05-01,10.50,Ann,shipped\n"
UNKNOWN_HEADER = b"Ref;When;Total;Who\nA1;2025-05-01;10,50;Ann\n"

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed")]


@pytest.fixture
def page(live_server, twin, client, monkeypatch):
    from django.contrib.auth.models import Group, User
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls here stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    roles_ensure()
    user = User.objects.create_user("dropper", password="x")
    user.groups.add(Group.objects.get(name=UPLOADERS))
    client.force_login(user)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        tab = context.new_page()
        tab.goto(live_server.url + "/pipeline/upload/")
        yield tab
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_each_file_gets_a_progress_bar_and_an_unrecognised_header_is_mapped_before_upload(page):
    page.set_input_files(
        "input[type=file]",
        [
            {"name": "good.csv", "mimeType": "text/csv", "buffer": GOOD},
            {"name": "export.csv", "mimeType": "text/csv", "buffer": UNKNOWN_HEADER},
        ],
    )
    page.wait_for_selector("select[name=map-order_date]")
    assert page.locator("select[name=map-customer]").input_value() == ""  # "Who" is no synonym the Lambda knows
    page.select_option("select[name=map-order_id]", "Ref")
    page.select_option("select[name=map-order_date]", "When")
    page.select_option("select[name=map-amount]", "Total")
    page.click("#upload-button")
    page.wait_for_selector("text=good.csv: stored")
    page.wait_for_selector("text=export.csv: stored")
    assert page.eval_on_selector_all("#file-list progress", "bars => bars.map(b => b.value)") == [100, 100]
    export = Upload.objects.get(original_name="export.csv")
    assert export.column_mapping == {"order_id": "Ref", "order_date": "When", "amount": "Total"}


def test_a_dropped_file_is_uploaded_and_a_duplicate_is_stored_only_after_confirming(page):
    drop = (
        "() => { const dt = new DataTransfer(); "
        f'dt.items.add(new File([{json.dumps(GOOD.decode())}], "dropped.csv", {{type: "text/csv"}})); return dt; }}'
    )
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": page.evaluate_handle(drop)})
    page.click("#upload-button")
    page.wait_for_selector("text=dropped.csv: stored")
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": page.evaluate_handle(drop)})
    page.click("#upload-button")
    page.wait_for_selector("text=the same content was already uploaded")
    assert Upload.objects.count() == 1
    page.click("text=Store it again")
    expect(page.locator("#file-list .note.ok")).to_have_count(2)
    assert Upload.objects.count() == 2
