"""S3 holds every stage of the pipeline: raw uploads, processed Parquet, quarantine, manifests
and query results. This module is the only place in the Django project that calls it."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from ordersite.aws import AwsError, aws_client

MULTIPART = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4)


class S3Error(AwsError):
    pass


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime


def _bucket() -> str:
    return settings.PIPELINE_BUCKET


def raw_object_put(*, fileobj: BinaryIO, key: str, metadata: dict[str, str]) -> None:
    """Stream a file to S3 with a managed multipart upload; it is never read whole into memory."""
    try:
        aws_client("s3").upload_fileobj(
            fileobj, _bucket(), key, ExtraArgs={"Metadata": metadata, "ContentType": "text/csv"}, Config=MULTIPART
        )
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(
            f"could not store {key} in S3 ({exc.__class__.__name__}); nothing was saved, please retry"
        ) from exc


def object_list(*, prefix: str, limit: int = 1000, start_after: str = "") -> list[StoredObject]:
    try:
        kwargs = {"Bucket": _bucket(), "Prefix": prefix, "MaxKeys": limit}
        if start_after:
            kwargs["StartAfter"] = start_after
        response = aws_client("s3").list_objects_v2(**kwargs)
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not list s3://{_bucket()}/{prefix}: {exc}") from exc
    return [StoredObject(o["Key"], o["Size"], o["LastModified"]) for o in response.get("Contents", [])]


def objects_iter(*, prefix: str):
    try:
        paginator = aws_client("s3").get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix):
            for o in page.get("Contents", []):
                yield StoredObject(o["Key"], o["Size"], o["LastModified"])
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not list s3://{_bucket()}/{prefix}: {exc}") from exc


def object_bytes(*, key: str) -> bytes:
    try:
        return aws_client("s3").get_object(Bucket=_bucket(), Key=key)["Body"].read()
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not read s3://{_bucket()}/{key}: {exc}") from exc


def object_put_bytes(*, key: str, body: bytes, content_type: str) -> None:
    try:
        aws_client("s3").put_object(Bucket=_bucket(), Key=key, Body=body, ContentType=content_type)
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not write s3://{_bucket()}/{key}: {exc}") from exc


def manifest_list() -> list[dict]:
    """Every processing outcome the Lambda has written so far."""
    return [json.loads(object_bytes(key=o.key)) for o in objects_iter(prefix=settings.MANIFEST_PREFIX)]


def presigned_get(*, key: str, expires: int = 600) -> str:
    return aws_client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=expires
    )
