"""A rerun over earlier outputs that fails leaves them as they were (DESIGN.md: a run that fails
removes nothing): the versions it wrote are taken back, the earlier ones current again, and the
outputs it would not write again are only removed once all of its own are in. Without versioning
a key the rerun rewrote keeps its new content (tests/lambda_/test_streamed_outputs.py: a first run
that fails leaves nothing).

A rejection that removes them and fails midway is retried; the manifest that ends it names them all.

Oracle, by hand from BODY: A1 10.00 (2025-05-30) and A2 5.00 (2025-04-01) are counted, 2 orders and
15.00 in months 2025-04 and 2025-05; A3 is rejected (amount "abc")."""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from django.conf import settings
from filter_and_process_orders import spool, storage
from filter_and_process_orders.handler import lambda_handler

from ordersite.aws import aws_client

from .test_handler import BUCKET, keys, manifest_for, put_raw, read_parquet, s3_event, versioned
from .test_streamed_outputs import deny_writing, export, refusing

BODY = (
    b"col_a,col_b,col_c,col_d\n"
    b"A1,10.00,2025-05-30,2025-03-02\nA2,5.00,2025-04-01,2025-03-03\nA3,abc,2025-05-30,2025-03-04\n"
)
ON_ORDER_DATE = {"mapping": json.dumps({"order_id": "col_a", "amount": "col_b", "order_date": "col_c"})}
ON_OTHER_DATE = {"mapping": json.dumps({"order_id": "col_a", "amount": "col_b", "order_date": "col_d"})}


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def outputs() -> dict[str, bytes]:
    s3 = aws_client("s3")
    found = keys(settings.PROCESSED_PREFIX) + keys(settings.QUARANTINE_PREFIX)
    return {k: s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in found}


def counted() -> tuple[int, Decimal]:
    rows = [r for k in keys(settings.PROCESSED_PREFIX) for r in read_parquet(k).to_pylist() if not r["stale"]]
    return len(rows), sum((r["amount"] for r in rows), Decimal(0))


def assert_as_before(before: dict[str, bytes]) -> None:
    after = outputs()
    assert sorted(after) == sorted(before), f"missing {sorted(set(before) - set(after))}"
    assert after == before  # byte for byte: the earlier versions are current again
    assert aws_client("s3").list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


# The template's bucket is versioned; the twin's is not (moto's events carry no versionId): there a key
# the rerun rewrote keeps its new content, the same bytes for the same event, and nothing is removed.
def processed_once(key: str) -> tuple[str, dict[str, bytes]]:
    """BODY put at `key` in the versioned bucket and processed: its ETag and the outputs written."""
    versioned()
    etag = put_raw(key, BODY, ON_ORDER_DATE)
    lambda_handler(s3_event(key, etag))
    return etag, outputs()


@contextmanager
def hooked(*hooks: tuple[str, Callable]) -> Iterator[None]:
    """The Lambda's S3 client calls each (botocore event, hook) meanwhile."""
    events = storage.s3_client().meta.events
    for event, hook in hooks:
        events.register(event, hook)
    try:
        yield
    finally:
        for event, hook in hooks:
            events.unregister(event, hook)


@pytest.mark.parametrize("bucket", ["versioned", "unversioned"])
@pytest.mark.parametrize("remapped", [False, True], ids=["the same event again", "remapped to other months"])
def test_a_rerun_whose_rejected_rows_are_refused_leaves_the_earlier_outputs(remapped, bucket):
    if bucket == "versioned":
        versioned()
    key = "raw/2025/06/01/f__orders.csv"
    etag = put_raw(key, BODY, ON_ORDER_DATE)
    lambda_handler(s3_event(key, etag))
    before = outputs()
    assert sorted(k.split("order_month=")[1][:7] for k in before if k.endswith(".parquet")) == ["2025-04", "2025-05"]
    assert counted() == (2, Decimal("15.00"))
    if remapped:  # the rerun would write 2025-03 and remove 2025-04 and 2025-05
        s3 = aws_client("s3")
        source = {"Bucket": BUCKET, "Key": key}
        s3.copy_object(Bucket=BUCKET, Key=key, CopySource=source, Metadata=ON_OTHER_DATE, MetadataDirective="REPLACE")
    deny_writing(f"{settings.QUARANTINE_PREFIX}*/rejected_rows.csv")  # PUT at its close, as the months

    with pytest.raises(ClientError, match="Forbidden"):
        lambda_handler(s3_event(key, etag))

    aws_client("s3").delete_bucket_policy(Bucket=BUCKET)
    assert_as_before(before)
    assert counted() == (2, Decimal("15.00"))


def test_a_rerun_whose_multipart_completion_fails_leaves_the_earlier_outputs(monkeypatch):
    versioned()
    monkeypatch.setattr(spool, "STREAMED_FROM", 0)  # the rejected rows go up as they are written
    body, expected = export()  # rejected rows over one part: a multipart upload, completed last
    key = "raw/2025/06/01/big__orders.csv"
    etag = put_raw(key, body)
    lambda_handler(s3_event(key, etag))
    before = outputs()
    assert len([k for k in before if k.endswith(".parquet")]) == len(expected["months"])

    with refusing("CompleteMultipartUpload", "rejected_rows.csv"), pytest.raises(ClientError, match="injected"):
        lambda_handler(s3_event(key, etag))

    assert_as_before(before)
    assert counted() == (expected["orders"] - expected["stale"], expected["counted"])


