"""make bench-load: 100 concurrent users on the cached dashboard and API for 60 s.

Starts a private stack (Redis, twin, gunicorn on 127.0.0.1), loads and crawls the course data,
warms the reports, then drives the site with wrk. Prints requests/s, p50/p99 latency, the
error count, and how many engine queries ran in all (target: one per report).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

from stack import ROOT, Stack, free_port, wait_port

DASHBOARD_SLUGS = ["kpis", "revenue-by-month", "sales-by-customer", "status-summary", "aov-by-customer", "top-orders"]

SESSION_SCRIPT = """
from django.contrib.auth.models import Group, User
from django.test import Client
user, _ = User.objects.get_or_create(username="bench-analyst")
user.groups.add(Group.objects.get(name="Analysts"))
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value)
"""

COUNT_SCRIPT = """
from django.conf import settings
from pipeline_admin import s3
print(sum(1 for _ in s3.objects_iter(prefix=settings.ENRICHED_PREFIX)))
"""


def parse_wrk(output: str) -> dict:
    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    socket_errors = sum(map(int, re.findall(r"(?:connect|read|write|timeout) (\d+)", output)))
    non_2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", output) or [0, 0])[1])
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": ms(percentiles["50"]),
        "p99_ms": ms(percentiles["99"]),
        "errors": socket_errors + non_2xx,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench-load` installs it (apt-get install wrk)")
    stack = Stack().start()
    try:
        stack.load_course_data(ROOT / "demo" / "orders.csv")
        for slug in DASHBOARD_SLUGS:
            stack.manage("report", slug)
        cookie = "sessionid=" + stack.manage("shell", "-c", SESSION_SCRIPT).strip().splitlines()[-1]
        queries_before = int(stack.manage("shell", "-c", COUNT_SCRIPT).split()[-1])
        port = free_port()
        stack.spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ordersite.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(args.workers),
                "-k",
                "gthread",
                "--threads",
                "4",
            ]
        )
        wait_port(port)
        paths = ["/dashboard/"] + [f"/api/reports/{slug}/" for slug in DASHBOARD_SLUGS]
        env = os.environ | {"BENCH_PATHS": ",".join(paths), "BENCH_COOKIE": cookie}
        result = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(args.users),
                "-d",
                f"{args.seconds}s",
                "--timeout",
                "5s",
                "--latency",
                "-s",
                str(ROOT / "bench" / "load.lua"),
                f"http://127.0.0.1:{port}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        queries_after = int(stack.manage("shell", "-c", COUNT_SCRIPT).split()[-1])
    finally:
        stack.stop()
    stats = parse_wrk(result.stdout)
    print(result.stdout)
    print(f"users {args.users}, {args.seconds} s, gunicorn {args.workers} workers on 127.0.0.1")
    print(
        f"requests/s {stats['rps']:.0f} · requests {stats['requests']} · p50 {stats['p50_ms']:.1f} ms · "
        f"p99 {stats['p99_ms']:.1f} ms (target < 250 ms: {stats['p99_ms'] / 250:.2f}x of budget) · "
        f"errors {stats['errors']}"
    )
    print(
        f"engine queries: {queries_after} for {len(DASHBOARD_SLUGS)} reports "
        f"({queries_after - queries_before} during the load run; target 0, one per report in all)"
    )


if __name__ == "__main__":
    main()
