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

sys.path[:0] = [str(ROOT), str(ROOT / "lambda")]
from dashboard.reports import DASHBOARD, PAGE  # noqa: E402  (the page's cards: the API is hit for the same ones)

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
from dashboard.models import ReportRun
print(ReportRun.objects.count())
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
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--access-log", default="", help="write gunicorn's access log (path, ms) here")
    parser.add_argument("--think-ms", type=int, default=1000, help="mean pause between a user's requests; 0 = stress")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench-load` installs it (apt-get install wrk)")
    stack = Stack().start()
    try:
        stack.load_course_data(ROOT / "demo" / "orders.csv")  # the crawl warms the default views
        cookie = "sessionid=" + stack.manage("shell", "-c", SESSION_SCRIPT).strip().splitlines()[-1]
        queries_before = int(stack.manage("shell", "-c", COUNT_SCRIPT).split()[-1])
        port = free_port()
        gunicorn = [sys.executable, "-m", "gunicorn", "ordersite.wsgi", "-b", f"127.0.0.1:{port}", "--preload"]
        gunicorn += ["-w", str(args.workers), "-k", args.worker_class, "--threads", str(args.threads)]
        if args.access_log:
            gunicorn += ["--access-logfile", args.access_log, "--access-logformat", "%(U)s %(s)s %(M)s"]
        stack.spawn(gunicorn)
        wait_port(port)
        paths = ["/dashboard/"] + [f"/api/reports/{slug}/" for slug in DASHBOARD]
        env = os.environ | {"BENCH_PATHS": ",".join(paths), "BENCH_COOKIE": cookie}
        env["BENCH_THINK_MS"] = str(args.think_ms)
        url = f"http://127.0.0.1:{port}"
        script = str(ROOT / "bench" / "load.lua")
        # Warm-up, not measured: each worker's first requests load templates and URL modules.
        warm_env = env | {"BENCH_THINK_MS": "0"}
        subprocess.run(
            ["wrk", "-t", "1", "-c", "6", "-d", "5s", "-s", script, url], env=warm_env, capture_output=True, check=True
        )
        wrk = ["wrk", "-t", "2", "-c", str(args.users), "-d", f"{args.seconds}s", "--timeout", "5s", "--latency"]
        result = subprocess.run([*wrk, "-s", script, url], env=env, capture_output=True, text=True, check=True)
        queries_after = int(stack.manage("shell", "-c", COUNT_SCRIPT).split()[-1])
    finally:
        stack.stop()
    stats = parse_wrk(result.stdout)
    print(result.stdout)
    print(
        f"users {args.users}, think time {args.think_ms} ms (0.5x-1.5x), {args.seconds} s, "
        f"gunicorn {args.workers} workers on 127.0.0.1"
    )
    print(
        f"requests/s {stats['rps']:.0f} · requests {stats['requests']} · p50 {stats['p50_ms']:.1f} ms · "
        f"p99 {stats['p99_ms']:.1f} ms (target < 250 ms: {stats['p99_ms'] / 250:.2f}x of budget) · "
        f"errors {stats['errors']}"
    )
    print(
        f"engine queries: {queries_after} in all for {len(PAGE)} reports (the cards and the filter values) "
        f"({queries_before} at the crawl's warm-up, {queries_after - queries_before} during the load run)"
    )


if __name__ == "__main__":
    main()
