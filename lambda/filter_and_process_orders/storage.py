"""S3 reads and writes of the Lambda: the raw object in, Parquet, quarantine and manifest out."""

import csv
import hashlib
import io
import json
from datetime import datetime

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
from botocore.config import Config as BotoConfig

from .cleaning import Rejected

ORDERS_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer", pa.string()),
        ("amount", pa.decimal128(12, 2)),
        ("status", pa.string()),
        ("order_date", pa.date32()),
        ("source_key", pa.string()),
        ("ingested_at", pa.timestamp("ms", tz="UTC")),
    ]
)

_s3 = None


def s3_client():
    # boto3 reads AWS_ENDPOINT_URL itself, so the local twin needs no code path of its own.
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3", config=BotoConfig(retries={"max_attempts": 5, "mode": "standard"}))
    return _s3


def source_id(key: str, etag: str, version_id: str) -> str:
    return hashlib.sha256(f"{key}\n{version_id or etag}".encode()).hexdigest()[:24]


def open_object(bucket: str, key: str):
    response = s3_client().get_object(Bucket=bucket, Key=key)
    return (
        response["Body"],
        response.get("Metadata", {}),
        response["ContentLength"],
        response.get("ETag", "").strip('"'),
    )


def write_parquet(bucket: str, key: str, rows: list[dict], source_key: str, ingested_at: datetime) -> None:
    table = pa.Table.from_pydict(
        {
            "order_id": [r["order_id"] for r in rows],
            "customer": [r["customer"] for r in rows],
            "amount": [r["amount"] for r in rows],
            "status": [r["status"] for r in rows],
            "order_date": [r["order_date"] for r in rows],
            "source_key": [source_key] * len(rows),
            "ingested_at": [ingested_at] * len(rows),
        },
        schema=ORDERS_SCHEMA,
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy")
    s3_client().put_object(Bucket=bucket, Key=key, Body=buffer.getvalue(), ContentType="application/vnd.apache.parquet")


def write_rejected(bucket: str, key: str, header: list[str], rejected: list[Rejected]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["line", "reason", *header])
    for r in rejected:
        writer.writerow([r.line, r.reason, *r.values])
    s3_client().put_object(Bucket=bucket, Key=key, Body=text.getvalue().encode("utf-8"), ContentType="text/csv")


def write_manifest(bucket: str, key: str, manifest: dict) -> None:
    body = json.dumps(manifest, indent=1, default=str).encode()
    s3_client().put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def delete_stale_outputs(bucket: str, prefix: str, source: str, keep: set[str]) -> None:
    """A reprocessed file whose months changed must not leave old month files behind."""
    paginator = s3_client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith(f"/{source}.parquet") and obj["Key"] not in keep:
                s3_client().delete_object(Bucket=bucket, Key=obj["Key"])
