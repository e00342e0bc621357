"""S3 reads and writes of the Lambda: the raw object in, Parquet, quarantine and manifest out."""

import gzip
import hashlib
import json
import logging
import os
from datetime import datetime

import botocore.loaders
import botocore.session
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from . import profile
from .contract import SCHEMA as ORDERS_SCHEMA  # noqa: F401  (the Parquet schema; others import it from here)
from .read_ahead import ReadAhead

logger = logging.getLogger(__name__)

# The raw object's metadata key holding when the file first landed in raw/ (ISO 8601 with an offset,
# as `datetime.isoformat` writes it). The control plane's copies of a raw object onto itself (a
# column remap, a grain override: ordersite.aws.s3.object_metadata_replace) give it a new
# LastModified, so they write this key: the landing time then survives every copy.
LANDED_AT = "landed-at"

# What S3 answers when the key, or the version the event names, no longer exists.
GONE = {"NoSuchKey", "NoSuchVersion", "404", "NotFound"}


class ObjectGone(Exception):
    """The object (or its version) was deleted before it could be read: nothing to retry."""


class Superseded(Exception):
    """The version an event names is no longer the key's current one (`current`, its version id)."""

    def __init__(self, current: str):
        super().__init__(current)
        self.current = current


_s3 = None


def s3_client():
    """The process's S3 client (made at the first call): standard retries, 5 attempts, 16 connections."""
    # botocore reads AWS_ENDPOINT_URL itself, so the local twin needs no code path of its own. A
    # botocore session, not boto3's: boto3 would add its resources and s3transfer's manager to every
    # start-up (16 ms of imports with s3transfer.utils, which multipart imports anyway) for nothing
    # the handler calls. A new session each time, so a client made
    # again (after `_s3 = None`) reads the credentials in the environment then.
    # Bodies are not signed: what botocore does for every PutObject and UploadPart over HTTPS (AWS's
    # endpoints), which carry a CRC32 checksum instead (multipart.CHECKSUM). Over plain HTTP (the
    # twin) it would otherwise hash every body with SHA-256 for the signature: 0.02 CPU s a 1M-row run.
    global _s3
    if _s3 is None:
        # Connections: the outputs' upload threads (multipart.THREADS), the listing beside them, the main thread.
        config = BotoConfig(
            retries={"max_attempts": 5, "mode": "standard"},
            max_pool_connections=16,
            s3={"payload_signing_enabled": False},
        )
        session = botocore.session.get_session()
        paths = (session.get_config_variable("data_path") or "").split(os.pathsep)  # AWS_DATA_PATH, as botocore's
        models = _S3Models([os.path.expanduser(p) for p in paths if p], file_loader=_JSONFiles())
        session.register_component("data_loader", models)
        _s3 = session.create_client("s3", config=config)
    return _s3


class _S3Models(botocore.loaders.Loader):
    """botocore's loader of service models, for a session that makes only an S3 client. The stock
    loader checks that a service exists by listing every service's model directory (about 430: 2,600
    stat and 870 listdir calls), once per kind of model a client loads (its API, its endpoint rules,
    then its paginators): 15 of the 75 CPU ms an S3 client took to make at the first invocation,
    and 6 ms at the first paginator. Here S3 is the only service it knows."""

    def list_available_services(self, type_name: str) -> list[str]:
        return ["s3"]


class _JSONFiles(botocore.loaders.JSONFileLoader):
    """botocore's model files read into plain dicts, not OrderedDicts (botocore asks only for their
    order, which dicts keep): 2.5x faster to decode, 12 CPU ms less for the ~3.6 MB an S3 client
    reads (its API, its endpoint rules, the endpoints of every region)."""

    def load_file(self, file_path: str):
        """The data of `file_path` + ".json" or ".json.gz" (the first found), as botocore's; None if neither."""
        for extension, opener in ((".json", open), (".json.gz", gzip.open)):
            if os.path.isfile(file_path + extension):
                with opener(file_path + extension, "rb") as file:
                    return json.loads(file.read())
        return None


