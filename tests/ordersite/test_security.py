import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse


def test_deploy_checks_pass_with_production_settings():
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "PIPELINE_BUCKET": "ordersite-prod",
        "ALLOWED_HOSTS": "orders.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_page_carries_a_strict_content_security_policy(client, db):
    policy = client.get(reverse("login")).headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_forms_refuse_posts_without_a_csrf_token(db, uploader, pipeline_admin):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403
    csrf_client.force_login(pipeline_admin)
    for name in ("pipeline_admin:upload", "pipeline_admin:crawler_start", "pipeline_admin:uploads_refresh", "logout"):
        assert csrf_client.post(reverse(name)).status_code == 403, name


def test_login_attempts_are_rate_limited(client, uploader):
    cache.clear()
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "uploader", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "uploader", "password": "pw-uploader"})
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
