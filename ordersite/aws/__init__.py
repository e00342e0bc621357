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


def aws_clients_clear() -> None:
    _client.cache_clear()
