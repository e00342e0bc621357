import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ordersite.security import CONTENT_SECURITY_POLICY


def _production(args: list[str]) -> subprocess.CompletedProcess:
    """manage.py with the settings a production deploy uses (DEBUG off, a real secret, one host)."""
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "PIPELINE_BUCKET": "ordersite-prod",
        "ALLOWED_HOSTS": "orders.example.com",
    }
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("SECURE_HSTS_SECONDS", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# Runs inside a production-settings process: the deploy checks, the settings and a real response's headers.
PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
try:
    call_command("check", deploy=True, fail_level="WARNING")
    check = ""
except SystemCheckError as exc:
    check = str(exc)
client = Client(HTTP_HOST="orders.example.com")
plain, secure = client.get("/dashboard/"), client.get("/dashboard/", secure=True)
print(json.dumps({
    "check": check,
    "settings": {name: getattr(settings, name) for name in (
        "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS")},
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": [secure.status_code, dict(secure.headers)],
}))
"""


@pytest.fixture(scope="module")
def production() -> dict:
    """What a production process (DEBUG off) reports about itself; one process for the module."""
    result = _production(["shell", "-c", PRODUCTION_PROBE])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_checks_pass_with_production_settings(production):
    assert production["check"] == ""


def test_production_settings_send_secure_cookies_hsts_and_a_csp_and_never_debug(production):
    probe = production
    assert probe["settings"] == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
    }
    assert probe["plain"] == [301, "https://orders.example.com/dashboard/"]
    status, headers = probe["secure"]
    assert status == 302
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_every_page_carries_a_strict_content_security_policy(client, db):
    policy = client.get(reverse("login")).headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_forms_refuse_posts_without_a_csrf_token(db, uploader, pipeline_admin):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403
    csrf_client.force_login(pipeline_admin)
    for name in ("pipeline_admin:upload", "pipeline_admin:crawler_start", "pipeline_admin:uploads_refresh", "logout"):
        assert csrf_client.post(reverse(name)).status_code == 403, name
