"""Peak memory of the web server while a large file goes through the upload form.

Starts a private twin (moto server) and gunicorn on loopback with a throw-away database,
generates a CSV of `--megabytes` MB, streams it to /pipeline/upload/ as multipart form data
and reports the server worker's resident memory before, during (peak) and after. The upload
streams from Django's temporary file to S3 with a managed multipart upload, so the peak should
stay near the idle size whatever the file size.

    python bench/upload_memory.py [--megabytes 300] [--web-port 8140] [--twin-port 5145]
"""

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ROW = "{i},2025-{m:02d}-{d:02d},{a}.{c:02d},customer-{k},shipped\n"


def generate(path: Path, megabytes: int) -> int:
    target = megabytes * 1024 * 1024
    with path.open("w") as out:
        out.write("order_id,order_date,amount,customer,status\n")
        i = 0
        while out.tell() < target:
            out.write(
                "".join(
                    ROW.format(i=i + j, m=1 + j % 12, d=1 + j % 28, a=j % 900, c=j % 100, k=j % 5000)
                    for j in range(5000)
                )
            )
            i += 5000
    return path.stat().st_size


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError as exc:
            if isinstance(exc, urllib.error.HTTPError):
                return
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def post_file(port: int, path: Path, session: str, csrf: str) -> tuple[int, str]:
    """A multipart POST whose body is streamed from disk, so the client holds no copy either."""
    boundary = "----ordersite-bench-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", "/pipeline/upload/")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + path.stat().st_size + len(tail)))
    conn.putheader("Cookie", f"sessionid={session}; csrftoken={csrf}")
    conn.putheader("Accept", "application/json")
    conn.putheader("Referer", f"http://127.0.0.1:{port}/pipeline/upload/")
    conn.endheaders()
    conn.send(head)
    with path.open("rb") as body:
        while chunk := body.read(1024 * 1024):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    return response.status, response.read().decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=300)
    parser.add_argument("--web-port", type=int, default=8140)
    parser.add_argument("--twin-port", type=int, default=5145)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ordersite-bench-"))
    env = {
        **os.environ,
        "DEBUG": "1",
        "PIPELINE_MODE": "local",
        "TWIN_PORT": str(args.twin_port),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{args.twin_port}",
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "ordersite.settings",
        "TMPDIR": str(work),
        # The form's own limit is 100 MiB (larger files go straight to S3); this measures the form path.
        "UPLOAD_FORM_MAX_BYTES": str(2 * args.megabytes * 1024 * 1024),
    }
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                [BIN / "moto_server", "-H", "127.0.0.1", "-p", str(args.twin_port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(f"http://127.0.0.1:{args.twin_port}/moto-api/data.json")
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "twin", "bootstrap"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        session, csrf = subprocess.run(
            [sys.executable, "-c", LOGIN], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.split()
        print(f"generating {args.megabytes} MB …", flush=True)
        path = work / "big-orders.csv"
        size = generate(path, args.megabytes)
        web = subprocess.Popen(
            [BIN / "gunicorn", "ordersite.wsgi", "-b", f"127.0.0.1:{args.web_port}", "-w", "1", "--timeout", "600"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(web)
        wait_for(f"http://127.0.0.1:{args.web_port}/accounts/login/")
        (worker,) = worker_pids(web.pid)
        idle = rss_kib(worker)
        peak, done = [idle], threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak.append(rss_kib(worker))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        status, body = post_file(args.web_port, path, session, csrf)
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()
        hwm = rss_kib(worker, "VmHWM")
        print(f"HTTP {status}: {body[:300]}")
        print(f"file: {size / 1024 / 1024:.0f} MiB, upload + store took {elapsed:.1f} s")
        print(
            f"server worker RSS: idle {idle / 1024:.0f} MiB, peak sampled {max(peak) / 1024:.0f} MiB, "
            f"kernel high-water mark {hwm / 1024:.0f} MiB, after {rss_kib(worker) / 1024:.0f} MiB"
        )
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(10)
        shutil.rmtree(work, ignore_errors=True)


LOGIN = """
import django; django.setup()
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import _get_new_csrf_string
from ordersite.roles import UPLOADERS
user = User.objects.create_user("bench")
user.groups.add(Group.objects.get(name=UPLOADERS))
s = SessionStore()
s["_auth_user_id"], s["_auth_user_backend"] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
s["_auth_user_hash"] = user.get_session_auth_hash()
s.create()
print(s.session_key, _get_new_csrf_string())
"""

if __name__ == "__main__":
    main()
