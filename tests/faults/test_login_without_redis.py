"""Redis stops in the middle of a password-guessing run: the count goes on (it lives in the
database), the lockout holds, and the owner still logs in from elsewhere."""

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.faults.test_redis_stopped import redis_server  # noqa: F401  (a redis-server of its own, to stop)


def _login(username: str, password: str, address: str):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)
    return response.status_code, "_auth_user_id" in client.session


def test_with_redis_stopped_during_login_attempts_the_limit_still_holds(db, redis_server):  # noqa: F811
    User.objects.create_user(username="uploader2", password="pw-uploader2")
    assert _login("uploader2", "wrong", "10.0.0.1") == (200, False)
    assert _login("uploader2", "wrong", "10.0.0.1") == (200, False)

    redis_server.stop()

    assert _login("uploader2", "wrong", "10.0.0.1") == (200, False)
    assert _login("uploader2", "wrong", "10.0.0.1") == (200, False)
    assert _login("uploader2", "wrong", "10.0.0.1") == (429, False)  # the fifth failure, two before the outage
    assert _login("uploader2", "pw-uploader2", "10.0.0.1") == (429, False)
    assert _login("uploader2", "pw-uploader2", "10.0.0.2") == (302, True)  # sessions fall back to the database
