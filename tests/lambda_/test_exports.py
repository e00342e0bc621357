"""The handler on exports shaped like other systems' (bench/exports.py), held to a plain-Python model
of the rules (bench/row_by_row.py, written without the Lambda's code) reading the same bytes.

Each sample mixes every shape the generator makes: three date shapes in one column, "$1,234.50"
beside plain amounts, quoted "Last, First" names, orders repeated anywhere, padded, blank,
placeholder and garbage cells in every column; and (eu) a sep= line and preamble, decimal commas,
thousands-only amounts, line items summed, lines exported twice.
"""

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from bench.exports import export_bytes
from bench.row_by_row import clean_file
from ordersite.aws import aws_client
from tests.lambda_.test_handler import parquet_table

BUCKET = "ordersite-test"


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def process(body: bytes, key: str) -> tuple[dict, pa.Table]:
    s3 = aws_client("s3")
    s3.put_object(Bucket=BUCKET, Key=key, Body=body, Metadata={"as-of": "2025-06-01"})
    etag = s3.head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')
    record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "eventTime": "2025-06-01T12:00:00Z"}
    record["s3"] = {"bucket": {"name": BUCKET}, "object": {"key": key, "eTag": etag, "size": len(body)}}
    lambda_handler({"Records": [record]})
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=settings.PROCESSED_PREFIX).get("Contents", [])
    tables = [parquet_table(s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()) for o in listed]
    manifests = s3.list_objects_v2(Bucket=BUCKET, Prefix=settings.MANIFEST_PREFIX)["Contents"]
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=manifests[0]["Key"])["Body"].read())
    return manifest, pa.concat_tables(tables) if tables else None


@pytest.mark.parametrize("dialect", ["us", "eu"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_order_of_a_messy_export_has_the_amount_the_model_sums(tmp_path: Path, dialect, seed):
    body = export_bytes(1500, dialect, seed)
    (tmp_path / "export.csv").write_bytes(body)
    model = clean_file(tmp_path / "export.csv")
    manifest, table = process(body, f"raw/2025/06/01/p__{dialect}-{seed}.csv")
    assert manifest["status"].startswith("processed"), manifest
    got = dict(zip(table["order_id"].to_pylist(), table["amount"].to_pylist()))
    expected = {o.order_id: o.amount for o in model.orders.values()}
    assert len(table) == len(got)  # one row per order
    assert sorted(set(got) ^ set(expected))[:10] == []
    wrong = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
    assert list(wrong.items())[:10] == []
    assert sum(got.values(), Decimal(0)) == sum(expected.values(), Decimal(0))
    assert Decimal(manifest["amount_total"]) == sum(expected.values(), Decimal(0))
    stale = {k for k, v in zip(table["order_id"].to_pylist(), table["stale"].to_pylist()) if v}
    assert stale == {o.order_id for o in model.orders.values() if o.stale}
