"""The twin's bucket is set up as the template's: what differs between them is drift the twin hides."""

import json
from urllib.parse import unquote_plus

from django.conf import settings

from ordersite.aws import aws_client
from tests.infra.template import resources


def test_the_twins_bucket_is_versioned_as_the_templates_and_its_events_name_the_version(twin):
    declared = resources()["PipelineBucket"]["Properties"]["VersioningConfiguration"]["Status"]
    s3, sqs = aws_client("s3"), aws_client("sqs")
    put = s3.put_object(Bucket=settings.PIPELINE_BUCKET, Key="raw/2025/06/01/a b.csv", Body=b"order_id\n")
    assert s3.get_bucket_versioning(Bucket=settings.PIPELINE_BUCKET).get("Status") == declared == "Enabled"
    assert put.get("VersionId") not in (None, "null")
    queue = sqs.get_queue_url(QueueName=settings.ORDERS_QUEUE_NAME)["QueueUrl"]
    records: list[dict] = []
    for _ in range(5):  # the queue also holds S3's test event, sent when the notification was set
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        records += [r for m in messages for r in json.loads(m["Body"]).get("Records", [])]
        if records:
            break
    (record,) = records
    # S3's events name the version in a versioned bucket: the Lambda reads that one, not the newest.
    made = record["s3"]["object"]
    assert (unquote_plus(made["key"]), made["eTag"], made["versionId"]) == (
        "raw/2025/06/01/a b.csv",
        put["ETag"].strip('"'),
        put["VersionId"],
    )
