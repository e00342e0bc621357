"""ingested_at is when the raw file first landed in raw/, whatever copies the control plane makes of it.

Oracle: DESIGN "One truth across uploads" (each order's latest version over all uploads by
ingested_at, then raw key, then line; stale left out), recomputed here in Python over the Parquet
rows, and the times S3 reports for the uploads themselves.
"""

import time
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from ordersite.aws import aws_client, s3

from .test_handler import BUCKET, keys, lambda_env, manifest_for, put_raw, read_parquet, s3_event  # noqa: F401

A = b"order_id,customer,amount,status,order_date\nX1,Ann,100.00,shipped,2025-02-10\nX2,Bo,50.00,shipped,2025-02-20\n"
B = b"order_id,customer,amount,status,order_date\nX1,Ann,100.00,cancelled,2025-02-10\n"  # X1 stale on 2025-06-01
KA, KB = "raw/2025/06/01/a1__a.csv", "raw/2025/06/01/b2__b.csv"


def counted() -> tuple[list[str], Decimal]:
    """The reports' rule by hand: latest version by (ingested_at, source_key, source_line), then stale out."""
    latest: dict = {}
    for key in keys(settings.PROCESSED_PREFIX):
        for row in read_parquet(key).to_pylist():
            rank = (row["ingested_at"], row["source_key"], row["source_line"])
            if row["order_id"] not in latest or rank > latest[row["order_id"]][0]:
                latest[row["order_id"]] = (rank, row)
    kept = [row for _, row in latest.values() if not row["stale"]]
    return sorted(r["order_id"] for r in kept), sum((r["amount"] for r in kept), Decimal(0))


def last_modified(key: str) -> datetime:
    return aws_client("s3").head_object(Bucket=BUCKET, Key=key)["LastModified"]


def process(key: str, event_time: str = "2025-06-01T12:00:00.000Z") -> None:
    etag = aws_client("s3").head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')
    lambda_handler(s3_event(key, etag, event_time))


def test_a_remapped_older_upload_keeps_its_landing_time_and_the_later_upload_still_wins(settings):
    settings.PIPELINE_BUCKET = BUCKET
    put_raw(KA, A)
    process(KA)
    landed = last_modified(KA)
    time.sleep(1.1)  # S3 times have whole seconds: B lands a second later
    put_raw(KB, B)
    process(KB)
    assert counted() == (["X2"], Decimal("50.00"))
    time.sleep(1.1)
    # The site's copy (a remap or a grain override), twice: the second keeps the first's landing time.
    for mapping in ('{"order_id": "order_id"}', '{"order_id": "order_id", "grain": "order"}'):
        s3.object_metadata_replace(key=KA, metadata={"mapping": mapping})
        process(KA)
        assert last_modified(KA) > landed
        assert counted() == (["X2"], Decimal("50.00"))
        stamps = {r["ingested_at"] for k in keys(settings.PROCESSED_PREFIX) for r in read_parquet(k).to_pylist()}
        assert landed in stamps and manifest_for(KA)["ingested_at"] == landed.isoformat()
    assert aws_client("s3").get_object(Bucket=BUCKET, Key=KA)["Body"].read() == A  # content untouched


def test_a_bad_landing_time_falls_back_to_last_modified_with_a_warning(caplog):
    future = datetime(2999, 1, 1, tzinfo=UTC).isoformat()
    for landed_at in ("yesterday", "2025-05-01T10:00:00", future):  # not a time, no offset, after the landing
        put_raw(KA, A, {"landed-at": landed_at})
        process(KA)
        assert manifest_for(KA)["ingested_at"] == last_modified(KA).isoformat()
        assert f"ignoring bad landed-at metadata {landed_at!r} on {KA}" in caplog.text


def test_a_good_landing_time_is_the_rows_ingested_at():
    put_raw(KA, A, {"landed-at": "2025-05-01T10:00:00+02:00"})
    process(KA)
    expected = datetime(2025, 5, 1, 8, tzinfo=UTC)
    assert {r["ingested_at"] for r in read_parquet(keys(settings.PROCESSED_PREFIX)[0]).to_pylist()} == {expected}
    assert datetime.fromisoformat(manifest_for(KA)["ingested_at"]) == expected


def test_a_copied_files_reference_date_is_the_day_it_landed_not_the_copys():
    # Pending and dated 2025-05-20: 12 days old on 2025-06-01 (counted), stale on 2026-12-01.
    put_raw(
        KA,
        b"order_id,amount,status,order_date\nP1,10.00,pending,2025-05-20\n",
        {"landed-at": "2025-06-01T23:30:00-01:00"},
    )
    process(KA, event_time="2026-12-01T10:00:00Z")  # the copy's event, long after
    manifest = manifest_for(KA)
    assert (manifest["reference_date"], manifest["rows_stale"], manifest["rows_out"]) == ("2025-06-02", 0, 1)
