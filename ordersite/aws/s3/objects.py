"""S3's stored objects: raw uploads stored, objects listed, read, written, copied onto themselves
with new metadata (a remap), deleted, and links to them signed. Part of `ordersite.aws.s3`."""

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, BinaryIO

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as NoConnection
from django.conf import settings

from .. import AwsError, aws_client

if TYPE_CHECKING:
    import pyarrow

# At most 4 parts of 8 MiB are held in memory at once (s3transfer's default buffers 10), so the
# web server's memory stays flat whatever the file size.
MULTIPART = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4)
MULTIPART.max_in_memory_upload_chunks = 4  # an s3transfer setting that boto3's constructor does not take


class S3Error(AwsError):
    pass


class S3Unreachable(S3Error):
    """No connection to S3 at all (after the client's retries): the next call would wait as long."""


class S3Missing(S3Error):
    """No object under the key (deleted, or replaced by a later run that wrote other keys)."""


def _read_error(key: str, exc: Exception) -> S3Error:
    missing = isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}
    return (S3Missing if missing else S3Error)(f"could not read s3://{bucket()}/{key}: {exc}")


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime


def bucket() -> str:
    """The pipeline's bucket: every object this package reads or writes is in it."""
    return settings.PIPELINE_BUCKET


def raw_object_put(*, fileobj: BinaryIO, key: str, metadata: dict[str, str]) -> None:
    """Stream a file to S3 with a managed multipart upload; it is never read whole into memory."""
    try:
        aws_client("s3").upload_fileobj(
            fileobj, bucket(), key, ExtraArgs={"Metadata": metadata, "ContentType": "text/csv"}, Config=MULTIPART
        )
    except NoConnection as exc:
        raise S3Unreachable(f"could not reach S3 to store {key}; nothing was saved, please retry") from exc
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(
            f"could not store {key} in S3 ({exc.__class__.__name__}); nothing was saved, please retry"
        ) from exc


def object_list(*, prefix: str, limit: int = 1000, start_after: str = "") -> list[StoredObject]:
    try:
        kwargs = {"Bucket": bucket(), "Prefix": prefix, "MaxKeys": limit}
        if start_after:
            kwargs["StartAfter"] = start_after
        response = aws_client("s3").list_objects_v2(**kwargs)
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not list s3://{bucket()}/{prefix}: {exc}") from exc
    return [StoredObject(o["Key"], o["Size"], o["LastModified"]) for o in response.get("Contents", [])]


def objects_iter(*, prefix: str):
    try:
        paginator = aws_client("s3").get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket(), Prefix=prefix):
            for o in page.get("Contents", []):
                yield StoredObject(o["Key"], o["Size"], o["LastModified"])
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not list s3://{bucket()}/{prefix}: {exc}") from exc


def object_bytes(*, key: str) -> bytes:
    """The whole object; S3Missing when there is none."""
    try:
        return aws_client("s3").get_object(Bucket=bucket(), Key=key)["Body"].read()
    except (BotoCoreError, ClientError) as exc:
        raise _read_error(key, exc) from exc


def object_arrow_buffer(*, key: str) -> "pyarrow.Buffer":
    """The whole object in a buffer Arrow allocated and owns, for pyarrow.parquet to read; S3Missing
    when there is none. Read from Python's bytes instead (io.BytesIO, pa.py_buffer), the last reference
    to them may be dropped by one of Arrow's decoding threads after the read returns; while the
    interpreter exits that thread dies waiting for the GIL and the process aborts (review B8-8: a
    script that reads one file and exits, 2 aborts in 100 runs)."""
    import pyarrow as pa  # only the readers of Parquet need it

    copy = pa.BufferOutputStream()
    object_download(key=key, fileobj=copy)
    return copy.getvalue()


def object_download(*, key: str, fileobj: BinaryIO) -> None:
    """Copy the whole object into `fileobj` (a file on disk) as it arrives, 1 MiB at a time, so the
    web process stays flat whatever the object's size; S3Missing when there is none."""
    try:
        body = aws_client("s3").get_object(Bucket=bucket(), Key=key)["Body"]
        shutil.copyfileobj(body, fileobj, 1024 * 1024)
    except (BotoCoreError, ClientError) as exc:
        raise _read_error(key, exc) from exc


