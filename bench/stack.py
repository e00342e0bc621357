"""A throwaway local stack for benchmarks: private Redis, the twin, a temporary database,
the course data processed and crawled. Everything binds to 127.0.0.1 on free ports."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django import setup as django_setup  # noqa: E402

from pipeline_admin.stack import celery_workers, local_programs  # noqa: E402 - needs ROOT on the path
from pipeline_admin.supervision import Supervisor  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing answered on 127.0.0.1:{port}")


class Stack:
    def __init__(self, **overrides: str):
        self.tmp = Path(tempfile.mkdtemp(prefix="ordersite-bench-"))
        self.processes: list[subprocess.Popen] = []  # extra processes a benchmark spawns (gunicorn)
        self.supervisor: Supervisor | None = None
        self.redis_port, self.twin_port = free_port(), free_port()
        self.env = (
            os.environ
            | {
                "PIPELINE_MODE": "local",
                "DEBUG": "1",
                "LOG_LEVEL": "WARNING",
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.twin_port}",
                "TWIN_PORT": str(self.twin_port),
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "PIPELINE_BUCKET": "ordersite-bench",
                "DATABASE_URL": f"sqlite:///{self.tmp / 'bench.sqlite3'}",
                "VAR_DIR": str(self.tmp),
                "TWIN_STATE_DIR": "",  # a benchmark's twin keeps nothing
                "AWS_REGION": "us-east-1",
                "AWS_DEFAULT_REGION": "us-east-1",
                "CELERY_TASK_ALWAYS_EAGER": "1",
            }
            | overrides
        )

    def spawn(self, argv: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **kwargs,
        )
        self.processes.append(process)
        return process

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> "Stack":
        """Redis and the twin under the same supervisor as `make run` (pipeline_admin.supervision)."""
        if not shutil.which("redis-server"):
            raise SystemExit("redis-server is missing: run `make install`")
        # The worker programs name their queues from the settings (under the stack's environment).
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordersite.settings")
        django_setup()
        workers = celery_workers(sys.executable, log_level="WARNING")
        programs = local_programs(python=sys.executable, redis_url=self.env["REDIS_URL"], app=False) + workers
        self.supervisor = Supervisor(directory=self.tmp, programs=programs, env=self.env).start()
        wait_port(self.redis_port)
        wait_port(self.twin_port, 60)
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("twin", "bootstrap")
        return self

    def start_worker(self) -> None:
        self.supervisor.start_program("celery-worker")  # report jobs
        self.supervisor.start_program("celery-pipeline")  # the status sync and crawls

    def load_course_data(self, csv_path: Path) -> None:
        self.manage("upload", str(csv_path), "--as-of", "2025-06-01")
        self.manage("lambda_runtime", "--drain")
        self.manage("pipeline_status")
        self.manage("crawl", "--wait")

    def s3(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.env["AWS_ENDPOINT_URL"],
            region_name=self.env["AWS_REGION"],
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )

    def put_raw(self, key: str, path: Path, metadata: dict[str, str]) -> str:
        """Uploads a file to the twin's bucket (multipart above 8 MB) and returns its ETag."""
        bucket = self.env["PIPELINE_BUCKET"]
        self.s3().upload_file(str(path), bucket, key, ExtraArgs={"Metadata": metadata})
        return self.s3().head_object(Bucket=bucket, Key=key)["ETag"].strip('"')

    def delete_raw(self, key: str) -> None:
        self.s3().delete_object(Bucket=self.env["PIPELINE_BUCKET"], Key=key)

    def manifest(self, raw_key: str) -> dict:
        """The Lambda's manifest for a raw key (the newest, when it was processed more than once)."""
        import json

        s3, bucket = self.s3(), self.env["PIPELINE_BUCKET"]
        found = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="manifests/"):
            for item in page.get("Contents", []):
                manifest = json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
                if manifest.get("source_key") == raw_key:
                    found.append((item["LastModified"], manifest))
        if not found:
            raise SystemExit(f"no manifest for {raw_key}")
        return max(found, key=lambda pair: pair[0])[1]

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.supervisor:
            self.supervisor.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


COURSE_FILE = ROOT / "tests" / "data" / "orders.csv"


def course_load() -> None:
    """On the running stack (Django configured): the schema, the twin's bucket, queue and catalog,
    and the course file uploaded as of 2025-06-01 and processed by the Lambda."""
    import io

    from django.core.management import call_command

    quiet = io.StringIO()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("twin", "bootstrap", stdout=quiet)
    call_command("upload", str(COURSE_FILE), "--as-of", "2025-06-01", stdout=quiet)
    call_command("lambda_runtime", "--drain", stdout=quiet)
