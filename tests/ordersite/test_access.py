import pytest
from django.urls import reverse

PAGES = {
    "dashboard:home": {"analyst", "padmin"},
    "pipeline_admin:upload": {"uploader", "padmin"},
    "pipeline_admin:uploads": {"uploader", "padmin"},
    "pipeline_admin:crawler": {"padmin"},
}


def test_every_page_but_login_requires_a_login(client, db):
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name
    assert client.get(reverse("login")).status_code == 200


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_role_opens_only_its_pages(client, twin, uploader, analyst, pipeline_admin, page):
    for user in (uploader, analyst, pipeline_admin):
        client.force_login(user)
        allowed = user.username in PAGES[page]
        assert client.get(reverse(page)).status_code == (200 if allowed else 403), (user.username, page)


def test_roles_exist_after_migrations(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"Uploaders", "Analysts", "Pipeline admins"}


def test_a_logged_out_api_call_gets_401_json_not_the_login_page(client, db):
    for url in ("/api/reports/kpis/", "/api/orders/"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json() == {"error": "authentication required: log in first", "login_url": reverse("login")}
    polled = client.get(reverse("pipeline_admin:uploads_status"), headers={"accept": "application/json"})
    assert polled.status_code == 401  # the upload page's poll after the session ended
    assert client.get(reverse("pipeline_admin:uploads"))["Location"].startswith(
        reverse("login")
    )  # pages still redirect


def test_a_failed_login_says_why_once(client, db):
    page = client.post(reverse("login"), {"username": "nobody", "password": "wrong"}).content.decode()
    assert page.count("Please enter a correct username and password") == 1
