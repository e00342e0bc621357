"""The Lambda fails on a file: the queue retries it, the redrive policy parks it in the DLQ, the
upload says `failed` and why, and once the cause is fixed an admin's replay processes it once.

The failure is real: a bucket policy denies reading that one raw object (a permission mistake,
as in AWS), so the handler's GetObject is refused by the object store, not by a mock."""

import io
import json
from datetime import date

from django.conf import settings
from django.urls import reverse

from ordersite.aws import aws_client
from pipeline_admin import selectors
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync

from .conftest import crawled_report, processed_rows, s3_keys

ORDERS = (
    b"OrderID,Customer,Amount,Status,OrderDate\n"
    b"A-1,Ann,10.50,shipped,2025-04-30\n"
    b"A-2,Bob,20.00,confirmed,2025-05-01\n"
    b"A-3,Cy,30.25,shipped,2025-05-02\n"
)


def deny_reading(key: str) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "fault-under-test",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{settings.PIPELINE_BUCKET}/{key}",
            }
        ],
    }
    aws_client("s3").put_bucket_policy(Bucket=settings.PIPELINE_BUCKET, Policy=json.dumps(policy))


def test_a_failing_file_is_retried_three_times_then_failed_with_its_reason_and_a_replay_processes_it_once(
    client, queue, uploader, pipeline_admin
):
    upload = upload_create(user=uploader, fileobj=io.BytesIO(ORDERS), name="orders.csv", as_of=date(2025, 6, 1))
    deny_reading(upload.key)

    receives = runtime_drain()  # the runtime keeps polling until the queue hands out nothing more
    assert receives == 3  # received, failed and redelivered three times, then moved by the redrive policy
    assert selectors.dlq_depth() == 1
    assert s3_keys("processed/") == []
    # The handler could not read the file, but it said why in the file's manifest.
    (manifest_key,) = s3_keys("manifests/")
    manifest = json.loads(aws_client("s3").get_object(Bucket=settings.PIPELINE_BUCKET, Key=manifest_key)["Body"].read())
    assert manifest["status"] == "processing" and manifest["source_key"] == upload.key
    assert (
        manifest["last_error"].startswith("ClientError: ")
        and "calling the GetObject operation" in manifest["last_error"]
    )

    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED
    assert (
        "failed on this file on every attempt" in upload.status_reason and "dead-letter queue" in upload.status_reason
    )
    assert f"the last attempt failed with {manifest['last_error']}" in upload.status_reason
    client.force_login(uploader)
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert 'data-status="failed"' in page and "dead-letter queue" in page and "calling the GetObject operation" in page

    aws_client("s3").delete_bucket_policy(Bucket=settings.PIPELINE_BUCKET)  # the fix
    client.force_login(pipeline_admin)
    response = client.post(reverse("pipeline_admin:dlq_replay"), follow=True)
    assert "1 message(s) moved from the dead-letter queue" in response.content.decode()
    again = client.post(reverse("pipeline_admin:dlq_replay"), follow=True)  # a second press finds nothing
    assert "0 message(s) moved" in again.content.decode()

    assert runtime_drain() == 1
    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED and upload.rows_out == 3

    rows = processed_rows()
    assert sorted(r["order_id"] for r in rows) == ["A-1", "A-2", "A-3"]
    (kpis,) = crawled_report("kpis")
    assert (kpis["orders"], str(kpis["revenue"])) == (3, "60.75")
