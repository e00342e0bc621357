"""Login throttling holds against the ways around it: another spelling of the name, many names
from one address, a forged proxy header; a lockout at one address never locks the owner out
elsewhere; admins see and clear lockouts. (Redis stopped: tests/faults/test_login_without_redis.py.)"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

LIMIT = 5  # the README's promise: 5 failures per name and address
ADDRESS_LIMIT = 20  # failures per address, whatever the names


def login(username: str, password: str, *, address: str = "10.0.0.1", forwarded: str | None = None):
    """One login POST from a fresh browser; `forwarded` makes it come through the local nginx."""
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password}, **extra)
    response.logged_in = "_auth_user_id" in client.session
    return response


@pytest.fixture
def owner(db):
    return User.objects.create_user(username="uploader2", password="pw-uploader2")


def test_the_settings_keep_the_promised_limits():
    assert settings.AXES_FAILURE_LIMIT == LIMIT and settings.LOGIN_ADDRESS_FAILURE_LIMIT == ADDRESS_LIMIT


def test_after_five_failures_a_full_width_spelling_of_the_name_is_locked_out_too(owner):
    answers = [login("uploader2", "wrong").status_code for _ in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]  # the fifth failure locks the pair
    for spelling in ("ｕｐｌoader2", "UPLOADER2 ", "uploader2"):
        response = login(spelling, "pw-uploader2")
        assert response.status_code == 429 and not response.logged_in, spelling
    assert "Too many failed attempts" in response.content.decode()
    # The owner, from anywhere else, is not locked out.
    assert login("uploader2", "pw-uploader2", address="10.0.0.2").logged_in


def test_forty_names_from_one_address_meet_the_address_limit(owner):
    answers = [login(f"guess{n}", "wrong", address="10.0.0.9").status_code for n in range(40)]
    assert answers == [200] * (ADDRESS_LIMIT - 1) + [429] * (40 - ADDRESS_LIMIT + 1)
    assert login("uploader2", "pw-uploader2", address="10.0.0.9").status_code == 429
    assert login("uploader2", "pw-uploader2", address="10.0.0.10").logged_in


def test_fewer_failures_than_the_address_limit_leave_other_names_at_that_address_alone(owner, analyst):
    for _ in range(LIMIT):
        login("uploader2", "wrong", address="10.0.0.1")
    assert login("analyst", "pw-analyst", address="10.0.0.1").logged_in  # an office behind one address


def test_a_successful_login_forgets_that_names_failures(owner):
    for _ in range(LIMIT - 1):
        login("uploader2", "wrong")
    assert login("uploader2", "pw-uploader2").logged_in
    for _ in range(LIMIT - 1):
        assert login("uploader2", "wrong").status_code == 200
    assert login("uploader2", "pw-uploader2").logged_in


def test_a_successful_login_does_not_reset_the_address_limit(owner):
    for n in range(ADDRESS_LIMIT - 2):
        login(f"guess{n}", "wrong", address="10.0.0.9")
    assert login("uploader2", "pw-uploader2", address="10.0.0.9").logged_in
    assert login("guess-last", "wrong", address="10.0.0.9").status_code == 200
    assert login("guess-more", "wrong", address="10.0.0.9").status_code == 429  # the twentieth failure


def test_behind_nginx_the_lockout_follows_the_address_nginx_saw(db, pipeline_admin):
    """nginx proxies from 127.0.0.1 and appends the address it saw to X-Forwarded-For."""
    for _ in range(LIMIT):
        assert not login("padmin", "wrong", forwarded="203.0.113.9").logged_in
    assert login("padmin", "pw-padmin", forwarded="203.0.113.9").status_code == 429
    # Everyone else still gets in through the same proxy: not every client is 127.0.0.1.
    assert login("padmin", "pw-padmin", forwarded="198.51.100.7").logged_in
    # The attacker cannot pick an address: nginx appends the real one after whatever was sent.
    assert login("padmin", "pw-padmin", forwarded="198.51.100.7, 203.0.113.9").status_code == 429
    # A client that reaches gunicorn without nginx is its own address, whatever it claims.
    response = login("padmin", "pw-padmin", address="203.0.113.9")
    assert response.status_code == 429
    spoofed = Client().post(
        reverse("login"),
        {"username": "padmin", "password": "pw-padmin"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert spoofed.status_code == 429


def test_the_trusted_header_is_the_one_the_sites_nginx_sets():
    """The rule above holds only while nginx appends the peer address and gunicorn listens on loopback."""
    template = (settings.BASE_DIR / "infra" / "cloudformation.yaml").read_text()
    assert re.search(r"proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;", template)
    assert "--bind 127.0.0.1:8000" in template and "proxy_pass http://127.0.0.1:8000;" in template
    assert settings.LOGIN_PROXY_ADDRESSES == ["127.0.0.1", "::1"]


def test_admins_see_and_clear_a_lockout_in_the_django_admin(owner, pipeline_admin):
    for _ in range(LIMIT):
        login("uploader2", "wrong", address="10.0.0.1")
    assert login("uploader2", "pw-uploader2", address="10.0.0.1").status_code == 429
    pipeline_admin.is_staff = True
    pipeline_admin.save()
    admin = Client()
    admin.force_login(pipeline_admin)
    listing = admin.get("/admin/axes/accessattempt/?q=uploader2")
    assert listing.status_code == 200 and "10.0.0.1" in listing.content.decode()
    attempt = re.search(r"/admin/axes/accessattempt/(\d+)/change/", listing.content.decode()).group(1)
    cleared = admin.post(f"/admin/axes/accessattempt/{attempt}/delete/", {"post": "yes"})
    assert cleared.status_code == 302
    assert login("uploader2", "pw-uploader2", address="10.0.0.1").logged_in
