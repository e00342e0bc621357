"""`make smoke STACK=name`: after a deploy, push one file through the whole pipeline and say where it stops.

    make smoke STACK=ordersite            # or: python infra/smoke.py --stack ordersite

Steps, each failing with a message that names what to look at: read the stack's outputs; upload
demo/orders.csv to raw/ (as of 2025-06-01); wait for its manifest (the Lambda ran); run the crawler
and wait for its crawl; run a report query (orders and revenue by month) in the stack's Athena
workgroup; print the dashboard's address. It uses the AWS CLI's credentials (AWS_PROFILE,
AWS_REGION), as `make deploy` does. Exit status 0 when every step worked, 1 at the first that did not.
"""

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lambda"))
from filter_and_process_orders.storage import source_id  # noqa: E402  (the manifest's name, as the Lambda gives it)

DEMO = ROOT / "demo" / "orders.csv"
FINAL = {"processed", "processed_with_rejects"}
REPORT_SQL = (
    'SELECT order_month, count(*) AS orders, sum(amount) AS revenue FROM "{database}"."orders" '
    "GROUP BY order_month ORDER BY order_month"
)


class SmokeFailure(Exception):
    """A step did not work; the message says which and what to look at."""


def stack_outputs(cloudformation, stack: str) -> dict[str, str]:
    try:
        described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    except (ClientError, BotoCoreError) as exc:
        raise SmokeFailure(
            f"stack {stack}: cannot read it ({exc}); deploy it first with `make deploy STACK={stack}`"
        ) from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    needed = {"BucketName", "CrawlerName", "WorkGroupName", "GlueDatabaseName", "DashboardUrl", "DlqName"}
    if missing := sorted(needed - set(outputs)):
        raise SmokeFailure(
            f"stack {stack} ({described['StackStatus']}) has no output {', '.join(missing)}: the second half of "
            f"`make deploy` (Lambda and web server) has not run; run make deploy again"
        )
    return outputs


def upload(s3, bucket: str, path: Path) -> tuple[str, str]:
    key = f"raw/smoke/{datetime.now(UTC):%Y%m%dT%H%M%SZ}__{path.name}"
    try:
        s3.put_object(
            Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType="text/csv",
            Metadata={"as-of": "2025-06-01", "uploader": "make smoke", "original-name": path.name},
        )  # fmt: skip
        head = s3.head_object(Bucket=bucket, Key=key)
    except (ClientError, BotoCoreError) as exc:
        raise SmokeFailure(
            f"upload: could not store s3://{bucket}/{key} ({exc}); check the credentials' S3 access"
        ) from exc
    return key, source_id(key, head["ETag"].strip('"'), head.get("VersionId") or "")


def manifest_wait(s3, *, bucket: str, key: str, source: str, dlq: str, timeout: float, poll: float) -> dict:
    manifest_key = f"manifests/{source}.json"
    deadline, manifest = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in {"NoSuchKey", "404"}:
                raise SmokeFailure(f"manifest: cannot read s3://{bucket}/{manifest_key} ({exc})") from exc
        if manifest and manifest.get("status") in FINAL:
            return manifest
        if manifest and manifest.get("status") == "rejected":
            raise SmokeFailure(f"manifest: the Lambda rejected {key}: {manifest.get('reason', 'no reason given')}")
        time.sleep(poll)
    if manifest:
        raise SmokeFailure(
            f"manifest: {key} is still {manifest.get('status')} after {timeout:.0f} s"
            f"{'; last error: ' + manifest['last_error'] if manifest.get('last_error') else ''}"
            "; see the function's log group /aws/lambda/<stack>-FilterAndProcessOrders"
        )
    raise SmokeFailure(
        f"manifest: no manifests/{source}.json {timeout:.0f} s after the upload: the Lambda did not run. Check the "
        f"bucket's event notification, the queue, the dead-letter queue {dlq} and the function's log group"
    )


