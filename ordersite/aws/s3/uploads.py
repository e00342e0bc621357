"""Browser uploads: a presigned multipart upload into incoming/, checked, then moved to raw/.

The server starts and completes each multipart upload itself (the metadata is set on the
CreateMultipartUpload it signs; the parts it completes are the ones S3 lists, not what a browser
claims); the browser only PUTs parts to presigned URLs, in parallel, straight to S3, which lets only
the site's origin do so (`bucket_cors_set`). Part of `ordersite.aws.s3`.
"""

from dataclasses import dataclass

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from .. import aws_client, aws_presigner
from .objects import S3Error, bucket, objects_delete

# Server-side copies of up to 1 GiB (incoming/ -> raw/) as 16 parts of 64 MiB, 8 at a time.
COPY = TransferConfig(multipart_threshold=64 * 1024 * 1024, multipart_chunksize=64 * 1024 * 1024, max_concurrency=8)


@dataclass(frozen=True)
class StoredPart:
    number: int
    etag: str
    size: int


def multipart_begin(*, key: str, metadata: dict[str, str]) -> str:
    """Start a multipart upload to `key` with the object's metadata; returns its UploadId."""
    try:
        response = aws_client("s3").create_multipart_upload(
            Bucket=bucket(), Key=key, Metadata=metadata, ContentType="text/csv"
        )
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(
            f"could not start an upload to s3://{bucket()}/{key}: {exc}; nothing was saved, please retry"
        ) from exc
    return response["UploadId"]


def part_urls(*, key: str, upload_id: str, numbers: list[int], expires: int = 3600) -> dict[int, str]:
    """Presigned PUT URLs, one per part number (1..10000), valid for `expires` seconds."""
    signer = aws_presigner("s3")
    try:
        return {
            n: signer.generate_presigned_url(
                "upload_part",
                Params={"Bucket": bucket(), "Key": key, "UploadId": upload_id, "PartNumber": n},
                ExpiresIn=expires,
            )
            for n in numbers
        }
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not sign upload links for s3://{bucket()}/{key}: {exc}") from exc


def upload_origin() -> str:
    """The scheme://host[:port] browsers send parts to (for the page's Content-Security-Policy)."""
    url = part_urls(key="incoming/origin-probe", upload_id="probe", numbers=[1])[1]
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def multipart_parts(*, key: str, upload_id: str) -> list[StoredPart]:
    """The parts S3 holds for an unfinished upload, by number (empty when the upload is gone)."""
    parts = []
    try:
        paginator = aws_client("s3").get_paginator("list_parts")
        for page in paginator.paginate(Bucket=bucket(), Key=key, UploadId=upload_id):
            parts += [StoredPart(p["PartNumber"], p["ETag"], p["Size"]) for p in page.get("Parts", [])]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchUpload":
            return []
        raise S3Error(f"could not list the parts of s3://{bucket()}/{key}: {exc}") from exc
    except BotoCoreError as exc:
        raise S3Error(f"could not list the parts of s3://{bucket()}/{key}: {exc}") from exc
    return sorted(parts, key=lambda p: p.number)


def multipart_complete(*, key: str, upload_id: str, parts: list[StoredPart]) -> None:
    try:
        aws_client("s3").complete_multipart_upload(
            Bucket=bucket(),
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]},
        )
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not complete the upload of s3://{bucket()}/{key}: {exc}") from exc


def multipart_abort(*, key: str, upload_id: str) -> None:
    """Abort an unfinished upload; S3 frees its parts. An upload already gone is not an error."""
    try:
        aws_client("s3").abort_multipart_upload(Bucket=bucket(), Key=key, UploadId=upload_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise S3Error(f"could not abort the upload of s3://{bucket()}/{key}: {exc}") from exc
    except BotoCoreError as exc:
        raise S3Error(f"could not abort the upload of s3://{bucket()}/{key}: {exc}") from exc


def object_move(*, source: str, key: str) -> None:
    """Copy `source` to `key` inside the bucket (metadata kept), then delete `source`."""
    try:
        aws_client("s3").copy({"Bucket": bucket(), "Key": source}, bucket(), key, Config=COPY)
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not copy s3://{bucket()}/{source} to {key}: {exc}") from exc
    objects_delete(keys=[source])


def bucket_cors_set(*, origins: list[str]) -> None:
    """Let only these origins PUT parts from a browser (the template sets the same rule in AWS)."""
    rule = {
        "ID": "browser-uploads",
        "AllowedOrigins": origins,
        "AllowedMethods": ["PUT"],
        "AllowedHeaders": ["content-type", "content-md5"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 3000,
    }
    try:
        aws_client("s3").put_bucket_cors(Bucket=bucket(), CORSConfiguration={"CORSRules": [rule]})
    except (BotoCoreError, ClientError) as exc:
        raise S3Error(f"could not set the CORS rule of s3://{bucket()}: {exc}") from exc
