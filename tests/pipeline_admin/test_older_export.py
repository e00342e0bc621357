"""An older export uploaded after a newer one (reviewer F4): every report takes each order's
latest version by upload (DESIGN "One truth across uploads"), so where both exports have an
order the older file's version counts. Nothing is refused; staff are told at upload, on the
file's page and in the file list, naming the newer file and both dates.

The two exports are written here and go through the real upload paths and the real Lambda on
the twin. What the warning must say is worked out by hand from them: NEWER (as of 2025-06-01)
cancels order 2; OLDER (as of 2025-05-12) still has it shipped; they share orders 1 and 2.
"""

import hashlib
import importlib
import io
import re
from datetime import date

import pytest
import requests
from django.apps import apps as django_apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from pipeline_admin import actions, tasks
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync

HEADER = "order_id,customer,amount,status,order_date\n"
# Order 2 is cancelled 22 days before 2025-06-01: not stale, so the cancellation counts.
NEWER = HEADER + "1,Ann,10.00,shipped,2025-05-05\n2,Bob,20.00,cancelled,2025-05-10\n3,Cy,30.00,shipped,2025-05-20\n"
OLDER = HEADER + "1,Ann,10.00,shipped,2025-05-05\n2,Bob,20.00,shipped,2025-05-10\n4,Di,40.00,pending,2025-05-11\n"
WHAT_HAPPENS = "Where both files have an order, this file's version counts, because it was uploaded later"
SITE = settings.UPLOAD_CORS_ORIGINS[0]


def form_upload(client, name: str, text: str, as_of: str = ""):
    data = {"files": [SimpleUploadedFile(name, text.encode(), "text/csv")], "as_of": as_of}
    return client.post(reverse("pipeline_admin:upload"), data, follow=True)


def plain(html: str) -> str:
    """The page's text as a reader sees it (Django escapes the apostrophe in "file's")."""
    return re.sub(r"\s+", " ", html.replace("&#x27;", "'"))


def upload(name: str, text: str, as_of: str, user=None) -> Upload:
    return upload_create(user=user, fileobj=io.BytesIO(text.encode()), name=name, as_of=date.fromisoformat(as_of))


def test_an_older_export_uploaded_after_a_newer_one_is_warned_naming_the_newer_file_and_both_dates(
    client, twin, uploader
):
    client.force_login(uploader)
    form_upload(client, "newer.csv", NEWER, "2025-06-01")
    answer = plain(form_upload(client, "older.csv", OLDER, "2025-05-12").content.decode())
    assert "older.csv: This file is as of 2025-05-12, older than newer.csv (as of 2025-06-01)" in answer
    assert WHAT_HAPPENS in answer
    older = Upload.objects.get(original_name="older.csv")
    assert older.status == Upload.Status.UPLOADED and older.key  # warned, not refused
    assert [c["name"] for c in older.as_of_conflicts] == ["newer.csv"]

    runtime_drain()
    uploads_sync()
    page = plain(client.get(reverse("pipeline_admin:upload_detail", args=[older.pk])).content.decode())
    assert 'id="as-of-warning"' in page and "older than newer.csv (as of 2025-06-01)" in page
    assert WHAT_HAPPENS in page
    newer = Upload.objects.get(original_name="newer.csv")
    newer_page = client.get(reverse("pipeline_admin:upload_detail", args=[newer.pk])).content.decode()
    assert 'id="as-of-warning"' not in newer_page
    listing = client.get(reverse("pipeline_admin:uploads")).content.decode()
    rows = dict(re.findall(r'<tr data-upload="(\d+)">(.*?)</tr>', listing, flags=re.S))
    assert "as-of-flag" in rows[str(older.pk)] and "as-of-flag" not in rows[str(newer.pk)]


def test_no_warning_when_exports_are_uploaded_in_as_of_order_or_share_their_as_of(client, twin, uploader):
    client.force_login(uploader)
    form_upload(client, "may.csv", OLDER, "2025-05-12")
    in_order = plain(form_upload(client, "june.csv", NEWER, "2025-06-01").content.decode())
    again = form_upload(client, "june-again.csv", NEWER + "5,Eve,5.00,shipped,2025-05-30\n", "2025-06-01")
    same_day = plain(again.content.decode())
    assert "older than" not in in_order and "older than" not in same_day
    assert list(Upload.objects.exclude(as_of_conflicts=[]).values_list("original_name", flat=True)) == []