def source_id(key: str, etag: str, version_id: str) -> str:
    return hashlib.sha256(f"{key}\n{version_id or etag}".encode()).hexdigest()[:24]


@profile.timed("read.open object")
def open_object(bucket: str, key: str, version_id: str = ""):
    """The raw object's stream (read ahead by a thread: close it when done), metadata, size, ETag and
    when it first landed in raw/ (`landed_at`): the version the event names when it names one.
    Raises Superseded when that version is no longer the key's current one, ObjectGone when it or
    the key is gone.

    One GET of the key answers both "is the named version current?" and "what does it hold?": its
    response names the version it returns (a HeadObject first cost a round trip before the first
    byte, 4-10 ms on the twin, and left a remap between the two requests unseen). The version is
    fetched by id only when the key's current object is gone (a delete marker: the version may still
    be there) or carries no version id ("null": versioning was suspended since)."""
    if not version_id:
        return _opened(_get(bucket, key), key)
    try:
        response = _get(bucket, key)
    except ObjectGone:
        return _opened(_get(bucket, key, version_id), key)
    current = response.get("VersionId") or "null"  # S3 omits it in a bucket without versioning
    if current == version_id:
        return _opened(response, key)
    response["Body"].close()  # unread: its connection is dropped, not reused
    if current != "null":
        raise Superseded(current)
    return _opened(_get(bucket, key, version_id), key)


def _get(bucket: str, key: str, version_id: str = "") -> dict:
    """GetObject's response (its body not read yet); ObjectGone when the key or that version is gone."""
    args = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
    try:
        return s3_client().get_object(**args)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in GONE or (code == "InvalidArgument" and version_id):
            raise ObjectGone(f"{key} ({version_id or 'latest'}): {code}") from None
        raise


def _opened(response: dict, key: str):
    metadata = response.get("Metadata", {})
    return (
        ReadAhead(response["Body"]),
        metadata,
        response["ContentLength"],
        response.get("ETag", "").strip('"'),
        landed_at(metadata, response["LastModified"], key),
    )


def landed_at(metadata: dict, last_modified: datetime, key: str = "") -> datetime:
    """When the raw object first landed in raw/ (an aware datetime): its `landed-at` metadata when
    a copy wrote one, else its LastModified. A `landed-at` that is not an ISO 8601 time with an
    offset, or that is later than LastModified (no copy lands before the file did), is ignored with
    a warning, and LastModified is used, as a bad `as-of` falls back to the event time."""
    text = (metadata.get(LANDED_AT) or "").strip()
    if not text:
        return last_modified
    try:
        landed = datetime.fromisoformat(text)
    except ValueError:
        landed = None
    if landed is None or landed.tzinfo is None or landed > last_modified:
        logger.warning("ignoring bad %s metadata %r on %s (LastModified %s used)", LANDED_AT, text, key, last_modified)
        return last_modified
    return landed


@profile.timed("write.manifest")
def write_manifest(bucket: str, key: str, manifest: dict) -> None:
    body = json.dumps(manifest, indent=1, default=str).encode()
    s3_client().put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def write_json(bucket: str, key: str, value: list) -> None:
    s3_client().put_object(Bucket=bucket, Key=key, Body=json.dumps(value).encode(), ContentType="application/json")


def read_json(bucket: str, key: str) -> list:
    """A JSON list this module wrote (`write_json`)."""
    return list(json.loads(s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()))


@profile.timed("write.list old outputs")
def list_keys(bucket: str, prefix: str, suffix: str = "") -> list[str]:
    """The keys under `prefix` that end with `suffix`."""
    paginator = s3_client().get_paginator("list_objects_v2")
    return [
        obj["Key"]
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
        for obj in page.get("Contents", [])
        if obj["Key"].endswith(suffix)
    ]


@profile.timed("write.delete old outputs")
def delete_objects(bucket: str, keys: list[str]) -> None:
    """Deletes each key: a reprocessed file's outputs that this run did not write again (once its
    own outputs are all in), or every output of a source withdrawn."""
    for key in keys:
        s3_client().delete_object(Bucket=bucket, Key=key)
