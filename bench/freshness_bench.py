"""How fresh the dashboard is: from the upload request to the new numbers in the report API.

A private stack (Redis, the twin, a Celery worker and beat for the status sync, the local Lambda
runtime) runs the real path: the upload service stores the file in raw/, S3's event reaches the
Lambda through SQS, the status sync turns its manifest into `processed` and a new data version,
and the report API (polled every 0.2 s, as an open dashboard polls) answers with numbers that
include the file. No crawl runs: new months are queryable at once.

Targets (issue 14): <= 10 s for the course file, <= 30 s for a 1M-row file.
    make bench-freshness                      # both files
    python bench/freshness_bench.py --rows 0  # the course file only
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "lambda")]

from bench.stack import Stack  # noqa: E402

COURSE_FILE = ROOT / "tests" / "data" / "orders.csv"
TARGETS = {"course": 10.0, "1M": 30.0}


def kpis(client) -> tuple[int, dict]:
    from django.urls import reverse

    response = client.get(reverse("report_api", args=["kpis"]))
    body = response.json()
    row = dict(zip(body["columns"], body["rows"][0])) if body.get("rows") else {}
    return response.status_code, {**row, "fresh": body["meta"]["fresh"]}


def measure(label: str, path: Path, client, *, timeout: float = 180.0) -> float:
    from pipeline_admin.models import Upload
    from pipeline_admin.services import upload_create

    Upload.objects.all().delete()  # the status column then speaks of this upload only
    _, before = kpis(client)
    started = time.monotonic()
    with path.open("rb") as fileobj:
        upload_create(user=None, fileobj=fileobj, name=path.name, as_of=date(2025, 6, 1), allow_duplicate=True)
    stored = time.monotonic() - started
    processed_after = None
    while time.monotonic() - started < timeout:
        done = Upload.objects.filter(status__in=["processed", "processed_with_rejects"]).exists()
        if processed_after is None and done:
            processed_after = time.monotonic() - started
        status, now = kpis(client)
        if status == 200 and now["fresh"] and now.get("orders") != before.get("orders"):
            elapsed = time.monotonic() - started
            target = TARGETS[label]
            verdict = "met" if elapsed <= target else "MISSED"
            print(
                f"  {label:<7} {path.stat().st_size / 1e6:8.1f} MB  stored in {stored:5.1f} s, new numbers after "
                f"{elapsed:5.1f} s (status processed after {processed_after or elapsed:5.1f} s;"
                f" orders {before.get('orders')} -> {now['orders']})"
                f"   target <= {target:g} s: {verdict}"
            )
            return elapsed
        time.sleep(0.2)
    raise SystemExit(f"{label}: no new numbers after {timeout:g} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated file (0: skip it)")
    args = parser.parse_args()
    stack = Stack(CELERY_TASK_ALWAYS_EAGER="0", UPLOAD_SYNC_SECONDS="2", CRAWLER_AUTO="0")
    os.environ.update(stack.env | {"CELERY_TASK_ALWAYS_EAGER": "1", "DJANGO_SETTINGS_MODULE": "ordersite.settings"})
    try:
        stack.start()
        stack.start_worker()
        stack.spawn([sys.executable, "-m", "celery", "-A", "ordersite", "beat", "-l", "WARNING",
                     "--schedule", str(stack.tmp / "beat-schedule")])  # fmt: skip
        stack.spawn([sys.executable, "manage.py", "lambda_runtime"])
        import django

        django.setup()
        from django.contrib.auth.models import Group, User
        from django.test import Client

        from ordersite.roles import ANALYSTS, roles_ensure

        roles_ensure()
        analyst = User.objects.create_user("bench-analyst", password="x")
        analyst.groups.add(Group.objects.get(name=ANALYSTS))
        client = Client()
        client.force_login(analyst)
        print("upload request -> new numbers in the report API (twin, no crawl):")
        measure("course", COURSE_FILE, client)
        if args.rows:
            from bench.lambda_bench import generate

            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"generated-{args.rows}.csv"
                generate(path, args.rows)
                measure("1M", path, client, timeout=600)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
