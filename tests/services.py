"""Starts the real services the suite needs, before Django reads its settings.

Loaded with `-p tests.services`, so it runs for `pytest`, `make test` and `manage.py test`
alike: a private Redis on a free loopback port and the moto server (the twin) in-process.
"""

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}")


class Services:
    def __init__(self):
        self.redis_port = self.moto_port = None
        self.redis = None
        self.moto = None

    def start(self) -> None:
        redis = shutil.which("redis-server")
        if not redis:
            raise pytest.UsageError(
                "redis-server is not installed: run `make install` (it installs it) or apt-get install redis-server"
            )
        self.redis_port = free_port()
        self.redis_dir = tempfile.mkdtemp(prefix="ordersite-redis-")
        self.redis = subprocess.Popen(
            [
                redis,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.redis_dir,
            ],
            stdout=subprocess.DEVNULL,
        )
        _wait_port(self.redis_port)
        # As `twin serve` does: the bucket's CORS rule, not moto's global allow-all, answers browsers.
        os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
        from moto.server import ThreadedMotoServer

        self.moto_port = free_port()
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.moto_port, verbose=False)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.moto.start()
        _wait_port(self.moto_port)

    def stop(self) -> None:
        if self.moto:
            self.moto.stop()
        if self.redis:
            self.redis.terminate()
            self.redis.wait(5)

    def environment(self) -> dict[str, str]:
        return {
            "PIPELINE_MODE": "local",
            "DEBUG": "1",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.moto_port}",
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
