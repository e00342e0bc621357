"""Browser uploads straight to S3: presigned parts, the server's checks of the stored object, resume, abort, CORS.

The parts are PUT over HTTP to the twin with the site's Origin, as the page's script sends them.
"""

import hashlib
import json
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ordersite.aws import aws_client
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import uploads_sync
from pipeline_admin.tasks import uploads_sync as beat_sync
from tests.sample_files import xlsx_bytes

SITE = settings.UPLOAD_CORS_ORIGINS[0]  # the site's own origin, which the twin's bootstrap allows
PART = 5 * 1024 * 1024


def orders_csv(min_bytes: int) -> bytes:
    rows, i = ["order_id,order_date,amount,customer,status\n"], 0
    size = len(rows[0])
    while size < min_bytes:
        row = f"A-{i},2025-05-{1 + i % 28:02d},{10 + i % 90}.50,customer-{i % 97},shipped\n"
        rows.append(row)
        size += len(row)
        i += 1
    return "".join(rows).encode()


def keys(prefix: str = "") -> list[str]:
    response = aws_client("s3").list_objects_v2(Bucket=settings.PIPELINE_BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in response.get("Contents", []))


def begin(client, name: str, body: bytes, **fields):
    data = {"name": name, "size": len(body), "sha256": hashlib.sha256(body).hexdigest(), **fields}
    return client.post(reverse("pipeline_admin:upload_direct_begin"), data, HTTP_ACCEPT="application/json")


def put_parts(client, plan: dict, body: bytes, numbers: list[int] | None = None) -> None:
    numbers = numbers or list(range(1, plan["part_count"] + 1))
    urls = client.post(plan["parts_url"], {"numbers": ",".join(map(str, numbers))}).json()["urls"]
    for n in numbers:
        chunk = body[(n - 1) * plan["part_bytes"] : n * plan["part_bytes"]]
        response = requests.put(urls[str(n)], data=chunk, headers={"Origin": SITE}, timeout=30)
        assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == SITE


@pytest.fixture
def small_parts(settings):
    settings.UPLOAD_PART_BYTES = PART


def test_a_file_sent_in_parts_straight_to_s3_is_checked_then_moved_to_raw_with_its_metadata(
    client, twin, uploader, small_parts
):
    body = orders_csv(2 * PART + 1024)
    client.force_login(uploader)
    mapping = json.dumps({"customer": "customer"})
    plan = begin(client, "big orders.csv", body, as_of="2025-06-01", mapping=mapping).json()
    assert plan["part_count"] == 3 and plan["parts_done"] == []
    assert Upload.objects.get().status == Upload.Status.RECEIVING and keys(settings.RAW_PREFIX) == []
    put_parts(client, plan, body)
    result = client.post(plan["complete_url"]).json()["file"]
    upload = Upload.objects.get()
    assert result["outcome"] == "stored" and upload.status == Upload.Status.UPLOADED
    assert keys(settings.RAW_PREFIX) == [upload.key] and keys(settings.INCOMING_PREFIX) == []
    stored = aws_client("s3").get_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)
    assert stored["Body"].read() == body
    assert stored["Metadata"] == {
        "upload-id": upload.key.rsplit("/", 1)[-1].split("__")[0],
        "uploader": "uploader",
        "original-name": "big-orders.csv",
        "sha256": hashlib.sha256(body).hexdigest(),
        "as-of": "2025-06-01",
        "mapping": '{"customer":"customer"}',
    }
    runtime_drain()
    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED and upload.rows_in == body.count(b"\n") - 1


def test_a_workbook_sent_straight_to_s3_is_refused_deleted_and_never_reaches_raw(client, twin, uploader):
    body = xlsx_bytes()
    client.force_login(uploader)
    plan = begin(client, "orders.csv", body).json()
    put_parts(client, plan, body)
    result = client.post(plan["complete_url"]).json()["file"]
    assert result["outcome"] == "refused" and "orders.csv: this is an Excel workbook (.xlsx)" in result["message"]
    upload = Upload.objects.get()
    assert (upload.status, upload.key, upload.content_claim) == (Upload.Status.REJECTED, None, None)
    assert keys() == []