def object_put_bytes(*, key: str, body: bytes, content_type: str) -> None:
    try:
        aws_client("s3").put_object(Bucket=bucket(), Key=key, Body=body, ContentType=content_type)
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not write s3://{bucket()}/{key}: {exc}") from exc


def manifest_list(*, since: datetime | None = None) -> list[dict]:
    """The processing outcomes the Lambda wrote (after `since`), oldest first so a later run wins.

    Listing is cheap (a thousand keys a call); only manifests new enough to matter are read.
    """
    stored = [o for o in objects_iter(prefix=settings.MANIFEST_PREFIX) if since is None or o.last_modified >= since]
    return [json.loads(object_bytes(key=o.key)) for o in sorted(stored, key=lambda o: o.last_modified)]


def object_head(*, key: str) -> dict:
    """The object's HeadObject answer (ContentLength, Metadata, ...); S3Missing when there is none."""
    try:
        return aws_client("s3").head_object(Bucket=bucket(), Key=key)
    except (BotoCoreError, ClientError) as exc:
        raise _read_error(key, exc) from exc


def object_head_bytes(*, key: str, size: int) -> bytes:
    """The first bytes of an object, enough to read its header row."""
    try:
        response = aws_client("s3").get_object(Bucket=bucket(), Key=key, Range=f"bytes=0-{size - 1}")
        return response["Body"].read()
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not read s3://{bucket()}/{key}: {exc}") from exc


LANDED_AT = "landed-at"  # the Lambda's storage.LANDED_AT: its rows' ingested_at


def object_metadata_replace(*, key: str, metadata: dict[str, str]) -> None:
    """Copy an object onto itself with new metadata; S3 sends an ObjectCreated:Copy event for it.

    The copy gives the object a new LastModified, so its first landing time is kept in the
    `landed-at` metadata (ISO 8601, UTC): the one already there, else the LastModified before the
    copy. A remapped older upload thus stays older than a later one (DESIGN "One truth across
    uploads"). Raises S3Missing when the object is gone, S3Error on any other failure."""
    head = object_head(key=key)
    landed = head.get("Metadata", {}).get(LANDED_AT) or head["LastModified"].astimezone(UTC).isoformat()
    try:
        aws_client("s3").copy(
            {"Bucket": bucket(), "Key": key},
            bucket(),
            key,
            ExtraArgs={
                "Metadata": {**metadata, LANDED_AT: landed},
                "MetadataDirective": "REPLACE",
                "ContentType": "text/csv",
            },
            Config=MULTIPART,
        )
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not update s3://{bucket()}/{key}: {exc}") from exc


def objects_delete(*, keys: list[str]) -> int:
    client = aws_client("s3")
    deleted = 0
    try:
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            response = client.delete_objects(Bucket=bucket(), Delete={"Objects": batch, "Quiet": True})
            if response.get("Errors"):
                first = response["Errors"][0]
                raise S3Error(f"could not delete {first['Key']}: {first.get('Message', first.get('Code'))}")
            deleted += len(batch)
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not delete objects in s3://{bucket()}: {exc}") from exc
    return deleted


def object_page(*, prefix: str, token: str = "", limit: int = 50) -> tuple[list[StoredObject], str]:
    """One page of a listing and the token of the next one ("" on the last page)."""
    kwargs = {"Bucket": bucket(), "Prefix": prefix, "MaxKeys": limit}
    if token:
        kwargs["ContinuationToken"] = token
    try:
        response = aws_client("s3").list_objects_v2(**kwargs)
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not list s3://{bucket()}/{prefix}: {exc}") from exc
    objects = [StoredObject(o["Key"], o["Size"], o["LastModified"]) for o in response.get("Contents", [])]
    return objects, response.get("NextContinuationToken", "") if response.get("IsTruncated") else ""


def presigned_get(*, key: str, expires: int = 600, filename: str = "") -> str:
    params = {"Bucket": bucket(), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    try:
        return aws_client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=expires)
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not sign a link to s3://{bucket()}/{key}: {exc}") from exc