def test_a_rerun_whose_months_are_refused_takes_back_the_rejected_rows_it_rewrote():
    # The rejected rows go up (a new version of the earlier run's key), every month is refused: the
    # take-back deletes that version (s3:DeleteObjectVersion under quarantine/), the earlier is current.
    key = "raw/2025/06/01/m__orders.csv"
    etag, before = processed_once(key)
    rejected = [k for k in before if k.endswith("rejected_rows.csv")]
    assert len(rejected) == 1 and b"A3" in before[rejected[0]]
    deny_writing(f"{settings.PROCESSED_PREFIX}*")
    taken_back = []

    def note(params, **_):
        if params.get("VersionId"):
            taken_back.append(params["Key"])

    with hooked(("before-parameter-build.s3.DeleteObject", note)), pytest.raises(ClientError, match="Forbidden"):
        lambda_handler(s3_event(key, etag))

    aws_client("s3").delete_bucket_policy(Bucket=BUCKET)
    assert taken_back == rejected  # the rerun's version was written, then that version deleted
    versions = aws_client("s3").list_object_versions(Bucket=BUCKET, Prefix=rejected[0]).get("Versions", [])
    assert len(versions) == 1
    assert_as_before(before)
    assert counted() == (2, Decimal("15.00"))


def test_a_rerun_that_fails_after_its_months_went_up_deletes_the_versions_it_wrote():
    # Each month is PUT as soon as its file is closed, before the run publishes; publishing needs the
    # listing of the earlier outputs, refused here: the months' new versions are deleted again.
    key = "raw/2025/06/01/l__orders.csv"
    etag, before = processed_once(key)
    months = sorted(k for k in before if k.endswith(".parquet"))
    put: list[str] = []
    all_put = threading.Event()

    def refuse_listing(params, **_):
        # Refused once every month is up (the listing starts with the run, beside the first manifest):
        # on a loaded machine an early refusal would end the run before some months were sent at all.
        all_put.wait(timeout=60)
        raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "ListObjectsV2")

    def note_put(http_response, context, **_):  # the PUTs S3 accepted, by the key in the request
        if http_response.status_code == 200 and context.get("put_key", "").endswith(".parquet"):
            put.append(context["put_key"])
            if len(put) == len(months):
                all_put.set()

    hooks = hooked(
        ("before-parameter-build.s3.ListObjectsV2", refuse_listing),
        ("before-parameter-build.s3.PutObject", lambda params, context, **_: context.update(put_key=params["Key"])),
        ("after-call.s3.PutObject", note_put),
    )
    with hooks, pytest.raises(ClientError, match="injected"):
        lambda_handler(s3_event(key, etag))

    assert sorted(put) == months
    s3 = aws_client("s3")
    for month in months:  # the rerun's version was written, then deleted: only the earlier one is left
        assert len(s3.list_object_versions(Bucket=BUCKET, Prefix=month).get("Versions", [])) == 1
    assert_as_before(before)
    assert "injected" in manifest_for(key)["last_error"]


def test_a_rejection_whose_removal_failed_midway_names_every_earlier_output_once_its_retry_ends_it():
    key = "raw/2025/06/01/w__orders.csv"
    etag = put_raw(key, BODY, ON_ORDER_DATE)
    lambda_handler(s3_event(key, etag))
    before = sorted(outputs())
    assert len(before) == 3  # months 2025-04 and 2025-05, the rejected rows (A3)
    # The mapping dropped (the same bytes: the same source): no column maps, the file is rejected as a whole.
    source = {"Bucket": BUCKET, "Key": key}
    aws_client("s3").copy_object(Bucket=BUCKET, Key=key, CopySource=source, Metadata={}, MetadataDirective="REPLACE")

    with refusing("DeleteObject", "rejected_rows.csv"), pytest.raises(ClientError, match="injected"):
        lambda_handler(s3_event(key, etag))
    assert keys(settings.PROCESSED_PREFIX) == []  # the months went before the removal failed
    assert [k for k in before if k in keys(settings.QUARANTINE_PREFIX)] == [before[-1]]  # the rejected rows stay

    lambda_handler(s3_event(key, etag))  # the retry ends it
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "missing_column")
    assert sorted(manifest["outputs_removed"]) == before  # every earlier output, not only the one left
    assert keys(settings.PROCESSED_PREFIX) == [] and keys(settings.QUARANTINE_PREFIX) == []


def test_a_run_that_publishes_after_a_rejection_failed_midway_names_what_that_rejection_removed():
    key = "raw/2025/06/01/x__orders.csv"
    etag = put_raw(key, BODY, ON_ORDER_DATE)
    lambda_handler(s3_event(key, etag))
    months = sorted(k for k in outputs() if k.endswith(".parquet"))
    assert [k.split("order_month=")[1][:7] for k in months] == ["2025-04", "2025-05"]
    s3, source = aws_client("s3"), {"Bucket": BUCKET, "Key": key}
    s3.copy_object(Bucket=BUCKET, Key=key, CopySource=source, Metadata={}, MetadataDirective="REPLACE")
    with refusing("DeleteObject", "rejected_rows.csv"), pytest.raises(ClientError, match="injected"):
        lambda_handler(s3_event(key, etag))  # rejected as a whole: both months removed, then the failure
    # Read on the other date column before the retry: A1 and A2 are in 2025-03; A3 is still rejected.
    s3.copy_object(Bucket=BUCKET, Key=key, CopySource=source, Metadata=ON_OTHER_DATE, MetadataDirective="REPLACE")

    lambda_handler(s3_event(key, etag))
    manifest = manifest_for(key)
    assert [k.split("order_month=")[1][:7] for k in manifest["outputs"]] == ["2025-03"]
    assert sorted(manifest["outputs_removed"]) == months  # the rejected rows were written again
    assert sorted(outputs()) == sorted([*manifest["outputs"], manifest["rejected_key"]])
    assert counted() == (2, Decimal("15.00"))
