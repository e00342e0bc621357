"""The twin answers GetObject of a large object from moto's file as it reads it, with S3's bytes and
headers: the whole object, a range, a version, a condition, and an object overwritten mid-GET.

Run in this process against the twin's WSGI app (`_App`), so the test sees that the body is streamed:
a moto upgrade that renames what `_get_object_streamed` relies on fails here, not silently slower."""

import os
from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from pipeline_admin.twin_server import STREAM_PIECE, _App

AUTH = "AWS4-HMAC-SHA256 Credential=x/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x"
BUCKET = "streamed-get-test"
BIG = os.urandom(STREAM_PIECE) * 6 + b"tail"  # past moto's 5 MB in-memory buffer: kept in a file


@pytest.fixture
def s3() -> Iterator[Client]:
    client = Client(_App(None))
    client.post("/moto-api/reset")
    yield client
    client.post("/moto-api/reset")


def put(s3: Client, key: str, body: bytes) -> dict:
    response = s3.put(f"/{BUCKET}/{key}", headers={"Authorization": AUTH}, data=body)
    assert response.status_code == 200, response.data
    return dict(response.headers)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def bucket(s3: Client, versioned: bool) -> None:
    assert s3.put(f"/{BUCKET}", headers={"Authorization": AUTH}).status_code == 200
    if versioned:
        body = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
        assert s3.put(f"/{BUCKET}?versioning", headers={"Authorization": AUTH}, data=body).status_code == 200


def test_a_large_object_is_sent_in_pieces_with_its_bytes_and_headers(s3):
    bucket(s3, versioned=True)
    put(s3, "raw/big.csv", BIG)
    fds = open_fds()
    response = s3.get(f"/{BUCKET}/raw/big.csv", headers={"Authorization": AUTH}, buffered=False)
    assert response.is_streamed
    pieces = list(response.iter_encoded())
    response.close()
    assert [len(p) for p in pieces] == [STREAM_PIECE] * 6 + [4]
    assert b"".join(pieces) == BIG
    assert response.headers["Content-Length"] == str(len(BIG)) and response.headers["x-amz-version-id"]
    assert open_fds() == fds  # the duplicate descriptor is closed with the response


def test_a_range_a_version_and_a_small_object_are_read_as_moto_reads_them(s3):
    bucket(s3, versioned=True)
    first = put(s3, "raw/big.csv", BIG)["x-amz-version-id"]
    put(s3, "raw/big.csv", b"small")
    ranged = s3.get(f"/{BUCKET}/raw/big.csv?versionId={first}", headers={"Authorization": AUTH, "Range": "bytes=5-9"})
    assert (ranged.status_code, ranged.data) == (206, BIG[5:10])
    older = s3.get(f"/{BUCKET}/raw/big.csv?versionId={first}", headers={"Authorization": AUTH})
    assert (older.status_code, older.data) == (200, BIG)
    latest = s3.get(f"/{BUCKET}/raw/big.csv", headers={"Authorization": AUTH})
    assert (latest.status_code, latest.data) == (200, b"small")


def test_a_condition_that_holds_answers_not_modified_without_keeping_a_descriptor(s3):
    bucket(s3, versioned=False)
    etag = put(s3, "raw/big.csv", BIG)["ETag"]
    fds = open_fds()
    response = s3.get(f"/{BUCKET}/raw/big.csv", headers={"Authorization": AUTH, "If-None-Match": etag})
    assert (response.status_code, response.data) == (304, b"")
    assert open_fds() == fds


def test_an_object_overwritten_while_it_is_sent_is_sent_whole(s3):
    # Without versioning moto closes the old object's file when the key is overwritten; S3 still
    # sends the object the GET found, and so does the twin, from its own descriptor.
    bucket(s3, versioned=False)
    put(s3, "raw/big.csv", BIG)
    response = s3.get(f"/{BUCKET}/raw/big.csv", headers={"Authorization": AUTH}, buffered=False)
    pieces = response.iter_encoded()
    first = next(pieces)
    put(s3, "raw/big.csv", b"new")
    assert first + b"".join(pieces) == BIG
    response.close()
    assert s3.get(f"/{BUCKET}/raw/big.csv", headers={"Authorization": AUTH}).data == b"new"
