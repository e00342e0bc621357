"""Outputs go up to the twin's S3 (moto server) while they are written: a file past one part as a
multipart upload, a smaller one as one PutObject once it is closed; each visible only once
complete, aborted or taken back when the run fails."""

import base64
import csv
import io
import json
import zlib
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError
from django.conf import settings
from filter_and_process_orders import multipart, spool, storage
from filter_and_process_orders.cleaning import clean_stream
from filter_and_process_orders.config import Config
from filter_and_process_orders.events import ObjectEvent
from filter_and_process_orders.handler import lambda_handler
from filter_and_process_orders.manifest import Manifest
from filter_and_process_orders.publish import Publication
from filter_and_process_orders.result import CleanResult, Rules

from ordersite.aws import aws_client

from .test_handler import BUCKET, keys, manifest_for, put_raw, s3_event

PART = 5 << 20  # S3's smallest part but the last
PADDING = "x" * 150  # long customer names: the rejected rows' CSV passes one part with few rows
KEPT, STALE, BAD = 3_000, 40_000, 36_000


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)
    monkeypatch.setattr(multipart, "PART_SIZE", PART)
    monkeypatch.setattr(spool, "STREAMED_FROM", 0)  # the rejected rows go up as they are written


OUTPUT_PREFIXES = (settings.PROCESSED_PREFIX, settings.QUARANTINE_PREFIX)
WRITES = {"PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"}


@pytest.fixture
def writes(lambda_env):
    """The writes of outputs (processed/, quarantine/) that S3 accepted from the Lambda's client, as
    (operation, key): counted by botocore's event hooks on the client, as the twin received them."""
    accepted: list[tuple[str, str]] = []

    def note_key(params, context, **_):
        context["output key"] = params.get("Key", "")

    def note_accepted(http_response, model, context, **_):
        key = context.get("output key", "")
        if http_response.status_code < 300 and model.name in WRITES and key.startswith(OUTPUT_PREFIXES):
            accepted.append((model.name, key))

    events = storage.s3_client().meta.events
    events.register("before-parameter-build.s3", note_key)
    events.register("after-call.s3", note_accepted)
    yield accepted
    events.unregister("before-parameter-build.s3", note_key)
    events.unregister("after-call.s3", note_accepted)


def export() -> tuple[bytes, dict]:
    """A raw export whose rejected rows fill more than one part, with many stale orders, and what an
    independent reading of it expects (Decimal sums of the rows as generated)."""
    lines, kept_total, stale_total = ["order_id,customer,amount,status,order_date"], Decimal(0), Decimal(0)
    for i in range(KEPT):  # counted: shipped in May or June 2025
        amount = Decimal(i % 9_000 + 100) / 100
        lines.append(f"K-{i},Kim {i},{amount},shipped,2025-0{5 + i % 2}-1{i % 10}")
        kept_total += amount
    for i in range(STALE):  # stale: pending for more than 30 days before 2025-06-01
        amount = Decimal(i % 5_000 + 1) / 100
        lines.append(f"S-{i},{PADDING} {i},{amount},pending,2024-0{1 + i % 9}-15")
        stale_total += amount
    for i in range(BAD):  # rejected: no amount can be read
        lines.append(f"B-{i},{PADDING} {i},n/a?,shipped,2025-05-01")
    expected = {
        "orders": KEPT + STALE,
        "counted": kept_total,
        "total": kept_total + stale_total,
        "stale": STALE,
        "rejected": BAD,
        "months": sorted({"2025-05", "2025-06"} | {f"2024-0{m}" for m in range(1, 10)}),
    }
    return ("\n".join(lines) + "\n").encode(), expected


