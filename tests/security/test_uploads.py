"""Hostile uploads are refused by name, recorded as refused, and never reach raw/."""

import io
import json
import re
from datetime import date

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from ordersite.aws import aws_client
from pipeline_admin.checks import MAX_LINE_BYTES
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_receive

HEADER = b"OrderID,Customer,Amount,Status,OrderDate\n"
ROW = b"A-1,Acme,10.00,confirmed,2025-05-01\n"


def bucket_keys(prefix: str = "") -> list[str]:
    response = aws_client("s3").list_objects_v2(Bucket=settings.PIPELINE_BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in response.get("Contents", []))


def post_json(client, *files):
    return client.post(reverse("pipeline_admin:upload"), {"files": list(files)}, HTTP_ACCEPT="application/json")


HOSTILE = {
    "oversize": ("big.csv", HEADER + ROW * 20, r"big\.csv: more than 200\xa0bytes arrived, over the limit of 200"),
    "binary": ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "photo.csv: this is a binary"),
    "zip": ("book.csv", b"PK\x03\x04" + b"\x00" * 100, r"book\.csv: this is a zip archive or an Excel workbook"),
    "no header in the first block": (
        "blank.csv",
        b"\r\n" * 40_000 + HEADER + ROW,  # 80,000 bytes of blank lines: past the block the Lambda searches
        r"blank\.csv: no header row found in the first 64\.0\xa0KB",
    ),
    "long line": (
        "line.csv",
        HEADER + ROW + b"A-2," + b"x" * (5 * 1024 * 1024) + b",1.00,confirmed,2025-05-01\n",
        r"line\.csv: line 3 is longer than 64\.0\xa0KB",
    ),
    "long line at the end": ("tail.csv", HEADER + ROW * 3 + b"y" * (MAX_LINE_BYTES + 1), "tail.csv: line 5 is longer"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_is_refused_by_name_and_nothing_lands_in_raw(case, client, twin, uploader, settings):
    name, body, message = HOSTILE[case]
    if case == "oversize":
        settings.UPLOAD_MAX_BYTES = 200
    client.force_login(uploader)
    response = post_json(client, SimpleUploadedFile(name, body), SimpleUploadedFile("good.csv", HEADER + ROW))
    outcomes = {f["name"]: f for f in response.json()["files"]}
    assert outcomes[name]["outcome"] == "refused" and re.match(message, outcomes[name]["message"])
    assert outcomes["good.csv"]["outcome"] == "stored"  # one bad file does not block the others
    refused = Upload.objects.get(original_name=name)
    assert refused.status == Upload.Status.REJECTED and refused.key is None and refused.status_reason
    assert bucket_keys(settings.RAW_PREFIX) == [Upload.objects.get(original_name="good.csv").key]


def test_a_normal_export_with_long_but_sane_lines_is_accepted(client, twin, uploader):
    client.force_login(uploader)
    row = b"A-9,Acme " + b"Holdings " * 2000 + b",10.00,confirmed,2025-05-01\r\n"  # 18 KB: a long name, still a row
    response = post_json(client, SimpleUploadedFile("wide-rows.csv", HEADER + row * 50))
    assert response.json()["files"][0]["outcome"] == "stored"


class NamedBytes(io.BytesIO):
    """A file object whose name is whatever a caller passes: not every caller is Django's multipart parser."""

    def __init__(self, name: str, body: bytes):
        super().__init__(body)
        self.name, self.size = name, len(body)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.csv", "..\\..\\Windows\\win.csv", "/etc/cron.d/orders.csv", "orders\x00.csv.exe.csv"]
)
def test_a_file_name_with_folders_or_control_characters_is_refused_by_any_caller(name, twin, uploader):
    [outcome] = uploads_receive(
        user=uploader, files=[NamedBytes(name, HEADER + ROW)], as_of=None, column_mapping={}, allow_duplicate=False
    )
    assert outcome.outcome == "refused"
    assert outcome.message == f"{name!r}: a file name may not contain folders or control characters"
    assert Upload.objects.get().key is None
    assert bucket_keys() == []