def test_a_file_without_an_as_of_is_as_of_its_upload_day(twin):
    """Monday's export without an as-of is as of Monday; an export as of last year uploaded after it is older."""
    undated = upload_create(user=None, fileobj=io.BytesIO(NEWER.encode()), name="today.csv")
    older = upload("last-year.csv", OLDER, "2025-05-12")
    assert older.as_of_conflicts == [
        {
            "upload_id": undated.pk,
            "name": "today.csv",
            "as_of": undated.uploaded_at.date().isoformat(),
            "uploaded_at": undated.uploaded_at.isoformat(),
        }
    ]
    later = upload_create(user=None, fileobj=io.BytesIO(OLDER.encode() + b"\n"), name="undated-later.csv")
    assert later.as_of_conflicts == []  # no as-of: as of today, not older than anything uploaded before


def test_a_newer_export_whose_output_was_deleted_is_not_warned_about(twin, pipeline_admin):
    newer = upload("newer.csv", NEWER, "2025-06-01")
    runtime_drain()
    uploads_sync()
    actions.upload_output_delete(upload=Upload.objects.get(pk=newer.pk), user=pipeline_admin)
    assert upload("older.csv", OLDER, "2025-05-12").as_of_conflicts == []


def test_the_page_says_when_the_newer_export_no_longer_counts(client, twin, pipeline_admin):
    newer = upload("newer.csv", NEWER, "2025-06-01")
    older = upload("older.csv", OLDER, "2025-05-12")
    runtime_drain()
    uploads_sync()
    actions.upload_output_delete(upload=Upload.objects.get(pk=newer.pk), user=pipeline_admin)
    client.force_login(pipeline_admin)
    page = plain(client.get(reverse("pipeline_admin:upload_detail", args=[older.pk])).content.decode())
    assert "older than newer.csv (as of 2025-06-01)" in page  # the fact at upload stays
    assert "That file no longer counts" in page


def test_once_the_older_files_output_is_deleted_its_page_says_its_versions_no_longer_count(
    client, twin, pipeline_admin
):
    """Review B11-7: the page kept saying this file's versions count and offering to delete its output."""
    upload("newer.csv", NEWER, "2025-06-01")
    older = upload("older.csv", OLDER, "2025-05-12")
    runtime_drain()
    uploads_sync()
    client.force_login(pipeline_admin)
    url = reverse("pipeline_admin:upload_detail", args=[older.pk])
    assert WHAT_HAPPENS in plain(client.get(url).content.decode())  # while it counts
    actions.upload_output_delete(upload=Upload.objects.get(pk=older.pk), user=pipeline_admin)
    page = plain(client.get(url).content.decode())
    assert "This file is as of 2025-05-12, older than newer.csv (as of 2025-06-01), uploaded before it " in page
    gone = (
        "Its processed output was deleted, so its versions no longer count: where both files have an order, "
        "what newer.csv says of it counts. Nothing is lost: both raw files are kept."
    )
    assert gone in page and WHAT_HAPPENS not in page
    assert "no longer counting: nothing is overridden</h2>" in page
    assert '<section class="message info" id="as-of-warning">' in page
    assert 'id="as-of-actions"' not in page and "delete this file's processed output" not in page
    assert "Delete processed output" not in page


def test_another_uploaders_file_is_not_named_to_an_uploader(client, twin, uploader, pipeline_admin):
    upload("admins-june.csv", NEWER, "2025-06-01", user=pipeline_admin)
    client.force_login(uploader)
    answer = plain(form_upload(client, "older.csv", OLDER, "2025-05-12").content.decode())
    assert "older than a file uploaded by someone else (as of 2025-06-01)" in answer
    assert "admins-june.csv" not in answer


def test_the_command_line_prints_the_warning(twin, tmp_path):
    upload("newer.csv", NEWER, "2025-06-01")
    (tmp_path / "older.csv").write_text(OLDER)
    out, err = io.StringIO(), io.StringIO()
    call_command("upload", str(tmp_path / "older.csv"), "--as-of", "2025-05-12", stdout=out, stderr=err)
    assert "stored" in out.getvalue()
    warning = "warning: older.csv: This file is as of 2025-05-12, older than newer.csv (as of 2025-06-01)"
    assert warning in err.getvalue()