def published(body: bytes, name: str, workdir: Path) -> tuple[Manifest, CleanResult, dict[str, Path]]:
    """Cleans and publishes `body` as the Lambda does, keeping the local outputs in `workdir`: the
    manifest, the result and each output's key -> its local file (all, and only, the keys in S3)."""
    key, config = f"raw/2025/06/01/{name}__orders.csv", Config()
    event = ObjectEvent(None, BUCKET, key, "etag", "", datetime(2025, 6, 1, tzinfo=UTC))
    source = storage.source_id(key, "etag", "")
    manifest = Manifest(source_key=key)
    with Publication(event, source, config) as outputs:
        result = clean_stream(
            io.BytesIO(body),
            rules=Rules(date(2025, 6, 1), config.stale_statuses, config.stale_after_days),
            workdir=workdir,
            source_key=key,
            ingested_at=datetime(2025, 6, 1, tzinfo=UTC),
            on_write=outputs.grew,
        )
        outputs.publish(result, manifest)
    local = dict(zip(manifest.outputs, map(Path, result.months.values())))
    local[manifest.rejected_key] = Path(result.rejected_path)
    # All, and only: the stale orders are stored once, flagged in the Parquet (no CSV copy of them).
    assert sorted(local) == keys(settings.PROCESSED_PREFIX) + keys(settings.QUARANTINE_PREFIX)
    assert aws_client("s3").list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    return manifest, result, local


def assert_put_whole(key: str, path: Path) -> None:
    """`key` holds `path`'s bytes as one object (not parts), with its CRC32 and content type."""
    data = path.read_bytes()
    head = aws_client("s3").head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert s3_bytes(key) == data, key
    assert "-" not in head["ETag"], head["ETag"]  # a multipart upload's ETag ends with -<parts>
    assert head["ChecksumCRC32"] == base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode(), key
    assert head["ContentType"] == ("application/vnd.apache.parquet" if key.endswith(".parquet") else "text/csv")


def test_every_output_in_s3_is_byte_for_byte_its_local_file_and_the_large_ones_went_up_in_parts(tmp_path, writes):
    body, expected = export()
    manifest, result, local = published(body, "big", tmp_path)

    rejected_path = local[manifest.rejected_key]
    assert rejected_path.stat().st_size > PART
    assert s3_bytes(manifest.rejected_key) == rejected_path.read_bytes()
    etag = aws_client("s3").head_object(Bucket=BUCKET, Key=manifest.rejected_key)["ETag"].strip('"')
    assert etag.endswith(("-2", "-3")), etag  # a multipart upload's ETag counts its parts
    for output in manifest.outputs:  # every month file is under one part: one PutObject each
        assert local[output].stat().st_size < PART
        assert_put_whole(output, local[output])
    assert [k for op, k in writes if op == "CreateMultipartUpload"] == [manifest.rejected_key]
    assert sorted(k for op, k in writes if op == "PutObject") == sorted(manifest.outputs)

    # The numbers, read back from S3, against the export as generated.
    orders = [row for k in manifest.outputs for row in pq.read_table(io.BytesIO(s3_bytes(k))).to_pylist()]
    assert len(orders) == expected["orders"]
    assert sum(r["amount"] for r in orders) == expected["total"]
    assert sum(r["amount"] for r in orders if not r["stale"]) == expected["counted"]
    assert sorted(k.split("order_month=")[1][:7] for k in manifest.outputs) == expected["months"]
    rejected = list(csv.DictReader(io.StringIO(s3_bytes(manifest.rejected_key).decode())))
    assert len(rejected) == expected["rejected"] and {r["order_id"][:2] for r in rejected} == {"B-"}
    stale = [r["order_id"] for r in orders if r["stale"]]
    assert len(stale) == expected["stale"] == result.orders_stale and {i[:2] for i in stale} == {"S-"}


def test_rejected_rows_written_at_once_under_two_parts_go_up_whole_in_one_put(tmp_path, writes, monkeypatch):
    monkeypatch.setattr(spool, "STREAMED_FROM", 16 << 20)  # the Lambda's: the rows come to 6 MB
    body, expected = export()
    manifest, _, local = published(body, "whole", tmp_path)

    assert PART < local[manifest.rejected_key].stat().st_size < 2 * PART
    assert_put_whole(manifest.rejected_key, local[manifest.rejected_key])
    assert sorted(writes) == sorted(("PutObject", key) for key in local)  # one request per output
    rejected = list(csv.DictReader(io.StringIO(s3_bytes(manifest.rejected_key).decode())))
    assert len(rejected) == expected["rejected"] and {r["order_id"][:2] for r in rejected} == {"B-"}


def s3_bytes(key: str) -> bytes:
    return aws_client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()


def deny_writing(resource: str) -> None:
    """A real refusal by the object store (a bucket policy), as a permission mistake would give."""
    statement = {
        "Sid": "fault-under-test",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/{resource}",
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    aws_client("s3").put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))


