"""The admin actions and the Lambda under the template's own policies, in a moto server that enforces IAM.

moto checks actions, and for S3 resources too (not conditions such as s3:prefix, nor SQS, Glue or
Athena resources: test_iam_from_code.py covers those), once INITIAL_NO_AUTH_ACTION_COUNT requests
have passed. This server creates an administrator
in those requests, then one IAM user per role carrying that role's rendered policies; the site runs
with the web server's, the Lambda with its own. The twin's setup and the event source mapping's
polling run as the administrator.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import filter_and_process_orders.storage as lambda_storage
import pytest
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from filter_and_process_orders.handler import lambda_handler

from ordersite.aws import aws_clients_clear
from pipeline_admin.models import Upload
from pipeline_admin.runtime import _sqs_event
from pipeline_admin.services import uploads_sync
from pipeline_admin.twin import twin_bootstrap
from tests.services import _wait_port, free_port

from .template import as_list, role_statements

ACCOUNT = "123456789012"  # moto's default account
ORDERS = b"OrderID,Customer,Amount,Status,OrderDate\n1,A,10.00,shipped,2025-05-01\n2,B,20.00,shipped,2025-05-02\n"
ORDERS += b"3,C,5.00,pending,2025-01-02\n"  # stale as of 2025-06-01
UNKNOWN_HEADER = b"Ref,When,Total,Who\nX1,2025-05-01,10.00,A\nX2,2025-05-02,20.00,B\n"


def _names() -> dict[str, str]:
    region, bucket = settings.AWS_REGION, settings.PIPELINE_BUCKET
    queue = f"arn:aws:sqs:{region}:{ACCOUNT}:"
    return {
        "AWS::Partition": "aws", "AWS::Region": region, "AWS::AccountId": ACCOUNT,
        "PipelineBucket": bucket, "PipelineBucket.Arn": f"arn:aws:s3:::{bucket}",
        "RawEventsQueue.Arn": queue + settings.ORDERS_QUEUE_NAME, "RawEventsDlq.Arn": queue + settings.ORDERS_DLQ_NAME,
        "GlueDatabase": settings.GLUE_DATABASE, "ProcessedOrdersCrawler": settings.GLUE_CRAWLER,
        "AthenaWorkGroup": settings.ATHENA_WORKGROUP, "DataVolume": "vol-0123456789abcdef0",
        "AppSecretKey": f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:ordersite/django-secret-key",
        "WebServerProfile.Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/ordersite-web",
        "FilterAndProcessOrdersLogGroup.Arn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/ordersite",
    }  # fmt: skip


def rendered(value):
    """A policy fragment of the template with its intrinsics resolved to this test's names."""
    names = _names()
    if isinstance(value, list):
        return [rendered(v) for v in value]
    if isinstance(value, dict):
        if "Fn::Sub" in value:
            return re.sub(r"\$\{([^}]+)\}", lambda m: names[m.group(1)], value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            return names[".".join(value["Fn::GetAtt"])]
        if "Ref" in value:
            return names[value["Ref"]]
        return {k: rendered(v) for k, v in value.items()}
    return value


def policy_of(role: str, *, without=()) -> str:
    statements = [rendered(s) for s in role_statements(role)]
    for statement in statements:
        # moto matches resources for S3 only; for other services it authorises against "*", so their
        # statements keep their actions but name every resource (test_iam_from_code.py checks those).
        if not all(a.startswith("s3:") for a in as_list(statement["Action"])):
            statement["Resource"] = "*"
        # moto authorises DeleteObjects (one request, many keys) against the bucket, not each key.
        elif "s3:DeleteObject" in as_list(statement["Action"]):
            statement["Resource"] = as_list(statement["Resource"]) + [_names()["PipelineBucket.Arn"]]
    for sid, resource in without:  # take one resource out of a statement, to show the server enforces
        statement = next(s for s in statements if s["Sid"] == sid)
        statement["Resource"] = [r for r in statement["Resource"] if not r.endswith(resource)]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class EnforcingMoto:
    """A moto server of its own that enforces IAM after the administrator is made."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        env = os.environ | {"INITIAL_NO_AUTH_ACTION_COUNT": "3"}
        moto = Path(sys.executable).parent / "moto_server"
        self.log = open(tmp / "moto.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(self.port)], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        _wait_port(self.port, 30)
        self.url = f"http://127.0.0.1:{self.port}"
        iam = self._client("iam", ("anyone", "anything"))
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))  # fmt: skip
        self.admin = self._keys(iam, "admin")

    def _client(self, service: str, keys: tuple[str, str]):
        return boto3.client(service, endpoint_url=self.url, region_name=settings.AWS_REGION,
                            aws_access_key_id=keys[0], aws_secret_access_key=keys[1])  # fmt: skip

    @staticmethod
    def _keys(iam, user: str) -> tuple[str, str]:
        key = iam.create_access_key(UserName=user)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def user_with(self, name: str, policy: str) -> tuple[str, str]:
        iam = self._client("iam", self.admin)
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="template", PolicyDocument=policy)
        return self._keys(iam, name)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


def _act_as(monkeypatch, keys: tuple[str, str]) -> None:
    """Every client made from here on signs with these keys (the Lambda's and the site's alike)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys[1])
    boto3.DEFAULT_SESSION = None  # its credentials are read once and kept
    aws_clients_clear()
    lambda_storage._s3 = None


