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
