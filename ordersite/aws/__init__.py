"""The one place that makes boto3 clients.

Every AWS call in the Django project goes through `aws_client`, so the region and the local
twin's endpoint are decided here once, and tests can drop the cache when they swap the backend.
"""

from functools import cache

import boto3
from botocore.config import Config
from django.conf import settings


class AwsError(Exception):
    """An AWS call failed; the message says which service and what to do."""


@cache
def _client(service: str, region: str, endpoint: str):
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=3, read_timeout=30)
    return boto3.client(service, region_name=region, endpoint_url=endpoint or None, config=config)


def aws_client(service: str):
    return _client(service, settings.AWS_REGION, settings.AWS_ENDPOINT_URL)


@cache
def _presigner(service: str, region: str, endpoint: str):
    # Signature V4 always (S3 accepts no other presigned URL in newer regions); virtual-hosted
    # addresses in AWS, so the URL's origin is the bucket's own (what the bucket CORS and the
    # page's connect-src name); path style on the twin, which serves every bucket on one port.
    addressing = "path" if endpoint else "virtual"
    config = Config(signature_version="s3v4", s3={"addressing_style": addressing})
    return boto3.client(service, region_name=region, endpoint_url=endpoint or None, config=config)


def aws_presigner(service: str):
    """A client that only signs URLs for browsers (see ordersite.aws.s3 `part_urls`)."""
    return _presigner(service, settings.AWS_REGION, settings.AWS_ENDPOINT_URL)


def aws_clients_clear() -> None:
    _client.cache_clear()
    _presigner.cache_clear()