@pytest.fixture
def enforced(db, tmp_path, monkeypatch):
    server = EnforcingMoto(tmp_path)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    with override_settings(AWS_ENDPOINT_URL=server.url):
        _act_as(monkeypatch, server.admin)
        twin_bootstrap()
        cache.clear()
        server.monkeypatch = monkeypatch
        yield server
    boto3.DEFAULT_SESSION = None
    aws_clients_clear()
    lambda_storage._s3 = None
    cache.clear()
    server.stop()


def lambda_runs(server, lambda_keys, web_keys) -> None:
    """The event source mapping (as the administrator) hands the queue to the Lambda (as its role)."""
    sqs = server._client("sqs", server.admin)
    url = sqs.get_queue_url(QueueName=settings.ORDERS_QUEUE_NAME)["QueueUrl"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        _act_as(server.monkeypatch, lambda_keys)
        try:
            response = lambda_handler(_sqs_event(messages, f"arn:aws:sqs:{settings.AWS_REGION}:{ACCOUNT}:queue"))
        finally:
            _act_as(server.monkeypatch, web_keys)
        assert response == {"batchItemFailures": []}, "the Lambda failed under its role (see the log)"
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    uploads_sync()


def _upload(client, name: str, body: bytes) -> Upload:
    client.post(reverse("pipeline_admin:upload"), {"files": [SimpleUploadedFile(name, body, "text/csv")],
                                                   "as_of": "2025-06-01"}, follow=True)  # fmt: skip
    return Upload.objects.get(original_name=name)


def test_the_admin_actions_and_the_lambda_work_under_the_templates_policies(enforced, client, pipeline_admin):
    lambda_keys = enforced.user_with("lambda", policy_of("FilterAndProcessOrdersRole"))
    web_keys = enforced.user_with("web", policy_of("WebServerRole"))
    _act_as(enforced.monkeypatch, web_keys)
    client.force_login(pipeline_admin)
    upload = _upload(client, "orders.csv", ORDERS)
    lambda_runs(enforced, lambda_keys, web_keys)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED, upload.status_reason
    assert client.get(reverse("pipeline_admin:bucket")).status_code == 200
    assert client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).status_code == 200
    # the stale orders' download: the site reads the Parquet under processed/
    stale = client.get(reverse("pipeline_admin:upload_stale_orders", args=[upload.pk]))
    assert b"".join(stale.streaming_content).decode().splitlines()[1:] == ['"3","C",5.00,"pending",2025-01-02,4']
    # reprocess: the raw file is copied onto itself (read + write raw/), the old outputs deleted
    page = client.post(reverse("pipeline_admin:upload_reprocess", args=[upload.pk]), follow=True).content.decode()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.UPLOADED, (
        re.findall(r'class="message[^"]*"[^>]*>([^<]*)', page) or page[-3000:]
    )
    lambda_runs(enforced, lambda_keys, web_keys)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED, upload.status_reason
    # remap: a file with unknown columns gets a mapping and is processed again
    unknown = _upload(client, "export.csv", UNKNOWN_HEADER)
    lambda_runs(enforced, lambda_keys, web_keys)
    mapping = {"order_id": "Ref", "order_date": "When", "amount": "Total", "customer": "Who", "status": ""}
    client.post(reverse("pipeline_admin:upload_remap", args=[unknown.pk]), mapping)
    lambda_runs(enforced, lambda_keys, web_keys)
    unknown.refresh_from_db()
    assert (unknown.status, unknown.rows_out) == (Upload.Status.PROCESSED, 2), unknown.status_reason
    # delete output: processed/, quarantine/ and manifests/ go, raw/ stays
    client.post(reverse("pipeline_admin:upload_output_delete", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == Upload.Status.WITHDRAWN, upload.status_reason


def test_the_enforcing_server_refuses_what_the_policy_leaves_out(enforced, client, pipeline_admin):
    # Without GetObject on raw/ (the gap this template once had), reprocessing cannot copy the raw file.
    lambda_keys = enforced.user_with("lambda", policy_of("FilterAndProcessOrdersRole"))
    web_keys = enforced.user_with("web", policy_of("WebServerRole", without=[("ReadPipelineObjects", "/raw/*")]))
    _act_as(enforced.monkeypatch, web_keys)
    client.force_login(pipeline_admin)
    upload = _upload(client, "orders.csv", ORDERS)
    lambda_runs(enforced, lambda_keys, web_keys)
    page = client.post(reverse("pipeline_admin:upload_reprocess", args=[upload.pk]), follow=True).content.decode()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED, "nothing changed"
    assert "AccessDenied" in page or "403" in page or "Forbidden" in page, page[-2000:]


MAPPED = b"a,b,c,d\nA1,10.00,2025-05-30,2025-03-02\nA2,abc,2025-05-30,2025-03-03\n"  # A2 rejected


def _mapping(date_column: str) -> dict[str, str]:
    return {"mapping": json.dumps({"order_id": "a", "amount": "b", "order_date": date_column})}


@pytest.mark.parametrize("granted", [True, False], ids=["granted", "without DeleteObjectVersion on processed/"])
def test_a_failed_rerun_takes_back_its_own_versions_under_the_lambdas_role(enforced, granted):
    without = [] if granted else [("TakeBackFailedOutputs", "/processed/*")]
    lambda_keys = enforced.user_with("lambda", policy_of("FilterAndProcessOrdersRole", without=without))
    s3, bucket, key = enforced._client("s3", enforced.admin), settings.PIPELINE_BUCKET, "raw/2025/06/01/v__orders.csv"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})  # as the template's
    etag = s3.put_object(Bucket=bucket, Key=key, Body=MAPPED, Metadata=_mapping("c"))["ETag"].strip('"')
    s3_record = {"bucket": {"name": bucket}, "object": {"key": key, "eTag": etag, "size": len(MAPPED)}}
    record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "eventTime": "2025-06-01T12:00:00Z"}
    event = {"Records": [record | {"s3": s3_record}]}
    _act_as(enforced.monkeypatch, lambda_keys)
    lambda_handler(event)
    before = _outputs(s3)
    assert [k.split("order_month=")[1][:7] for k in before if k.endswith(".parquet")] == ["2025-05"]
    # Remapped to another date column, the rerun PUTs 2025-03 beside the rejected rows, whose PUT fails.
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key}, Metadata=_mapping("d"),
                   MetadataDirective="REPLACE")  # fmt: skip

    def refuse(params, **_):
        if params["Key"].endswith("rejected_rows.csv"):
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "PutObject")

    lambda_storage.s3_client().meta.events.register("before-parameter-build.s3.PutObject", refuse)
    with pytest.raises(ClientError, match="injected"):
        lambda_handler(event)
    _act_as(enforced.monkeypatch, enforced.admin)
    left = [k.split("order_month=")[1][:7] for k in set(_outputs(s3)) - set(before)]
    # Taken back under the role; without the grant the server refuses and the version written stays.
    assert left == ([] if granted else ["2025-03"])
    assert set(before) <= set(_outputs(s3))


def _outputs(s3) -> list[str]:
    found = s3.list_objects_v2(Bucket=settings.PIPELINE_BUCKET).get("Contents", [])
    prefixes = (settings.PROCESSED_PREFIX, settings.QUARANTINE_PREFIX)
    return sorted(o["Key"] for o in found if o["Key"].startswith(prefixes))
