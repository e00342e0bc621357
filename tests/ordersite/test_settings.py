import json
import os
import subprocess
import sys
from io import StringIO

from django.conf import settings
from django.core.management import call_command


def _start(env: dict) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PIPELINE_BUCKET", "DEBUG"}} | env
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_a_missing_secret_key_stops_start_up_with_one_line():
    result = _start({"DEBUG": "0", "PIPELINE_BUCKET": "b"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_without_debug_a_missing_bucket_stops_start_up_with_one_line():
    result = _start({"DEBUG": "0", "SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "PIPELINE_BUCKET is not set" in result.stderr


def test_models_and_migrations_agree(db):
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_sqlite_options_are_given_to_sqlite_only():
    # A DATABASE_URL naming another server gets none of SQLite's connection options.
    code = "import json; from ordersite import settings; print(json.dumps(settings.DATABASES['default']))"
    env = os.environ | {"DATABASE_URL": "postgres://site:pw@db.example.com:5432/ordersite"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout)
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert not database.get("OPTIONS") and not database.get("TEST")