def test_a_declared_size_over_the_limit_is_refused_before_anything_is_signed(client, twin, uploader, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    client.force_login(uploader)
    response = client.post(
        reverse("pipeline_admin:upload_direct_begin"), {"name": "big.csv", "size": 5000, "sha256": "a" * 64}
    )
    assert response.status_code == 422 and "is over the limit of 1000" in response.json()["file"]["message"]
    assert Upload.objects.get().status == Upload.Status.REJECTED
    assert aws_client("s3").list_multipart_uploads(Bucket=settings.PIPELINE_BUCKET).get("Uploads", []) == []


def test_an_object_whose_size_is_not_the_declared_one_is_refused_and_deleted(client, twin, uploader):
    body = orders_csv(2000)
    client.force_login(uploader)
    plan = begin(client, "orders.csv", body + b"9,2025-05-01,1.00,x,shipped\n").json()  # declares more bytes
    put_parts(client, plan, body)
    result = client.post(plan["complete_url"]).json()["file"]
    assert result["outcome"] == "refused" and "were declared" in result["message"]
    assert keys() == []


def test_choosing_the_same_file_again_resumes_with_the_parts_s3_already_holds(client, twin, uploader, small_parts):
    body = orders_csv(2 * PART + 10)
    client.force_login(uploader)
    plan = begin(client, "orders.csv", body).json()
    put_parts(client, plan, body, [1, 3])  # then the network dropped
    again = begin(client, "orders.csv", body).json()
    assert again["id"] == plan["id"] and again["parts_done"] == [1, 3]
    early = client.post(plan["complete_url"])
    assert early.status_code == 409 and "parts [2] have not arrived" in early.json()["file"]["message"]
    put_parts(client, again, body, [2])
    assert client.post(plan["complete_url"]).json()["file"]["outcome"] == "stored"
    assert Upload.objects.count() == 1


def test_a_cancelled_upload_leaves_no_parts_and_no_record(client, twin, uploader, small_parts):
    body = orders_csv(PART + 10)
    client.force_login(uploader)
    plan = begin(client, "orders.csv", body).json()
    put_parts(client, plan, body, [1])
    assert client.post(plan["abort_url"]).status_code == 200
    assert aws_client("s3").list_multipart_uploads(Bucket=settings.PIPELINE_BUCKET).get("Uploads", []) == []
    assert Upload.objects.count() == 0


def test_another_user_cannot_sign_or_complete_someone_elses_upload(client, twin, uploader, pipeline_admin):
    body = orders_csv(100)
    client.force_login(uploader)
    plan = begin(client, "orders.csv", body).json()
    client.force_login(pipeline_admin)
    assert client.post(plan["parts_url"], {"numbers": "1"}).status_code == 404
    assert client.post(plan["complete_url"]).status_code == 404


def test_the_bucket_lets_only_the_sites_origin_send_parts(client, twin, uploader):
    client.force_login(uploader)
    plan = begin(client, "orders.csv", orders_csv(100)).json()
    url = client.post(plan["parts_url"], {"numbers": "1"}).json()["urls"]["1"]
    preflight = {"Access-Control-Request-Method": "PUT"}
    allowed = requests.options(url, headers={"Origin": SITE, **preflight}, timeout=10)
    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == SITE
    other = requests.options(url, headers={"Origin": "https://evil.example", **preflight}, timeout=10)
    assert other.status_code == 403 and "Access-Control-Allow-Origin" not in other.headers


def test_an_upload_abandoned_for_a_day_is_aborted_by_the_beat_task(client, twin, uploader, small_parts):
    body = orders_csv(PART + 10)
    client.force_login(uploader)
    plan = begin(client, "orders.csv", body).json()
    put_parts(client, plan, body, [1])  # then the tab was closed
    Upload.objects.filter(pk=plan["id"]).update(uploaded_at=timezone.now() - timedelta(hours=25))
    beat_sync()
    assert Upload.objects.count() == 0
    assert aws_client("s3").list_multipart_uploads(Bucket=settings.PIPELINE_BUCKET).get("Uploads", []) == []
    # The content's claim went with it: the same file can be sent again.
    assert begin(client, "orders.csv", body).status_code == 200


def test_the_template_csv_is_recognised_with_every_contract_column_a_file_can_hold(client, twin, uploader):
    from filter_and_process_orders.contract import MAPPABLE

    from pipeline_admin.headers import header_inspect

    client.force_login(uploader)
    template = client.get(reverse("pipeline_admin:upload_template")).content
    check = header_inspect(sample=template)
    assert check.recognised and set(check.mapping) == set(MAPPABLE)