def crawl(glue, *, crawler: str, timeout: float, poll: float) -> dict:
    try:
        glue.start_crawler(Name=crawler)
    except glue.exceptions.CrawlerRunningException:
        pass  # someone else's crawl also catalogs our file
    except (ClientError, BotoCoreError) as exc:
        raise SmokeFailure(f"crawler: could not start {crawler} ({exc})") from exc
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(poll)
        crawls = glue.list_crawls(CrawlerName=crawler, MaxResults=1).get("Crawls", [])
        latest = crawls[0] if crawls else {}
        if latest.get("State") == "COMPLETED":
            return latest
        if latest.get("State") in {"FAILED", "STOPPED"}:
            raise SmokeFailure(
                f"crawler: {crawler}'s crawl {latest['State']}: {latest.get('ErrorMessage', '')}; "
                f"see the log group /aws-glue/crawlers, stream {crawler}"
            )
    raise SmokeFailure(f"crawler: {crawler} still running after {timeout:.0f} s; see the Glue console")


def report(athena, *, workgroup: str, database: str, timeout: float, poll: float) -> list[list[str]]:
    try:
        execution = athena.start_query_execution(
            QueryString=REPORT_SQL.format(database=database),
            QueryExecutionContext={"Database": database},
            WorkGroup=workgroup,
        )["QueryExecutionId"]
    except (ClientError, BotoCoreError) as exc:
        raise SmokeFailure(f"report: Athena refused the query in workgroup {workgroup} ({exc})") from exc
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = athena.get_query_execution(QueryExecutionId=execution)["QueryExecution"]["Status"]
        if status["State"] == "SUCCEEDED":
            rows = athena.get_query_results(QueryExecutionId=execution)["ResultSet"]["Rows"]
            return [[cell.get("VarCharValue", "") for cell in row["Data"]] for row in rows]
        if status["State"] in {"FAILED", "CANCELLED"}:
            raise SmokeFailure(f"report: query {execution} {status['State']}: {status.get('StateChangeReason', '')}")
        time.sleep(poll)
    athena.stop_query_execution(QueryExecutionId=execution)
    raise SmokeFailure(f"report: query {execution} still running after {timeout:.0f} s (stopped)")


def smoke(
    *, stack: str, path: Path = DEMO, session=None, timeout: float = 600, query_timeout: float | None = None,
    poll: float = 5, say=print,
) -> str:  # fmt: skip
    """Run every step; returns the dashboard URL or raises SmokeFailure at the first that fails.

    `timeout` (seconds) bounds each wait (manifest, crawl); `query_timeout` the query (default: the same).
    """
    session = session or boto3.session.Session()
    outputs = stack_outputs(session.client("cloudformation"), stack)
    s3 = session.client("s3")
    key, source = upload(s3, outputs["BucketName"], path)
    say(f"uploaded s3://{outputs['BucketName']}/{key}")
    manifest = manifest_wait(
        s3, bucket=outputs["BucketName"], key=key, source=source, dlq=outputs["DlqName"], timeout=timeout, poll=poll
    )
    say(f"processed: {manifest.get('rows_out')} rows out of {manifest.get('rows_in')}, status {manifest['status']}")
    crawled = crawl(session.client("glue"), crawler=outputs["CrawlerName"], timeout=timeout, poll=poll)
    say(f"crawled: crawl {crawled.get('CrawlId', '')} completed")
    rows = report(
        session.client("athena"),
        workgroup=outputs["WorkGroupName"], database=outputs["GlueDatabaseName"], poll=poll,
        timeout=query_timeout or timeout,
    )  # fmt: skip
    say(f"report: {len(rows) - 1 if rows else 0} months; first rows {rows[:3]}")
    say(f"dashboard: {outputs['DashboardUrl']}")
    return outputs["DashboardUrl"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--file", type=Path, default=DEMO, help="the CSV to upload (default: demo/orders.csv)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds each step may take (default 600)")
    args = parser.parse_args(argv)
    try:
        smoke(stack=args.stack, path=args.file, timeout=args.timeout)
    except SmokeFailure as exc:
        print(f"make smoke: {exc}", file=sys.stderr)
        return 1
    print("make smoke: every step worked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