@pytest.mark.parametrize(
    ("refused", "begun"),
    [
        # The rejected rows' parts are refused at the end of the bucket phase (its upload begun).
        (f"{settings.QUARANTINE_PREFIX}*/rejected_rows.csv", ["rejected_rows.csv"]),
        # The Parquet files (under one part each) are PUT as they close, beside the CSV's last part.
        (f"{settings.PROCESSED_PREFIX}*", ["rejected_rows.csv"]),
    ],
)
def test_a_run_that_fails_while_its_outputs_go_up_leaves_no_output_and_no_upload_behind(refused, begun):
    body, _ = export()
    key = "raw/2025/06/01/fail__orders.csv"
    etag = put_raw(key, body)
    created = []
    storage.s3_client().meta.events.register(
        "after-call.s3.CreateMultipartUpload",
        lambda parsed, **_: created.append(parsed["Key"].rsplit("/", 1)[1]) if "UploadId" in parsed else None,
    )
    deny_writing(refused)

    with pytest.raises(ClientError, match="Forbidden"):  # moto's answer to a denied write
        lambda_handler(s3_event(key, etag))

    s3 = aws_client("s3")
    assert set(begun) <= set(created)  # (moto refuses the parts of a refused key, AWS already its creation)
    assert keys(settings.PROCESSED_PREFIX) == [] and keys(settings.QUARANTINE_PREFIX) == []
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []  # aborted: no parts kept
    manifest = manifest_for(key)
    assert manifest["status"] == "processing" and "Forbidden" in manifest["last_error"]
    assert (manifest["outputs"], manifest["rejected_key"]) == ([], None) and "stale_key" not in manifest


SMALL = (
    b"order_id,customer,amount,status,order_date\n"
    b"K-1,Kim,10.00,shipped,2025-05-10\nK-2,Kim,2.50,shipped,2025-06-01\n"
    b"S-1,Sam,4.00,pending,2024-02-15\nB-1,Bo,n/a?,shipped,2025-05-01\n"
)


def test_a_small_output_refused_at_the_end_leaves_none_of_the_others_visible():
    key = "raw/2025/06/01/small__orders.csv"
    etag = put_raw(key, SMALL)
    deny_writing(f"{settings.QUARANTINE_PREFIX}*/rejected_rows.csv")  # every output is under one part
    with pytest.raises(ClientError, match="Forbidden"):
        lambda_handler(s3_event(key, etag))
    assert keys(settings.PROCESSED_PREFIX) == [] and keys(settings.QUARANTINE_PREFIX) == []
    assert aws_client("s3").list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_a_run_whose_outputs_are_all_under_one_part_puts_each_whole_and_begins_no_multipart_upload(tmp_path, writes):
    manifest, _, local = published(SMALL, "small", tmp_path)
    assert sorted(m.split("order_month=")[1][:7] for m in manifest.outputs) == ["2024-02", "2025-05", "2025-06"]
    assert sorted(writes) == sorted(("PutObject", output) for output in local)  # one request per output
    for output, path in local.items():
        assert_put_whole(output, path)


@contextmanager
def refusing(operation: str, key_suffix: str):
    """The Lambda's S3 client fails `operation` (e.g. "PutObject") on keys ending in `key_suffix`, as
    S3 would with an internal error, at the network edge (a botocore event hook), while in the block."""

    def refuse(params, **_):
        if params["Key"].endswith(key_suffix):
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, operation)

    event = f"before-parameter-build.s3.{operation}"
    storage.s3_client().meta.events.register(event, refuse)
    try:
        yield
    finally:
        storage.s3_client().meta.events.unregister(event, refuse)


