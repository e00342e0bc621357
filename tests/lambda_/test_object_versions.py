"""Which version of a raw object the handler reads, told by the GET that reads it: the key's current
object is fetched and its version id compared with the event's, no HeadObject first. The requests
are counted by botocore's hooks on the handler's client, as the twin received them.

Oracle, by hand from the bodies: FIRST is 1 order / 1.00 (A1), SECOND 2 orders / 8.00 (B1 7.00 +
B2 1), all dated 2025-05-30, within 30 days of the event's 2025-06-01."""

import pytest
from django.conf import settings
from filter_and_process_orders import storage
from filter_and_process_orders.handler import lambda_handler

from ordersite.aws import aws_client

from .test_handler import BUCKET, keys, manifest_for, s3_event, sqs_event, versioned

KEY = "raw/2025/06/01/v__orders.csv"
FIRST = b"order_id,amount,order_date\nA1,1.00,2025-05-30\n"
SECOND = b"order_id,amount,order_date\nB1,7.00,2025-05-30\nB2,1,2025-05-30\n"


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


@pytest.fixture
def reads():
    """The requests of the handler's client that read the raw key: (operation, VersionId asked for)."""
    made: list[tuple[str, str]] = []

    def note(params, model, **_):
        if params.get("Key") == KEY:
            made.append((model.name, params.get("VersionId", "")))

    events = storage.s3_client().meta.events
    events.register("before-parameter-build.s3", note)
    yield made
    events.unregister("before-parameter-build.s3", note)


def put(body: bytes) -> dict:
    return aws_client("s3").put_object(Bucket=BUCKET, Key=KEY, Body=body)


def event_of(put_response: dict, version_id: str | None = None) -> dict:
    version = put_response.get("VersionId", "") if version_id is None else version_id
    return s3_event(KEY, put_response["ETag"].strip('"'), version_id=version)


def test_the_current_version_is_read_by_one_get_of_the_key_without_a_head_object(reads):
    versioned()
    first = put(FIRST)
    lambda_handler(event_of(first))
    assert reads == [("GetObject", "")]
    manifest = manifest_for(KEY)
    assert (manifest["version_id"], manifest["orders"], manifest["amount_total"]) == (first["VersionId"], 1, "1.00")


def test_a_late_event_of_an_overwritten_version_makes_one_get_and_writes_nothing(reads):
    versioned()
    first = put(FIRST)
    put(SECOND)
    assert lambda_handler(sqs_event(event_of(first))) == {"batchItemFailures": []}
    assert reads == [("GetObject", "")]
    assert keys("") == [KEY]  # no manifest, no output, no upload left open
    assert aws_client("s3").list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_a_version_whose_key_was_deleted_since_is_still_read_by_its_id(reads):
    # The key's current object is a delete marker; the version the event names is still stored, and
    # its orders are the file's, as when the version was checked by a HeadObject first.
    versioned()
    first = put(FIRST)
    aws_client("s3").delete_object(Bucket=BUCKET, Key=KEY)
    lambda_handler(event_of(first))
    assert reads == [("GetObject", ""), ("GetObject", first["VersionId"])]
    manifest = manifest_for(KEY)
    assert (manifest["status"], manifest["orders"], manifest["amount_total"]) == ("processed", 1, "1.00")


def test_an_event_naming_the_null_version_of_a_bucket_with_versioning_suspended_reads_the_key_once(reads):
    aws_client("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    second = put(SECOND)
    assert second.get("VersionId", "null") == "null"
    lambda_handler(event_of(second, version_id="null"))
    assert reads == [("GetObject", "")]
    manifest = manifest_for(KEY)
    assert (manifest["version_id"], manifest["orders"], manifest["amount_total"]) == ("null", 2, "8.00")
