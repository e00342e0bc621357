"""The FilterAndProcessOrders handler against the twin's S3 (moto server)."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from ordersite.aws import aws_client

BUCKET = "ordersite-test"


def put_raw(key: str, body: bytes, metadata: dict | None = None) -> str:
    aws_client("s3").put_object(Bucket=BUCKET, Key=key, Body=body, Metadata=metadata or {})
    return aws_client("s3").head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')


def s3_event(key: str, etag: str = "", event_time: str = "2025-06-01T12:00:00.000Z") -> dict:
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": event_time,
                "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "eTag": etag, "size": 1}},
            }
        ]
    }


def sqs_event(*bodies: dict) -> dict:
    return {
        "Records": [
            {"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": json.dumps(b), "eventSource": "aws:sqs"}
            for i, b in enumerate(bodies)
        ]
    }


def keys(prefix: str) -> list[str]:
    response = aws_client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in response.get("Contents", []))


def manifest_for(raw_key: str) -> dict:
    for key in keys(settings.MANIFEST_PREFIX):
        manifest = json.loads(aws_client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())
        if manifest["source_key"] == raw_key:
            return manifest
    raise AssertionError(f"no manifest for {raw_key}")


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


@pytest.mark.parametrize(("event_time", "kept"), [("2025-06-01T00:00:00Z", 109), ("2025-04-22T00:00:00Z", 139)])
def test_course_file_keeps_the_rows_the_stale_rule_allows(shared_data, event_time, kept):
    key = "raw/2025/06/01/a__orders.csv"
    etag = put_raw(key, (shared_data / "orders.csv").read_bytes())
    lambda_handler(s3_event(key, etag, event_time))
    manifest = manifest_for(key)
    assert manifest["rows_in"] == 200
    assert manifest["rows_out"] == kept
    assert (
        manifest["rows_in"]
        == kept + manifest["rows_dropped_by_rule"] + manifest["rows_rejected"] + manifest["rows_duplicate"]
    )


def test_as_of_metadata_wins_over_the_event_time(shared_data):
    key = "raw/2025/06/01/b__orders.csv"
    etag = put_raw(key, (shared_data / "orders.csv").read_bytes(), {"as-of": "2025-04-22"})
    lambda_handler(s3_event(key, etag, "2025-06-01T00:00:00Z"))
    assert manifest_for(key)["rows_out"] == 139


def test_sqs_wrapped_event_with_url_encoded_key_is_processed():
    key = "raw/2025/06/01/c__my orders+2025.csv"
    etag = put_raw(key, b"order_id,amount,order_date\nA1,10.00,2025-05-30\n")
    encoded = "raw/2025/06/01/c__my+orders%2B2025.csv"
    response = lambda_handler(sqs_event(s3_event(encoded, etag)))
    assert response == {"batchItemFailures": []}
    assert manifest_for(key)["rows_out"] == 1


def test_a_repeated_event_overwrites_instead_of_adding_rows():
    key = "raw/2025/06/01/d__orders.csv"
    etag = put_raw(key, b"order_id,amount,order_date\nA1,10.00,2025-05-30\nA2,5.00,2025-04-01\n")
    lambda_handler(s3_event(key, etag))
    first = keys(settings.PROCESSED_PREFIX)
    lambda_handler(sqs_event(s3_event(key, etag), s3_event(key, etag)))
    assert keys(settings.PROCESSED_PREFIX) == first
    assert len(first) == 2


def test_keys_outside_raw_and_test_events_are_ignored():
    put_raw("processed/x.csv", b"order_id,amount,order_date\n1,1,2025-01-01\n")
    lambda_handler(s3_event("processed/x.csv"))
    lambda_handler(sqs_event({"Service": "Amazon S3", "Event": "s3:TestEvent"}))
    assert keys(settings.MANIFEST_PREFIX) == []


def test_rejected_rows_are_kept_with_their_line_numbers():
    key = "raw/2025/06/01/e__orders.csv"
    body = b"order_id,amount,order_date\nA1,10.00,2025-05-30\n,5.00,2025-05-30\nA3,abc,2025-05-30\nA4,1.00,someday\n"
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    assert manifest["status"] == "processed_with_rejects"
    rejected = aws_client("s3").get_object(Bucket=BUCKET, Key=manifest["rejected_key"])["Body"].read().decode()
    rows = list(csv.reader(io.StringIO(rejected)))
    assert [(r[0], r[1].split(":")[0]) for r in rows[1:]] == [
        ("3", "missing order_id"),
        ("4", "unparseable amount"),
        ("5", "unparseable order_date"),
    ]


def test_a_workbook_saved_as_csv_is_rejected_with_a_reason_and_the_raw_file_stays(shared_data):
    workbook = next((shared_data / "wild").glob("CorneliuVasile*"))
    key = "raw/2025/06/01/f__book.csv"
    lambda_handler(s3_event(key, put_raw(key, workbook.read_bytes())))
    manifest = manifest_for(key)
    assert manifest["status"] == "rejected"
    assert "Excel" in manifest["reason"]
    assert key in keys("raw/")


def test_a_file_without_an_amount_column_names_its_headers():
    key = "raw/2025/06/01/g__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, b"order_id,date,time\n1,2025-01-01,10:00\n")))
    reason = manifest_for(key)["reason"]
    assert reason.startswith("no amount column; headers were: order_id, date, time")


def test_every_wild_export_ends_processed_or_rejected_with_a_reason(shared_data):
    for i, path in enumerate(sorted((shared_data / "wild").iterdir())):
        key = f"raw/2025/06/01/w{i}__{Path(path).stem[:40]}.csv"
        lambda_handler(s3_event(key, put_raw(key, path.read_bytes())))
        manifest = manifest_for(key)
        assert manifest["status"] in {"processed", "processed_with_rejects", "rejected"}, path.name
        if manifest["status"] == "rejected":
            assert len(manifest["reason"]) > 20, path.name
        else:
            assert {"order_id", "amount", "order_date"} <= set(manifest["mapping"]), path.name
