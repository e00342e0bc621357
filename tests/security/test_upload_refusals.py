"""Uploads refused before storage: disguised binaries, oversize and too many files, concurrent duplicates."""

import codecs
import gzip
import os
import random
import re
import sqlite3
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse

from ordersite.roles import UPLOADERS
from pipeline_admin.models import Upload
from tests.sample_files import xlsx_bytes
from tests.services import _wait_port, free_port

from .test_uploads import HEADER, ROW, bucket_keys, post_json


def gzip_without_nul() -> bytes:
    """A gzip of an orders CSV whose first KiB holds no NUL byte (the old check looked only for NUL).

    gzip's own writer leaves the flags byte 0; FTEXT (a hint with no extra fields) is as valid.
    """
    header = b"\x1f\x8b\x08\x01" + b"\x5a\x5a\x5a\x5a" + b"\x02\x03"  # FTEXT, an mtime, best, Unix
    for seed in range(20_000):
        rng = random.Random(seed)
        rows = "".join(f"A-{rng.randint(1, 10**9)},Acme {rng.random()},{i}.00,shipped,2025-05-01\n" for i in range(60))
        text = (HEADER.decode() + rows).encode()
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        body = header + deflate.compress(text) + deflate.flush()
        body += struct.pack("<II", zlib.crc32(text), len(text))
        if len(body) > 1024 and b"\x00" not in body[:1024]:
            assert gzip.decompress(body) == text
            return body
    raise AssertionError("no seed gave a gzip without NUL")


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

DISGUISED = {
    "a UTF-16 byte-order mark followed by zip bytes": (codecs.BOM_UTF16_LE + xlsx_bytes(), "Excel workbook (.xlsx)"),
    "a gzip without NUL in its first KiB": (gzip_without_nul(), "compressed archive (.gz)"),
    "a PDF renamed .csv": (PDF, "PDF document"),
    "an xlsx renamed .csv": (xlsx_bytes(), "Excel workbook (.xlsx)"),
}


def test_the_gzip_case_really_has_no_nul_in_its_first_kib():
    body = DISGUISED["a gzip without NUL in its first KiB"][0]
    assert body[:2] == b"\x1f\x8b" and b"\x00" not in body[:1024]


@pytest.mark.parametrize("case", sorted(DISGUISED))
def test_a_disguised_binary_is_refused_by_kind_and_never_reaches_raw(case, client, twin, uploader):
    body, kind = DISGUISED[case]
    client.force_login(uploader)
    response = post_json(client, SimpleUploadedFile("orders.csv", body), SimpleUploadedFile("good.csv", HEADER + ROW))
    outcomes = {f["name"]: f for f in response.json()["files"]}
    assert outcomes["orders.csv"]["outcome"] == "refused"
    assert outcomes["orders.csv"]["message"].startswith(f"orders.csv: this is a{'n' if kind[0] in 'EA' else ''} {kind}")
    assert bucket_keys(settings.RAW_PREFIX) == [Upload.objects.get(original_name="good.csv").key]


def test_text_with_a_byte_order_mark_and_non_ascii_names_is_accepted(client, twin, uploader):
    client.force_login(uploader)
    utf16 = codecs.BOM_UTF16_LE + (HEADER + ROW.replace(b"Acme", "Müller Ĳssel".encode())).decode().encode("utf-16-le")
    cp1252 = HEADER + ROW.replace(b"Acme", "Caf\u00e9 \u20ac".encode("cp1252"))
    response = post_json(client, SimpleUploadedFile("utf16.csv", utf16), SimpleUploadedFile("ansi.csv", cp1252))
    assert [f["outcome"] for f in response.json()["files"]] == ["stored", "stored"]


class DiskRecordingHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler, recording how many bytes each file had on disk at most."""

    written: dict[str, int] = {}

    def receive_data_chunk(self, raw_data, start):
        super().receive_data_chunk(raw_data, start)
        self.file.flush()
        DiskRecordingHandler.written[self.file_name] = self.file.tell()


@pytest.fixture
def disk_recorder(settings):
    DiskRecordingHandler.written = {}
    settings.FILE_UPLOAD_HANDLERS = [
        "pipeline_admin.upload_handlers.SizeLimitUploadHandler",
        f"{__name__}.DiskRecordingHandler",
    ]
    return DiskRecordingHandler.written


def test_an_oversize_file_is_cut_off_while_it_arrives_and_never_written_past_the_limit(
    client, twin, uploader, settings, disk_recorder
):
    settings.UPLOAD_MAX_BYTES = 256 * 1024
    big = HEADER + ROW * (2 * 1024 * 1024 // len(ROW))  # 2 MiB, under the form's request limit
    client.force_login(uploader)
    response = post_json(client, SimpleUploadedFile("big.csv", big), SimpleUploadedFile("good.csv", HEADER + ROW))
    outcomes = {f["name"]: f for f in response.json()["files"]}
    assert re.match(r"big\.csv: more than 256\.0\xa0KB arrived, over the limit", outcomes["big.csv"]["message"])
    assert 0 < disk_recorder["big.csv"] <= settings.UPLOAD_MAX_BYTES
    assert outcomes["good.csv"]["outcome"] == "stored"
    assert Upload.objects.get(original_name="big.csv").status == Upload.Status.REJECTED
    assert bucket_keys(settings.RAW_PREFIX) == [Upload.objects.get(original_name="good.csv").key]


def test_a_request_over_the_form_limit_is_refused_by_its_content_length_before_any_byte_is_kept(
    client, twin, uploader, settings, disk_recorder
):
    settings.UPLOAD_FORM_MAX_BYTES = 64 * 1024
    client.force_login(uploader)
    big = HEADER + ROW * (1024 * 1024 // len(ROW))
    response = client.post(reverse("pipeline_admin:upload"), {"files": [SimpleUploadedFile("big.csv", big)]})
    assert response.status_code == 413
    page = response.content.decode()
    assert "over the form&#x27;s limit of 64.0\xa0KB" in page and 'id="upload-form"' in page
    assert disk_recorder == {} and bucket_keys() == []


def test_the_form_refuses_more_files_than_allowed_with_the_form_and_the_limit_named(client, twin, uploader):
    client.force_login(uploader)
    files = [SimpleUploadedFile(f"f{i}.csv", HEADER + ROW.replace(b"A-1", f"A-{i}".encode())) for i in range(101)]
    response = client.post(reverse("pipeline_admin:upload"), {"files": files})
    assert response.status_code == 413
    page = response.content.decode()
    assert f"at most {settings.UPLOAD_MAX_FILES} files can be uploaded at once" in page
    assert 'id="upload-form"' in page and "nav" in page
    assert Upload.objects.count() == 0 and bucket_keys() == []


@pytest.fixture
def site_processes(tmp_path, twin):
    """The site under gunicorn with 4 worker processes over its own SQLite file, as in production:
    every request has its own database connection (the test server's threads would share one)."""
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "ordersite.settings",
    }
    base = Path(settings.BASE_DIR)

    def manage(*args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=base, env=env, check=True, capture_output=True)

    manage("migrate", "--noinput")
    manage("shell", "-c", CREATE_RACER)
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "ordersite.wsgi", "-b", f"127.0.0.1:{port}", "-w", "4", "--timeout", "60"],
        cwd=base,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port)
        yield f"http://127.0.0.1:{port}", tmp_path / "site.sqlite3"
    finally:
        server.terminate()
        server.wait(20)


CREATE_RACER = (
    "from django.contrib.auth.models import Group, User; from ordersite.roles import UPLOADERS, roles_ensure; "
    "roles_ensure(); racer = User.objects.create_user('racer', password='pw-racer-2025'); "
    "racer.groups.add(Group.objects.get(name=UPLOADERS))"
)


def logged_in(site: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{site}/accounts/login/", timeout=30)
    token = session.cookies["csrftoken"]
    form = {"username": "racer", "password": "pw-racer-2025", "csrfmiddlewaretoken": token}
    assert session.post(f"{site}/accounts/login/", data=form, timeout=30).url.rstrip("/") != f"{site}/accounts/login"
    return session


def test_four_identical_uploads_sent_at_the_same_instant_store_one_object(site_processes):
    site, database = site_processes
    sessions = [logged_in(site) for _ in range(4)]
    start = threading.Barrier(4)
    answers = []

    def send(i: int) -> None:
        session = sessions[i]
        start.wait()
        response = session.post(
            f"{site}/pipeline/upload/",
            files={"files": (f"copy-{i}.csv", HEADER + ROW, "text/csv")},
            data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
            headers={"Accept": "application/json"},
            timeout=60,
        )
        answers.append(response.json()["files"][0]["outcome"])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == ["duplicate", "duplicate", "duplicate", "stored"]
    assert len(bucket_keys(settings.RAW_PREFIX)) == 1
    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from pipeline_admin_upload where key is not null").fetchone() == (1,)


def test_the_duplicate_warning_hides_another_uploaders_file_name_and_time(client, twin, uploader, pipeline_admin):
    client.force_login(uploader)
    post_json(client, SimpleUploadedFile("secret-plans.csv", HEADER + ROW))
    first = Upload.objects.get()
    other = User.objects.create_user(username="uploader2", password="pw-uploader2")
    other.groups.add(Group.objects.get(name=UPLOADERS))
    client.force_login(other)
    [seen] = post_json(client, SimpleUploadedFile("mine.csv", HEADER + ROW)).json()["files"]
    assert seen["outcome"] == "duplicate" and "already uploaded by someone else" in seen["message"]
    for secret in ("secret-plans", "uploader", f"{first.uploaded_at:%Y-%m-%d}", f"/files/{first.pk}/"):
        assert secret not in seen["message"] + seen["url"]
    client.force_login(pipeline_admin)
    [admin_seen] = post_json(client, SimpleUploadedFile("again.csv", HEADER + ROW)).json()["files"]
    assert "as secret-plans.csv by uploader on" in admin_seen["message"] and admin_seen["url"]
