"""Production static files: collectstatic with DEBUG=0, then a real gunicorn serves a page and its assets.

The EC2 install script runs the same `collectstatic` under `set -e`; if it fails, nginx and gunicorn
never start. WhiteNoise's manifest storage refuses a static file that references a missing one.
"""

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.services import free_port

BASE_DIR = Path(settings.BASE_DIR)
HOST = "orders.example.com"


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "PIPELINE_BUCKET": "ordersite-prod",
        "ALLOWED_HOSTS": HOST,
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
    }
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        env.pop(name, None)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def _get(port: int, path: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": HOST, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def gunicorn_site(tmp_path_factory):
    """collectstatic + migrate with production settings, then gunicorn on a loopback port."""
    tmp_path = tmp_path_factory.mktemp("production")
    env = _production_env(tmp_path)
    collected = _manage(env, "collectstatic", "--noinput", "-v0")
    assert collected.returncode == 0, collected.stderr[-3000:]
    migrated = _manage(env, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 - read back on failure
    server = subprocess.Popen(
        [str(gunicorn), "ordersite.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/accounts/login/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail("gunicorn did not start:\n" + log.read()[-3000:])
                time.sleep(0.2)
        yield {"port": port, "static_root": Path(env["STATIC_ROOT"]), "database": tmp_path / "site.sqlite3"}
    finally:
        server.terminate()
        server.wait(10)
        log.close()


def test_collectstatic_with_production_settings_writes_a_manifest_of_hashed_files(gunicorn_site):
    root = gunicorn_site["static_root"]
    assert (root / "staticfiles.json").is_file()
    hashed = [p.name for p in (root / "ordersite" / "vendor").iterdir()]
    assert any(re.fullmatch(r"chart-4\.6\.1\.umd\.min\.[0-9a-f]{12}\.js", name) for name in hashed), hashed


def test_gunicorn_serves_the_login_page_with_hashed_asset_links_and_serves_those_assets(gunicorn_site):
    port = gunicorn_site["port"]
    status, _, body = _get(port, "/accounts/login/")
    assert status == 200, body[:500]
    links = re.findall(rb'(?:href|src)="(/static/[^"]+)"', body)
    assert any(re.search(rb"/static/ordersite/site\.[0-9a-f]{12}\.css$", link) for link in links), links
    for link in links:
        asset_status, headers, content = _get(port, link.decode())
        assert asset_status == 200, link
        original = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", link.decode().removeprefix("/static/"))
        source = next(BASE_DIR.glob(f"*/static/{original}"))
        assert content == source.read_bytes() or source.suffix == ".css", link  # CSS urls are rewritten
        assert "max-age=315360000" in headers.get("Cache-Control", ""), (link, headers)


def test_every_vendored_script_gunicorn_serves_references_only_files_that_exist(gunicorn_site):
    port = gunicorn_site["port"]
    paths = json.loads((gunicorn_site["static_root"] / "staticfiles.json").read_text())["paths"]
    vendored = {name: hashed for name, hashed in paths.items() if name.startswith("ordersite/vendor/")}
    assert {"ordersite/vendor/chart-4.6.1.umd.min.js", "ordersite/vendor/htmx-2.0.11.min.js"} <= set(vendored)
    for name, hashed in vendored.items():
        status, _, content = _get(port, f"/static/{hashed}")
        assert status == 200, name
        for reference in re.findall(rb"sourceMappingURL=(\S+)", content):
            assert _get(port, f"/static/ordersite/vendor/{reference.decode()}")[0] == 200, (name, reference)


def test_the_production_sqlite_database_is_in_write_ahead_log_mode(gunicorn_site):
    # The web server and the Celery workers write at once: with WAL readers go on while one writes
    # (settings' SQLite OPTIONS; the mode is kept in the file).
    with sqlite3.connect(gunicorn_site["database"]) as database:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
