"""Remapping an older upload through the site leaves the later upload's versions winning; a reprocess
re-sends the event of the file's landing.

Oracle, by hand (DESIGN "One truth across uploads"): A has X1 shipped 100.00, X2 50.00, X3 30.00; B,
uploaded later, cancels X1 (dated 2025-02-10, stale on the as-of date 2025-06-01), so X1's latest
version is B's: X2 + X3 count, 2 orders / 80.00, before and after A is remapped.
"""

import io
import json
import time
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from dashboard.reports import report_query
from dashboard.services import report_compute
from ordersite.aws import aws_client, sqs
from pipeline_admin import actions
from pipeline_admin.models import Upload

from .test_upload_status import csv, post_files, processed_upload, settle

A = (
    b"order_id,customer,amount,status,order_date\nX1,Ann,100.00,shipped,2025-02-10\n"
    b"X2,Bo,50.00,shipped,2025-05-20\nX3,Cy,30.00,shipped,2025-05-25\n"
)
B = b"order_id,customer,amount,status,order_date\nX1,Ann,100.00,cancelled,2025-02-10\n"
COLUMNS = ("order_id", "customer", "amount", "status", "order_date")


def kpis(force: bool = False) -> tuple[int, Decimal]:
    result = report_compute(query=report_query("kpis", {}), force=force)
    assert not result.error, result.error
    (row,) = [dict(zip(result.columns, r, strict=True)) for r in result.rows]
    return row["orders"], Decimal(row["revenue"] or 0)


def test_remapping_the_older_upload_keeps_the_later_uploads_versions_winning(client, twin, pipeline_admin):
    a = processed_upload(client, pipeline_admin, body=A, name="a.csv")
    time.sleep(1.1)  # S3 times have whole seconds: B lands a second later, the remap another
    processed_upload(client, pipeline_admin, body=B, name="b.csv")
    call_command("crawl", "--wait", stdout=io.StringIO())
    assert kpis() == (2, Decimal("80.00"))
    time.sleep(1.1)
    client.post(reverse("pipeline_admin:upload_remap", args=[a.pk]), {c: c for c in COLUMNS})
    settle()
    assert kpis() == (2, Decimal("80.00"))
    client.post(reverse("pipeline_admin:upload_remap", args=[a.pk]), {**{c: c for c in COLUMNS}, "grain": "order"})
    settle()
    a.refresh_from_db()
    assert a.manifest["grain_overridden"] and kpis() == (2, Decimal("80.00"))


def test_reprocessing_sends_the_event_of_the_files_landing_not_of_now(client, twin, pipeline_admin):
    # Without as-of, the stale rule's reference date is the event's day: a reprocess weeks later
    # must not make more orders stale, so the event re-sent carries the file's landing time.
    client.force_login(pipeline_admin)
    post_files(client, csv("a.csv", A))
    settle()
    upload = Upload.objects.get(original_name="a.csv")
    landed = aws_client("s3").head_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)["LastModified"]
    time.sleep(1.1)  # S3 times have whole seconds: "now" is a later second than the landing
    client.post(reverse("pipeline_admin:upload_reprocess", args=[upload.pk]))
    (message,) = sqs.messages_receive(queue=settings.ORDERS_QUEUE_NAME, wait_seconds=0)
    (record,) = json.loads(message["Body"])["Records"]
    assert datetime.fromisoformat(record["eventTime"]) == landed


def test_a_late_event_of_the_version_before_a_remap_does_not_count_the_orders_twice(client, twin, pipeline_admin):
    # SQS delivers at least once, and staff may replay the dead-letter queue: the first version's event
    # can come after the remap's copy. By hand: A alone is X1 100.00 + X2 50.00 + X3 30.00, all shipped,
    # 3 orders / 180.00, whichever versions of A were processed.
    a = processed_upload(client, pipeline_admin, body=A, name="a.csv")
    first_version_event = actions._s3_event(a.key)  # names the version that landed
    time.sleep(1.1)
    client.post(reverse("pipeline_admin:upload_remap", args=[a.pk]), {c: c for c in COLUMNS})
    settle()
    call_command("crawl", "--wait", stdout=io.StringIO())
    assert kpis() == (3, Decimal("180.00"))
    sqs.message_send(queue=sqs.orders_queue(), body=first_version_event)
    settle()
    assert kpis(force=True) == (3, Decimal("180.00"))  # computed again: the upload's status did not change


def test_a_file_still_queued_cannot_be_remapped_and_is_counted_once(client, twin, pipeline_admin):
    # Its queued run would read the version before the remap's copy and write beside the new one's.
    client.force_login(pipeline_admin)
    post_files(client, csv("a.csv", A), as_of="2025-06-01")
    a = Upload.objects.get(original_name="a.csv")
    page = client.post(reverse("pipeline_admin:upload_remap", args=[a.pk]), {c: c for c in COLUMNS}, follow=True)
    assert "a.csv is still being processed: choose its columns again once it has an outcome" in page.content.decode()
    head = aws_client("s3").head_object(Bucket=settings.PIPELINE_BUCKET, Key=a.key)
    assert "mapping" not in head["Metadata"]
    settle()
    call_command("crawl", "--wait", stdout=io.StringIO())
    assert kpis(force=True) == (3, Decimal("180.00"))  # by hand, as above


def test_a_reprocessed_files_output_cannot_be_deleted_before_its_run_and_once_deleted_counts_nothing(
    client, twin, pipeline_admin
):
    # Reprocess empties the file's manifest, which names the outputs a delete removes: a delete then
    # removed nothing, the run wrote them afterwards, and the "withdrawn" file's 3 orders counted.
    a = processed_upload(client, pipeline_admin, body=A, name="a.csv")
    client.post(reverse("pipeline_admin:upload_reprocess", args=[a.pk]))
    page = client.post(reverse("pipeline_admin:upload_output_delete", args=[a.pk]), follow=True)
    assert "a.csv is still being processed: delete its output once it has an outcome" in page.content.decode()
    settle()
    call_command("crawl", "--wait", stdout=io.StringIO())
    assert kpis(force=True) == (3, Decimal("180.00"))  # by hand, as above
    client.post(reverse("pipeline_admin:upload_output_delete", args=[a.pk]))
    settle()
    a.refresh_from_db()
    assert a.status == Upload.Status.WITHDRAWN and (a.rows_in, a.rows_out) == (None, None)
    assert kpis(force=True) == (0, Decimal("0"))
