"""A real `make run` (manage.py run_local) on free ports with its own var directory, for the
supervision and restart tests: driven from outside, the way a person or a script uses it."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3

from pipeline_admin.supervision import Supervisor

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def eventually(check, *, seconds: float, what: str, every: float = 0.5):
    """`check()`'s first truthy value within `seconds`, else AssertionError naming `what`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds:.0f} s")
        time.sleep(every)


class LocalStack:
    def __init__(self, var: Path, **overrides: str):
        self.var = var
        self.web_port, self.twin_port, self.redis_port = free_port(), free_port(), free_port()
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST"))}
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "AWS_ENDPOINT_URL", "TWIN_STATE_DIR", "PIPELINE_BUCKET"):
            inherited.pop(name, None)  # the suite's own services: this stack chooses its own
        self.env = inherited | {
            "VAR_DIR": str(var),
            "WEB_PORT": str(self.web_port),
            "TWIN_PORT": str(self.twin_port),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "PYTHONUNBUFFERED": "1",
            **overrides,
        }
        self.process: subprocess.Popen | None = None
        self.output = var / "run_local.out"

    def start(self, seconds: float = 240) -> str:
        """Start `manage.py run_local` and wait until it says it is ready; returns what it printed."""
        self.var.mkdir(parents=True, exist_ok=True)
        offset = self.output.stat().st_size if self.output.exists() else 0
        with open(self.output, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "run_local"], cwd=ROOT, env=self.env, stdout=out, stderr=out
            )

        def ready():
            text = self.output.read_bytes()[offset:].decode(errors="replace")
            if self.process.poll() is not None:
                raise AssertionError(f"run_local exited ({self.process.returncode}):\n{text}")
            return text if "ordersite is ready" in text else ""

        return eventually(ready, seconds=seconds, what="run_local's start")

    def stop(self, twice: bool = False) -> int:
        """SIGTERM, as `kill` or a process manager sends it; `twice`: a second one while it stops (a
        signal to the whole process group, or an impatient second Ctrl-C)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            if twice:
                time.sleep(0.5)
                if self.process.poll() is None:
                    self.process.send_signal(signal.SIGTERM)
            return self.process.wait(60)
        return 0

    def manage(self, *args: str) -> str:
        """A manage.py command of this checkout with only VAR_DIR set: it finds the rest in var/run.env."""
        env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}} | {"VAR_DIR": str(self.var)}
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def status(self) -> dict:
        return json.loads(self.manage("pipeline_status", "--json"))

    def web_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/accounts/login/", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def s3(self):
        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.twin_port}",
            region_name="us-east-1",
            aws_access_key_id="twin",
            aws_secret_access_key="twin",
        )

    def supervised(self, name: str) -> dict:
        """supervisord's view of one child of the `app` group (`pid`, `statename`)."""
        return Supervisor(directory=self.var, programs=[], env={}).rpc.getProcessInfo(f"app:{name}")
