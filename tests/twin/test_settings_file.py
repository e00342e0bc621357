"""`make run`'s var/run.env is what every other manage.py command of the checkout uses; the
twin is told from other programs by its own probe, also after multipart uploads."""

import io
import os
import subprocess
import sys

from django.conf import settings
from moto.server import ThreadedMotoServer

from ordersite.aws import aws_client
from pipeline_admin.twin import twin_identity

from .localstack import ROOT, free_port


def endpoint_seen_by_manage_py(env: dict[str, str]) -> str:
    base = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    code = "from django.conf import settings; print(settings.AWS_ENDPOINT_URL, settings.REDIS_URL)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=base | env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_manage_py_takes_the_running_stacks_settings_from_run_env(tmp_path):
    (tmp_path / "run.env").write_text("# written by make run\nTWIN_PORT=5999\nREDIS_URL=redis://127.0.0.1:6999/0\n")
    assert endpoint_seen_by_manage_py({"VAR_DIR": str(tmp_path)}) == "http://127.0.0.1:5999 redis://127.0.0.1:6999/0"
    explicit = endpoint_seen_by_manage_py({"VAR_DIR": str(tmp_path), "TWIN_PORT": "5101"})
    assert explicit == "http://127.0.0.1:5101 redis://127.0.0.1:6999/0"  # the environment wins


def test_the_endpoint_follows_the_twin_port_unless_set(tmp_path):
    assert endpoint_seen_by_manage_py({"VAR_DIR": str(tmp_path), "TWIN_PORT": "5101"}).startswith(
        "http://127.0.0.1:5101 "
    )
    pinned = {"VAR_DIR": str(tmp_path), "TWIN_PORT": "5101", "AWS_ENDPOINT_URL": "http://127.0.0.1:7000"}
    assert endpoint_seen_by_manage_py(pinned).startswith("http://127.0.0.1:7000 ")


def test_the_twin_is_recognised_after_a_multipart_upload_and_a_bare_moto_is_not(twin):
    body = io.BytesIO(b"order_id,amount\n" + b"1,2.00\n" * 1_500_000)  # 12 MB: a multipart upload
    aws_client("s3").upload_fileobj(body, settings.PIPELINE_BUCKET, "raw/big.csv")
    assert twin_identity()["service"] == "ordersite-twin"

    port = free_port()
    bare = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    bare.start()
    try:
        assert twin_identity(f"http://127.0.0.1:{port}") is None
    finally:
        bare.stop()