@pytest.mark.parametrize(("as_of", "warned"), [("2025-05-12", True), ("2025-06-01", False)])
def test_a_file_sent_straight_to_s3_gets_the_warning_with_its_answer(client, twin, uploader, as_of, warned):
    upload("newer.csv", NEWER, "2025-06-01", user=uploader)
    client.force_login(uploader)
    body = OLDER.encode()
    fields = {"name": "older.csv", "size": len(body), "sha256": hashlib.sha256(body).hexdigest(), "as_of": as_of}
    plan = client.post(reverse("pipeline_admin:upload_direct_begin"), fields).json()
    urls = client.post(plan["parts_url"], {"numbers": "1"}).json()["urls"]
    assert requests.put(urls["1"], data=body, headers={"Origin": SITE}, timeout=30).status_code == 200
    answer = client.post(plan["complete_url"]).json()["file"]
    assert answer["outcome"] == "stored"
    if warned:
        assert answer["warning"].startswith("older.csv: This file is as of 2025-05-12, older than newer.csv")
        assert WHAT_HAPPENS in answer["warning"]
    else:
        assert answer["warning"] == ""


def detail(client, upload_id: int, capture) -> str:
    """The file's page as a browser follows it: the first view starts the count's job (run here,
    as a worker would, once the request commits), the page asks again and shows the count."""
    with capture(execute=True):
        first = plain(client.get(reverse("pipeline_admin:upload_detail", args=[upload_id])).content.decode())
    assert 'id="superseded-counting"' in first
    return plain(client.get(reverse("pipeline_admin:upload_detail", args=[upload_id])).content.decode())


@pytest.fixture
def older_after_newer(twin, client, pipeline_admin) -> Upload:
    """NEWER, then OLDER uploaded after it, both processed by the Lambda; an admin logged in."""
    upload("newer.csv", NEWER, "2025-06-01")
    older = upload("older.csv", OLDER, "2025-05-12")
    runtime_drain()
    uploads_sync()
    client.force_login(pipeline_admin)
    return older


def test_the_page_counts_the_orders_of_the_newer_export_the_older_file_now_supersedes(
    client, older_after_newer, django_capture_on_commit_callbacks
):
    """By hand: both files have orders 1 and 2, and the older file landed later, so both count
    from it (2); order 2 differs (shipped here, cancelled in the newer export), order 1 does not (1)."""
    page = detail(client, older_after_newer.pk, django_capture_on_commit_callbacks)
    assert 'data-orders="2" data-changed="1"' in page
    assert "This file now supersedes 2 orders of newer.csv: they count from this file, not from newer.csv" in page
    assert reverse("pipeline_admin:upload_output_delete", args=[older_after_newer.pk]) in page  # what staff can do
    listing = client.get(reverse("pipeline_admin:uploads")).content.decode()
    assert "2 orders superseded" in listing


def test_the_newer_export_uploaded_again_takes_its_orders_back(
    client, older_after_newer, django_capture_on_commit_callbacks
):
    """The action the page offers: the newer export stored again lands last, so its versions
    count again and the older file supersedes none of the first copy's orders (0)."""
    upload_create(user=None, fileobj=io.BytesIO(NEWER.encode()), name="newer.csv", allow_duplicate=True)
    runtime_drain()
    uploads_sync()
    page = detail(client, older_after_newer.pk, django_capture_on_commit_callbacks)
    assert 'data-orders="0" data-changed="0"' in page
    assert "This file now supersedes 0 orders of newer.csv." in page


def test_the_status_sync_counts_them_before_anyone_opens_the_page(
    client, twin, pipeline_admin, settings, django_capture_on_commit_callbacks
):
    """The beat task that sees the older file processed starts its count (by hand: 2, as above),
    so the Files list shows it without a visit to the file's page."""
    settings.DASHBOARD_WARM_ON_NEW_DATA = False  # the default views are another test's business
    upload("newer.csv", NEWER, "2025-06-01")
    upload("older.csv", OLDER, "2025-05-12")
    runtime_drain()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.uploads_sync()
    client.force_login(pipeline_admin)
    listing = client.get(reverse("pipeline_admin:uploads")).content.decode()
    assert '<span class="superseded-count" data-orders="2">2 orders superseded</span>' in listing


def test_files_uploaded_before_conflicts_were_recorded_are_flagged_by_the_data_migration(twin):
    """Migration 0008 over files processed before 0007 recorded anything (their conflicts emptied
    here): by hand only older.csv, landed after newer.csv with an earlier as-of, is flagged."""
    newer = upload("newer.csv", NEWER, "2025-06-01")
    upload("older.csv", OLDER, "2025-05-12")
    upload("later.csv", NEWER + "5,Eve,5.00,shipped,2025-05-30\n", "2025-06-02")
    runtime_drain()
    uploads_sync()
    Upload.objects.update(as_of_conflicts=[])
    importlib.import_module("pipeline_admin.migrations.0008_upload_as_of_conflicts_backfill").backfill(
        django_apps, None
    )
    recorded = dict(Upload.objects.values_list("original_name", "as_of_conflicts"))
    assert recorded == {
        "newer.csv": [],
        "older.csv": [
            {
                "upload_id": newer.pk,
                "name": "newer.csv",
                "as_of": "2025-06-01",
                "uploaded_at": newer.uploaded_at.isoformat(),
            }
        ],
        "later.csv": [],
    }