def _multipart(filename: str, body: bytes) -> tuple[bytes, str]:
    """A request body as a hostile client writes it (Django's test client would strip the path first)."""
    boundary = "hostileBoundary8b"
    payload = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + body
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return payload, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "filename", ["../../../etc/passwd.csv", "..\\..\\boot.csv", "..%2F..%2Fsecrets.csv", "&#x2e;&#x2e;&#x2f;x.csv"]
)
def test_a_path_traversal_name_sent_over_http_never_leaves_raw(filename, client, twin, uploader):
    client.force_login(uploader)
    payload, content_type = _multipart(filename, HEADER + ROW)
    response = client.post(
        reverse("pipeline_admin:upload"), payload, content_type=content_type, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200, response.content
    [stored] = Upload.objects.all()
    day = f"{settings.RAW_PREFIX}{stored.uploaded_at:%Y/%m/%d}/"
    # One object, directly in today's raw/ folder: no folder of the name survives into the key.
    assert bucket_keys() == [stored.key]
    assert re.fullmatch(re.escape(day) + r"[0-9a-f]{20}__[A-Za-z0-9._-]+\.csv", stored.key), stored.key


def test_the_lambda_rejects_an_absurdly_long_line_with_a_clear_reason(twin):
    huge = b"A-2," + b"x" * (5 * 1024 * 1024) + b",1.00,confirmed,2025-05-01\n"
    # Straight to raw/ as a script with S3 access would: the Lambda is the last line of defence.
    upload = upload_create(user=None, fileobj=io.BytesIO(HEADER + ROW + huge), name="huge.csv", as_of=date(2025, 6, 1))
    runtime_drain()
    [manifest] = [m for m in _manifests() if m["source_key"] == upload.key]
    reasons = json.dumps([manifest.get("reason"), manifest.get("reasons"), manifest.get("rejected_sample")])[:5000]
    assert manifest["rows_out"] == 1 and re.search(r"too long|longer than", reasons), reasons


def _manifests() -> list[dict]:
    s3 = aws_client("s3")
    return [
        json.loads(s3.get_object(Bucket=settings.PIPELINE_BUCKET, Key=key)["Body"].read())
        for key in bucket_keys(settings.MANIFEST_PREFIX)
    ]


README_NAMES = "so `../../orders.csv` is stored as `orders.csv`"


@pytest.mark.parametrize("filename", ["../../orders.csv", "..\\..\\orders.csv", "ord\x07ers.csv", "ord\x1bers.csv"])
def test_the_readme_says_what_happens_to_a_name_with_folders_or_control_characters(filename, client, twin, uploader):
    """Over HTTP Django cleans the name before any check, so it is stored, not refused (README: File names)."""
    readme = " ".join((settings.BASE_DIR / "README.md").read_text().split())
    assert README_NAMES in readme
    assert "names with folders or control characters, oversize, binary" not in readme  # the old, untrue promise
    client.force_login(uploader)
    payload, content_type = _multipart(filename, HEADER + ROW)
    response = client.post(
        reverse("pipeline_admin:upload"), payload, content_type=content_type, HTTP_ACCEPT="application/json"
    )
    assert response.json()["files"][0]["outcome"] == "stored"
    [stored] = Upload.objects.all()
    assert stored.original_name == "orders.csv" and stored.key.endswith("__orders.csv")


def test_the_readme_names_the_upload_limits_the_settings_enforce():
    readme = " ".join((settings.BASE_DIR / "README.md").read_text().split())
    assert settings.UPLOAD_MAX_BYTES == 1024**3 and "`UPLOAD_MAX_BYTES` (1 GiB)" in readme
    assert settings.UPLOAD_FORM_MAX_BYTES == 100 * 1024**2 and "`UPLOAD_FORM_MAX_BYTES` (100 MiB)" in readme
    assert settings.UPLOAD_MAX_FILES == 100 and "`UPLOAD_MAX_FILES` (100) files" in readme
    assert filesizeformat(MAX_LINE_BYTES) == "64.0\xa0KB" and "a line over 64 KB" in readme
