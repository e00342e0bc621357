"""Duplicate and out-of-order S3 events never count an order twice, and the later upload wins.

S3 delivers events at least once and SQS does not keep their order, so the same event can
arrive twice and two exports can be processed in the opposite order of their upload."""

import io
import time
from datetime import date

from django.conf import settings

from ordersite.aws import aws_client, sqs
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create

from .conftest import crawled_report, processed_rows

HEADER = b"OrderID,Customer,Amount,Status,OrderDate\n"
# Two exports of the same shop: B, exported later, overlaps A on orders 2 and 3 with their new state.
EXPORT_A = (
    HEADER + b"1,Ann,10.00,confirmed,2025-05-01\n2,Bob,20.00,confirmed,2025-05-02\n3,Cy,30.00,confirmed,2025-05-03\n"
)
EXPORT_B = HEADER + b"2,Bob,25.00,shipped,2025-05-02\n3,Cy,35.00,shipped,2025-05-03\n4,Di,40.00,shipped,2025-05-04\n"
LATER_WINS = {"orders": 4, "revenue": "110.00"}  # 10 + 25 + 35 + 40

# The later upload wins only if the pipeline can tell which export is later; the tests upload
# B a second after A, as real exports are, because S3's Last-Modified counts whole seconds.
ONE_SECOND_APART = 1.1


def upload(body: bytes, name: str):
    return upload_create(user=None, fileobj=io.BytesIO(body), name=name, as_of=date(2025, 6, 1))


def queued_bodies() -> list[str]:
    return [m["Body"] for m in sqs.messages_peek(queue=settings.ORDERS_QUEUE_NAME)]


def kpis() -> dict:
    (row,) = crawled_report("kpis")
    return {"orders": row["orders"], "revenue": row["revenue"]}


def test_the_same_event_delivered_twice_counts_each_order_once(queue):
    upload(EXPORT_A, "a.csv")
    (event,) = queued_bodies()
    sqs.message_send(queue=queue, body=event)  # S3's at-least-once delivery: the same event again

    assert runtime_drain() == 2  # both deliveries ran the handler
    assert sorted(r["order_id"] for r in processed_rows()) == ["1", "2", "3"]
    assert kpis() == {"orders": 3, "revenue": "60.00"}

    sqs.message_send(queue=queue, body=event)  # and once more, long after the first run
    assert runtime_drain() == 1
    assert sorted(r["order_id"] for r in processed_rows()) == ["1", "2", "3"]
    assert kpis() == {"orders": 3, "revenue": "60.00"}


def test_overlapping_exports_processed_in_upload_order_count_once_and_the_later_upload_wins(queue):
    upload(EXPORT_A, "a.csv")
    runtime_drain()
    upload(EXPORT_B, "b.csv")
    runtime_drain()
    assert len(processed_rows()) == 6  # both files keep their rows; the reports pick one per order
    assert kpis() == LATER_WINS
    statuses = {r["status"]: r["orders"] for r in crawled_report("status-summary")}
    assert statuses == {"confirmed": 1, "shipped": 3}


def test_overlapping_exports_processed_in_reverse_order_still_let_the_later_upload_win(queue):
    a = upload(EXPORT_A, "a.csv")
    time.sleep(ONE_SECOND_APART)
    upload(EXPORT_B, "b.csv")
    # A's invocation is slow (or throttled): its message is out of sight while B is processed.
    client, url = aws_client("sqs"), sqs.queue_url(queue)
    received = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)["Messages"]
    (held,) = [m for m in received if a.key.split("/")[-1] in m["Body"]]
    for other in received:
        if other is not held:
            client.change_message_visibility(QueueUrl=url, ReceiptHandle=other["ReceiptHandle"], VisibilityTimeout=0)
    assert runtime_drain() == 1  # B
    client.change_message_visibility(QueueUrl=url, ReceiptHandle=held["ReceiptHandle"], VisibilityTimeout=0)
    assert runtime_drain() == 1  # then A

    assert kpis() == LATER_WINS


def test_a_late_duplicate_of_the_older_exports_event_does_not_override_the_newer_export(queue):
    upload(EXPORT_A, "a.csv")
    (event_a,) = queued_bodies()
    runtime_drain()
    time.sleep(ONE_SECOND_APART)
    upload(EXPORT_B, "b.csv")
    runtime_drain()
    assert kpis() == LATER_WINS

    sqs.message_send(queue=queue, body=event_a)  # A's event delivered once more, after B
    assert runtime_drain() == 1
    assert len(processed_rows()) == 6
    assert kpis() == LATER_WINS