def test_an_older_export_sharing_no_order_with_the_newer_one_is_a_note_not_a_warning(
    client, twin, pipeline_admin, django_capture_on_commit_callbacks
):
    """Review F16: the older file's orders 7 and 8 are none of NEWER's (1, 2, 3): by hand it
    supersedes 0 orders, so the page says so without the warning's actions, and the list has no flag."""
    upload("newer.csv", NEWER, "2025-06-01")
    apart = upload("apart.csv", HEADER + "7,Ed,5.00,shipped,2025-05-05\n8,Flo,6.00,shipped,2025-05-06\n", "2025-05-12")
    runtime_drain()
    uploads_sync()
    client.force_login(pipeline_admin)
    page = detail(client, apart.pk, django_capture_on_commit_callbacks)
    assert 'data-orders="0" data-changed="0"' in page
    assert '<section class="message info" id="as-of-warning">' in page
    assert "sharing no order with it: nothing is overridden" in page and 'id="as-of-actions"' not in page
    listing = client.get(reverse("pipeline_admin:uploads")).content.decode()
    rows = dict(re.findall(r'<tr data-upload="(\d+)">(.*?)</tr>', listing, flags=re.S))
    assert "as-of-flag" not in rows[str(apart.pk)]


def test_an_earlier_exports_orders_already_superseded_by_another_upload_are_not_counted_for_it(
    client, twin, pipeline_admin, django_capture_on_commit_callbacks
):
    """Review B7-6: FIRST (as of 2025-05-30) has orders 1 and 2; NEWER (as of 2025-06-01, uploaded
    after it) supersedes both; OLDER (as of 2025-05-12) lands last. By hand: OLDER takes orders 1
    and 2 from NEWER (2, order 2 differs: shipped here, cancelled there), and none from FIRST, whose
    versions had stopped counting when NEWER landed (0: they share orders, but it overrides none)."""
    upload("first.csv", HEADER + "1,Ann,9.00,shipped,2025-05-05\n2,Bob,20.00,shipped,2025-05-10\n", "2025-05-30")
    upload("newer.csv", NEWER, "2025-06-01")
    older = upload("older.csv", OLDER, "2025-05-12")
    runtime_drain()
    uploads_sync()
    client.force_login(pipeline_admin)
    page = detail(client, older.pk, django_capture_on_commit_callbacks)
    assert (
        "This file now supersedes 2 orders of newer.csv: they count from this file, not from newer.csv;"
        " 1 of them differs" in page
    )
    assert "This file now supersedes 0 orders of first.csv." in page


def test_an_order_the_older_exports_reference_date_counts_again_is_counted_among_those_that_differ(
    client, twin, pipeline_admin, django_capture_on_commit_callbacks
):
    """Review B8-3: X (as of 2025-06-10), then Y (as of 2025-05-25) uploaded after it; both have
    orders 50, 51, 52, all dated 2025-05-01. By hand, with the default stale rule (pending and
    cancelled, 30 days or more before the reference date): in X, 50 (cancelled) and 52 (pending) are
    40 days old, stale; in Y, 50 is shipped and 52 is pending but 24 days old, not stale. Y
    supersedes all 3; 50 differs in status, 52 in its stale flag only (it counts again: +7.00 in every
    report), 51 in nothing: 2 differ."""
    header = "order_id,amount,status,order_date\n"
    same = "51,5.00,shipped,2025-05-01\n52,7.00,pending,2025-05-01\n"
    upload("X.csv", header + "50,20.00,cancelled,2025-05-01\n" + same, "2025-06-10")
    y = upload("Y.csv", header + "50,20.00,shipped,2025-05-01\n" + same, "2025-05-25")
    runtime_drain()
    uploads_sync()
    client.force_login(pipeline_admin)
    page = detail(client, y.pk, django_capture_on_commit_callbacks)
    assert 'data-orders="3" data-changed="2"' in page
    assert (
        "This file now supersedes 3 orders of X.csv: they count from this file, not from X.csv;"
        " 2 of them differ in status, amount, date or stale flag." in page
    )
