"""Starts the real services the suite needs, before Django reads its settings.

Loaded with `-p tests.services`, so it runs for `pytest`, `make test` and `manage.py test`
alike: a private Redis and the twin (in memory) on free loopback ports, under supervisord.
"""

import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}")


class Services:
    """Redis and the twin under the same supervisor as `make run` (pipeline_admin.supervision)."""

    def __init__(self):
        self.redis_port = self.moto_port = None
        self.supervisor = None

    def start(self) -> None:
        if not shutil.which("redis-server"):
            raise pytest.UsageError(
                "redis-server is not installed: run `make install` (it installs it) or apt-get install redis-server"
            )
        from pipeline_admin.stack import local_programs
        from pipeline_admin.supervision import Supervisor

        self.redis_port, self.moto_port = free_port(), free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="ordersite-test-"))
        redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.supervisor = Supervisor(
            directory=self.directory,
            programs=local_programs(python=sys.executable, redis_url=redis_url, app=False),
            env=os.environ | self.environment(),
        ).start()
        _wait_port(self.redis_port)
        _wait_port(self.moto_port)

    def stop(self) -> None:
        if self.supervisor:
            self.supervisor.stop()
            shutil.rmtree(self.directory, ignore_errors=True)

    def environment(self) -> dict[str, str]:
        """Every setting `make run` records in var/run.env is set here, so a stack's file never leaks in."""
        return {
            "PIPELINE_MODE": "local",
            "DEBUG": "1",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_BROKER_URL": "",
            "TWIN_PORT": str(self.moto_port),
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.moto_port}",
            "TWIN_STATE_DIR": "",  # the suite's twin keeps nothing between runs
            "VAR_DIR": str(self.directory),
            "DATABASE_URL": "",
            "WEB_PORT": "0",
            "LAMBDA_MEMORY_MB": "1024",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "PIPELINE_BUCKET": "ordersite-test",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }


SERVICES = Services()


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    SERVICES.start()
    os.environ.update(SERVICES.environment())
    return (yield)


def pytest_unconfigure(config):
    SERVICES.stop()
