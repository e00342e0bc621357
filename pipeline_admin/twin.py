"""The local AWS twin: a moto server on 127.0.0.1 with the same resources the CloudFormation
template creates in AWS. `twin_bootstrap` is idempotent, so it runs at every start."""

import json
import socket
import urllib.request

from botocore.exceptions import ClientError
from django.conf import settings

from ordersite.aws import AwsError, aws_client
from ordersite.aws import s3 as s3_objects

IDENTITY_PATH = "/ordersite-twin"
IDENTITY_SERVICE = "ordersite-twin"


class TwinError(AwsError):
    pass


def twin_identity(endpoint: str | None = None, timeout: float = 1.0) -> dict | None:
    """What the twin at `endpoint` says it is: `{"service", "state_dir", "pid"}`, or None when
    nothing answers there or what answers is not an ordersite twin (another program, a bare moto)."""
    url = (endpoint or settings.AWS_ENDPOINT_URL).rstrip("/") + IDENTITY_PATH
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            identity = json.loads(response.read())
    except (OSError, ValueError):
        return None
    return identity if isinstance(identity, dict) and identity.get("service") == IDENTITY_SERVICE else None


def twin_reachable(endpoint: str | None = None, timeout: float = 1.0) -> bool:
    return twin_identity(endpoint, timeout) is not None


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) != 0


def _queue(sqs, name: str, attributes: dict) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def twin_bootstrap() -> None:
    """Create the bucket, queues, notification, Glue database and crawler, and the workgroup."""
    if settings.PIPELINE_MODE != "local":
        raise TwinError("the local twin is only bootstrapped in PIPELINE_MODE=local")
    s3, sqs, glue, athena = (aws_client(s) for s in ("s3", "sqs", "glue", "athena"))
    bucket = settings.PIPELINE_BUCKET
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        if settings.AWS_REGION == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": settings.AWS_REGION})
    # Versioned as the template's bucket is: a raw upload is read by the version its event names,
    # and an output a failed rerun rewrote can be taken back (the Lambda's `multipart`).
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    _, dlq_arn = _queue(sqs, settings.ORDERS_DLQ_NAME, {"MessageRetentionPeriod": "1209600"})
    _, queue_arn = _queue(
        sqs,
        settings.ORDERS_QUEUE_NAME,
        {
            "VisibilityTimeout": str(settings.TWIN_QUEUE_VISIBILITY_SECONDS),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "raw-csv-to-queue",
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": settings.RAW_PREFIX},
                                {"Name": "suffix", "Value": ".csv"},
                            ]
                        }
                    },
                }
            ]
        },
    )
    # Browsers PUT upload parts straight to the bucket: only the site's origins may (moto honours a
    # bucket's CORS rule once its global allow-all is off: MOTO_DISABLE_GLOBAL_CORS, set by `twin serve`).
    s3_objects.bucket_cors_set(origins=settings.UPLOAD_CORS_ORIGINS)
    try:
        glue.create_database(DatabaseInput={"Name": settings.GLUE_DATABASE})
    except glue.exceptions.AlreadyExistsException:
        pass
    try:
        glue.create_crawler(
            Name=settings.GLUE_CRAWLER,
            Role=settings.GLUE_CRAWLER_ROLE,
            DatabaseName=settings.GLUE_DATABASE,
            Targets={"S3Targets": [{"Path": f"s3://{bucket}/{settings.PROCESSED_PREFIX}"}]},
        )
    except glue.exceptions.AlreadyExistsException:
        pass
    existing = {w["Name"] for w in athena.list_work_groups()["WorkGroups"]}
    if settings.ATHENA_WORKGROUP not in existing:
        athena.create_work_group(
            Name=settings.ATHENA_WORKGROUP,
            Configuration={
                "ResultConfiguration": {"OutputLocation": f"s3://{bucket}/{settings.ENRICHED_PREFIX}"},
                "EnforceWorkGroupConfiguration": True,
            },
        )
