"""`make smoke` (infra/smoke.py) against the twin: moto's CloudFormation holds a stack whose outputs name
the twin's resources, the local Lambda runtime processes the upload, moto's Glue and Athena run the
crawl and the query (moto runs no SQL: the call sequence and the failure messages are what is tested)."""

import importlib.util
import json
import threading
import urllib.request

import boto3
import pytest
from django.conf import settings

from pipeline_admin.runtime import runtime_poll_once

spec = importlib.util.spec_from_file_location("smoke", settings.BASE_DIR / "infra" / "smoke.py")
smoke = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smoke)

DASHBOARD = "https://203.0.113.7/"


def _stack_template(outputs: dict[str, str]) -> str:
    return json.dumps({
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "smoke-placeholder"}}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    })  # fmt: skip


@pytest.fixture
def session(twin):
    """A boto3 session on the twin, with the operations it calls written down in order."""
    session = boto3.session.Session()
    session.calls = []
    session.events.register("before-call", lambda model, **_: session.calls.append(model.name))
    return session


@pytest.fixture
def stack(session):
    outputs = {
        "BucketName": settings.PIPELINE_BUCKET, "CrawlerName": settings.GLUE_CRAWLER,
        "WorkGroupName": settings.ATHENA_WORKGROUP, "GlueDatabaseName": settings.GLUE_DATABASE,
        "DlqName": settings.ORDERS_DLQ_NAME, "DashboardUrl": DASHBOARD,
    }  # fmt: skip
    session.client("cloudformation").create_stack(StackName="smoke", TemplateBody=_stack_template(outputs))
    session.calls.clear()
    return "smoke"


@pytest.fixture
def lambda_running():
    """The local Lambda runtime polling the queue, as the event source mapping does in AWS."""
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            runtime_poll_once(wait_seconds=0)
            stop.wait(0.1)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(30)


def _moto_api(path: str, body: dict) -> None:
    request = urllib.request.Request(
        settings.AWS_ENDPOINT_URL + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    urllib.request.urlopen(request, timeout=5).close()


def test_the_smoke_test_takes_the_demo_file_through_every_step_and_prints_the_dashboard(session, stack, lambda_running):
    said = []
    url = smoke.smoke(stack=stack, session=session, timeout=60, poll=0.1, say=said.append)
    assert url == DASHBOARD
    assert [line.split(":", 1)[0] for line in said] == ["uploaded s3", "processed", "crawled", "report", "dashboard"]
    assert said[1].startswith("processed: ") and "status processed" in said[1]
    calls = session.calls
    assert calls[:3] == ["DescribeStacks", "PutObject", "HeadObject"]
    assert "GetObject" in calls[3 : calls.index("StartCrawler")]
    assert calls.index("StartCrawler") < calls.index("ListCrawls") < calls.index("StartQueryExecution")
    assert calls[calls.index("StartQueryExecution") :] == [
        "StartQueryExecution",
        "GetQueryExecution",
        "GetQueryResults",
    ]


def test_a_stack_that_does_not_exist_is_named_with_how_to_create_it(session):
    with pytest.raises(smoke.SmokeFailure, match=r"stack nowhere: cannot read it .*make deploy STACK=nowhere"):
        smoke.smoke(stack="nowhere", session=session, timeout=1, poll=0.1)
    assert session.calls == ["DescribeStacks"]


def test_a_stack_from_the_first_half_of_a_deploy_says_make_deploy_has_to_run_again(session):
    template = _stack_template({"BucketName": settings.PIPELINE_BUCKET})
    session.client("cloudformation").create_stack(StackName="half", TemplateBody=template)
    with pytest.raises(smoke.SmokeFailure, match=r"has no output CrawlerName, .*run make deploy again"):
        smoke.smoke(stack="half", session=session, timeout=1, poll=0.1)


def test_when_no_lambda_picks_the_file_up_the_failure_points_at_the_queue_and_the_dlq(session, stack):
    with pytest.raises(smoke.SmokeFailure) as failed:
        smoke.smoke(stack=stack, session=session, timeout=1, poll=0.1)
    assert str(failed.value).startswith("manifest: no manifests/")
    assert "the Lambda did not run" in str(failed.value) and settings.ORDERS_DLQ_NAME in str(failed.value)
    assert "StartCrawler" not in session.calls, "nothing after the failing step runs"


def test_a_file_the_lambda_rejects_stops_the_smoke_test_with_its_reason(session, stack, lambda_running, tmp_path):
    bad = tmp_path / "orders.csv"
    bad.write_text("order_id,date,time\n1,2025-01-01,10:00\n")
    with pytest.raises(smoke.SmokeFailure, match=r"manifest: the Lambda rejected raw/smoke/.*__orders\.csv: "):
        smoke.smoke(stack=stack, session=session, path=bad, timeout=60, poll=0.1)


def test_a_query_that_does_not_finish_is_stopped_and_named(session, stack, lambda_running):
    _moto_api(
        "/moto-api/state-manager/set-transition",
        {"model_name": "athena::execution", "transition": {"progression": "manual", "times": 10**9}},
    )
    try:
        with pytest.raises(smoke.SmokeFailure, match=r"report: query \S+ still running after 2 s \(stopped\)"):
            smoke.smoke(stack=stack, session=session, timeout=60, query_timeout=2, poll=0.1)
    finally:
        _moto_api("/moto-api/state-manager/unset-transition", {"model_name": "athena::execution"})
    assert session.calls[-1] == "StopQueryExecution"


def test_the_command_line_exits_1_with_the_failing_step_on_stderr(session, capsys):
    assert smoke.main(["--stack", "nowhere", "--timeout", "1"]) == 1
    assert capsys.readouterr().err.startswith("make smoke: stack nowhere: cannot read it")
