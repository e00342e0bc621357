"""What the fault tests share: the twin's queue with a fast redelivery, and readers of the
pipeline's real outputs (processed/ Parquet, the report the dashboard computes from it)."""

import io
from io import StringIO

import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.management import call_command

from dashboard.reports import report_query
from dashboard.services import report_compute
from ordersite.aws import aws_client, sqs
from pipeline_admin.runtime import runtime_drain
from tests.dashboard.conftest import crawled  # noqa: F401  (the course data, processed and crawled)


def s3_keys(prefix: str) -> list[str]:
    paginator = aws_client("s3").get_paginator("list_objects_v2")
    return [
        o["Key"]
        for page in paginator.paginate(Bucket=settings.PIPELINE_BUCKET, Prefix=prefix)
        for o in page.get("Contents", [])
    ]


def processed_rows() -> list[dict]:
    """Every row the Lambda wrote to processed/, from the Parquet files themselves."""
    rows = []
    for key in s3_keys(settings.PROCESSED_PREFIX):
        body = aws_client("s3").get_object(Bucket=settings.PIPELINE_BUCKET, Key=key)["Body"].read()
        rows += pq.read_table(io.BytesIO(body)).to_pylist()
    return rows


def crawled_report(slug: str, **params) -> list[dict]:
    """Crawl what processed/ holds now, then compute the report on the engine, as the dashboard does."""
    call_command("crawl", "--wait", stdout=StringIO())
    result = report_compute(query=report_query(slug, params), force=True)
    assert not result.error, result.error
    return [dict(zip(result.columns, row)) for row in result.rows]


@pytest.fixture
def queue(twin):
    """The orders queue with redelivery at once instead of after 30 s, and nothing queued yet.

    In AWS a failed message comes back after the visibility timeout; the redrive policy
    (three receives, then the DLQ) is the twin's own and stays as it is."""
    client = aws_client("sqs")
    client.set_queue_attributes(
        QueueUrl=sqs.queue_url(settings.ORDERS_QUEUE_NAME), Attributes={"VisibilityTimeout": "0"}
    )
    runtime_drain()  # the s3:TestEvent the notification set-up sent
    return settings.ORDERS_QUEUE_NAME
