"""Error pages in the site's layout, and the local demo admin managing accounts in /admin/."""

from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from ordersite.views import server_error


def test_a_forbidden_page_keeps_the_navigation_and_a_way_back(client, uploader):
    client.force_login(uploader)
    response = client.get(reverse("dashboard:home"), HTTP_REFERER="http://testserver/pipeline/files/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Not allowed (403)" in page and 'href="/pipeline/files/"' in page  # the nav's Files link
    assert "Back to the start page" in page and "back to the page you came from" in page


def test_a_missing_page_keeps_the_navigation_and_a_way_back(client, analyst):
    client.force_login(analyst)
    response = client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Not found (404)" in page and "/no/such/page/" in page
    assert reverse("dashboard:home") in page and "Back to the start page" in page


def test_a_server_error_page_uses_the_layout(db, analyst):
    request = RequestFactory().get("/dashboard/")
    request.user = analyst
    response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side (500)" in page and reverse("dashboard:home") in page


def test_the_local_demo_admin_manages_users_and_groups(client, db, settings):
    settings.DEBUG = True  # demo users exist only on the local twin with DEBUG on (pytest turns it off)
    call_command("demo_users", stdout=StringIO())
    settings.DEBUG = False
    client.force_login(User.objects.get(username="admin"))
    for url in ("/admin/auth/user/", "/admin/auth/user/add/", "/admin/auth/group/", "/admin/auth/group/add/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/auth/user/").content.decode().count("uploader") >= 1
    client.force_login(User.objects.get(username="analyst"))
    assert client.get("/admin/auth/user/").status_code == 302  # not staff: sent to the admin login
