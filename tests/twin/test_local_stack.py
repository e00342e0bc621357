"""`make run` under its real supervisor: children killed with SIGKILL while a file processes, and a
stop and start of the whole stack. Checked from outside: the site, `manage.py` commands reading
var/run.env, and the Parquet the Lambda wrote (against the generator's own count and sum)."""

import io
import json
import os
import random
import signal
from decimal import Decimal
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from .localstack import LocalStack, eventually

ROWS = 600_000  # about 30 MB: processing takes seconds, long enough to kill the runtime in the middle


def generated_orders(path: Path, rows: int, seed: int) -> tuple[int, Decimal]:
    """One row per order, all valid and fresh as of 2025-06-01: returns (orders, exact amount sum)."""
    rng = random.Random(seed)
    total = Decimal(0)
    with open(path, "w") as out:
        out.write("order_id,customer,amount,status,order_date\n")
        for i in range(rows):
            cents = rng.randrange(100, 1_000_000)
            total += Decimal(cents) / 100
            amount = f"{cents // 100}.{cents % 100:02d}"
            out.write(f"S{seed}-{i:07d},Customer {i % 997},{amount},shipped,2025-05-{i % 28 + 1:02d}\n")
    return rows, total


def parquet_of(stack: LocalStack, upload_key: str):
    """The processed rows of one raw file, read from every Parquet object the Lambda wrote."""
    s3 = stack.s3()
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket="ordersite-local", Prefix="processed/orders/")
    tables = []
    for page in pages:
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket="ordersite-local", Key=obj["Key"])["Body"].read()
            table = pq.read_table(io.BytesIO(body), columns=["order_id", "amount", "source_key"])
            tables.append(table.filter(pc.equal(table["source_key"], upload_key)))
    return [row for table in tables for row in table.to_pylist()]


def manifest_status(stack: LocalStack, raw_key: str) -> str:
    s3 = stack.s3()
    for obj in s3.list_objects_v2(Bucket="ordersite-local", Prefix="manifests/").get("Contents", []):
        manifest = json.loads(s3.get_object(Bucket="ordersite-local", Key=obj["Key"])["Body"].read())
        if manifest.get("source_key") == raw_key:
            return manifest.get("status", "")
    return ""


def kpis(stack: LocalStack) -> tuple:
    report = json.loads(stack.manage("report", "kpis", "--json"))
    return report["columns"], report["rows"]


def upload_row(stack: LocalStack, name: str) -> dict:
    return next(u for u in stack.status()["recent"] if u["name"] == name)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = LocalStack(tmp_path_factory.mktemp("stack") / "var", TWIN_QUEUE_VISIBILITY_SECONDS="5")
    stack.start()
    yield stack
    stack.stop()


def test_children_killed_while_a_file_processes_are_restarted_and_the_file_counts_once(stack, tmp_path):
    orders, total = generated_orders(tmp_path / "big-orders.csv", ROWS, seed=7)
    stack.manage("upload", str(tmp_path / "big-orders.csv"), "--as-of", "2025-06-01")
    raw = stack.s3().list_objects_v2(Bucket="ordersite-local", Prefix="raw/")["Contents"]
    key = next(o["Key"] for o in raw if o["Key"].endswith("__big-orders.csv"))
    seen = eventually(lambda: manifest_status(stack, key), seconds=120, what="the Lambda starting on it", every=0.1)
    assert seen == "processing", "the file was done before the runtime could be killed in the middle: raise ROWS"
    for name in ("lambda-runtime", "celery-worker", "celery-beat", "web"):
        before = stack.supervised(name)["pid"]
        os.kill(before, signal.SIGKILL)
        eventually(
            lambda name=name, before=before: stack.supervised(name)["pid"] not in (0, before),
            seconds=60,
            what=f"{name} restarted",
        )
        assert stack.web_answers() or eventually(stack.web_answers, seconds=60, what="the site answering")

    final = eventually(
        lambda: (u := upload_row(stack, "big-orders.csv"))["status"] == "processed" and u,
        seconds=300,
        what="the file being processed",
    )
    rows = parquet_of(stack, key)
    assert final["rows_in"] == final["rows_out"] == orders
    assert len(rows) == orders
    assert len({r["order_id"] for r in rows}) == orders
    assert sum(r["amount"] for r in rows) == total
    assert upload_row(stack, "orders.csv")["status"] == "processed"  # the demo file is still there


def test_a_stopped_and_started_stack_shows_the_same_files_and_numbers(stack, tmp_path):
    generated_orders(tmp_path / "small-orders.csv", 500, seed=11)
    stack.manage("upload", str(tmp_path / "small-orders.csv"), "--as-of", "2025-06-01", "--wait")
    stack.manage("crawl", "--wait")
    files_before = [(u["name"], u["status"], u["rows_out"]) for u in stack.status()["recent"]]
    kpis_before = kpis(stack)
    objects_before = sorted(o["Key"] for o in stack.s3().list_objects_v2(Bucket="ordersite-local")["Contents"])

    assert stack.stop(twice=True) == 0
    assert "Traceback" not in stack.output.read_text()  # a second signal does not cut the shutdown short
    started = stack.start()

    assert "demo data already loaded" in started
    with pytest.raises(AssertionError, match="orders.csv: the same content was already uploaded"):
        stack.manage("upload", "demo/orders.csv")  # the demo holds its content claim like any upload
    assert [(u["name"], u["status"], u["rows_out"]) for u in stack.status()["recent"]] == files_before
    assert kpis(stack) == kpis_before
    objects_after = sorted(o["Key"] for o in stack.s3().list_objects_v2(Bucket="ordersite-local")["Contents"])
    assert [k for k in objects_after if not k.startswith("enriched/")] == [
        k for k in objects_before if not k.startswith("enriched/")
    ]


def test_a_second_copy_refuses_the_first_copys_twin_and_redis(stack, tmp_path):
    second = LocalStack(tmp_path / "second-var")
    second.env["TWIN_PORT"] = str(stack.twin_port)
    second.env.pop("AWS_ENDPOINT_URL", None)
    with pytest.raises(AssertionError, match="serves the twin of another copy"):
        second.start(seconds=120)
    second.env["TWIN_PORT"] = str(second.twin_port)
    second.env["REDIS_URL"] = stack.env["REDIS_URL"]
    with pytest.raises(AssertionError, match="is used by the ordersite running from"):
        second.start(seconds=120)
    assert stack.web_answers() and stack.status()["uploads"]["processed"] >= 1  # the first copy is untouched