@pytest.mark.parametrize(
    ("size", "refused"),
    [
        ("small", "PutObject"),  # every output is PUT whole: the rejected rows' PUT fails
        ("large", "CompleteMultipartUpload"),  # the months are PUT, the rejected rows' completion fails
    ],
)
def test_outputs_written_before_another_output_failed_are_taken_back(size, refused, writes):
    (body, expected) = (SMALL, {"months": ["2024-02", "2025-05", "2025-06"]}) if size == "small" else export()
    key = f"raw/2025/06/01/{size}__orders.csv"
    etag = put_raw(key, body)

    with refusing(refused, "rejected_rows.csv"), pytest.raises(ClientError, match="injected"):
        lambda_handler(s3_event(key, etag))
    # Every month went up before the failure ...
    written = [k for op, k in writes if op in ("PutObject", "CompleteMultipartUpload")]
    assert sorted(k.split("order_month=")[1][:7] for k in written) == expected["months"]
    # ... and was taken back: nothing of the run is left, no upload open.
    assert keys(settings.PROCESSED_PREFIX) == [] and keys(settings.QUARANTINE_PREFIX) == []
    assert aws_client("s3").list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_a_rerun_removes_the_stale_orders_csv_an_earlier_version_of_the_cleaner_wrote():
    key = "raw/2025/06/01/rerun__orders.csv"
    etag = put_raw(key, SMALL)
    lambda_handler(s3_event(key, etag))
    first = manifest_for(key)
    assert first["rows_stale"] == 1 and keys(settings.QUARANTINE_PREFIX) == [first["rejected_key"]]
    # What runs before the stale orders were stored only in the Parquet left beside the rejected rows.
    old = f"{settings.QUARANTINE_PREFIX}{first['source_id']}/stale_orders.csv"
    aws_client("s3").put_object(Bucket=BUCKET, Key=old, Body=b"order_id\nS-1\n")
    lambda_handler(s3_event(key, etag))
    again = manifest_for(key)
    assert keys(settings.QUARANTINE_PREFIX) == [again["rejected_key"]] and again["outputs_removed"] == [old]
    assert sorted(again["outputs"]) == keys(settings.PROCESSED_PREFIX)


def test_a_run_whose_first_manifest_is_refused_publishes_nothing_and_its_manifest_names_the_failure(writes):
    # The first manifest goes up beside the cleaning; the run still publishes only once it is in.
    key = "raw/2025/06/01/first__orders.csv"
    etag = put_raw(key, SMALL)
    refused: list[str] = []

    def refuse_the_first_manifest(params, **_):
        if params["Key"].startswith(settings.MANIFEST_PREFIX) and not refused:
            refused.append(params["Key"])
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "PutObject")

    event = "before-parameter-build.s3.PutObject"
    storage.s3_client().meta.events.register(event, refuse_the_first_manifest)
    try:
        with pytest.raises(ClientError, match="injected"):
            lambda_handler(s3_event(key, etag))
    finally:
        storage.s3_client().meta.events.unregister(event, refuse_the_first_manifest)
    assert len(refused) == 1 and writes == []
    assert keys(settings.PROCESSED_PREFIX) == [] and keys(settings.QUARANTINE_PREFIX) == []
    assert aws_client("s3").list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    assert "injected" in manifest_for(key)["last_error"]


def test_a_multipart_uploads_requests_go_before_the_files_put_whole_that_wait_the_largest_first(tmp_path, writes):
    # One request at a time, held by the first PUT until the first manifest is in: the order in which
    # the waiting requests go is then the order S3 accepts them.
    first_manifest: Future = Future()
    uploads = multipart.MultipartUploads(
        BUCKET, lambda path: (f"{settings.PROCESSED_PREFIX}{path.name}", "text/csv"), after=first_manifest
    )
    uploads.pool = multipart.RankedPool(1, thread_name_prefix="test-parts")
    files = {name: tmp_path / name for name in ("held", "small", "larger", "big")}
    for name, size in (("held", 10), ("small", 100), ("larger", 1_000), ("big", PART + 7)):
        files[name].write_bytes(bytes(range(256)) * (size // 256) + b"o" * (size % 256))
    for name in ("held", "small", "larger"):  # closed under one part: each PUT whole, queued in this order
        uploads.grew(files[name], closed=True)
    uploads.grew(files["big"])  # one whole part: its multipart upload begins, its first part is queued
    uploads.grew(files["big"], closed=True)  # its last part
    first_manifest.set_result(None)
    uploads.complete()

    key = {name: f"{settings.PROCESSED_PREFIX}{name}" for name in files}
    assert writes[:5] == [
        ("PutObject", key["held"]),  # under way when the others were queued
        ("CreateMultipartUpload", key["big"]),
        ("UploadPart", key["big"]),
        ("UploadPart", key["big"]),
        ("CompleteMultipartUpload", key["big"]),  # queued when the file closed, after its parts
    ]
    assert [k for op, k in writes if op == "PutObject"] == [key["held"], key["larger"], key["small"]]
    assert len(writes) == 7
    for name, path in files.items():
        assert s3_bytes(key[name]) == path.read_bytes()
