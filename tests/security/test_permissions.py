"""Who may open what: one table over every URL pattern of the site, for each role and method.

A new URL pattern without a row here fails `test_every_url_pattern_has_a_row_in_the_permission_table`,
so no page ships without someone deciding who may open it.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ("anonymous", "uploader", "analyst", "padmin")
LOGIN = "login"  # anonymous: a redirect to the login page


@dataclass(frozen=True)
class Row:
    """Expected status per role (anonymous, Uploader, Analyst, Pipeline admin) for GET and POST."""

    name: str
    get: tuple
    post: tuple
    kwargs: str = ""  # which fixture object fills the URL's parameters


L = LOGIN
TABLE = [
    Row("home", get=(L, 302, 302, 302), post=(L, 302, 302, 302)),
    Row("login", get=(200, 200, 200, 200), post=(200, 200, 200, 200)),
    Row("logout", get=(L, 405, 405, 405), post=(L, 302, 302, 302)),
    Row("report_api", kwargs="report", get=(401, 403, 202, 202), post=(401, 403, 202, 202)),  # API: 401 JSON
    Row("dashboard:home", get=(L, 403, 200, 200), post=(L, 403, 200, 200)),
    Row("dashboard:refresh", get=(L, 403, 405, 405), post=(L, 403, 302, 302)),
    Row("dashboard:card", kwargs="report", get=(L, 403, 200, 200), post=(L, 403, 200, 200)),
    Row("dashboard:export", kwargs="report", get=(L, 403, 202, 202), post=(L, 403, 202, 202)),  # computing: 202
    Row("dashboard:cards", get=(L, 403, 200, 200), post=(L, 403, 405, 405)),
    Row("dashboard:version", get=(L, 403, 200, 200), post=(L, 403, 405, 405)),
    Row("dashboard:customers", get=(L, 403, 200, 200), post=(L, 403, 405, 405)),
    # The drill pages read only (GET). With no processed orders yet the list's job is started (202)
    # and the export, which computes in the request, says the table is not in the catalog yet.
    Row("dashboard:orders", get=(L, 403, 202, 202), post=(L, 403, 405, 405)),
    Row("dashboard:orders_export", get=(L, 403, 502, 502), post=(L, 403, 405, 405)),
    Row("dashboard:order_history", get=(L, 403, 200, 200), post=(L, 403, 405, 405)),
    Row("orders_api", get=(401, 403, 202, 202), post=(401, 403, 405, 405)),
    Row("pipeline_admin:upload", get=(L, 200, 403, 200), post=(L, 200, 403, 200)),
    Row("pipeline_admin:upload_inspect", get=(L, 405, 403, 405), post=(L, 400, 403, 400)),
    Row("pipeline_admin:uploads", get=(L, 200, 403, 200), post=(L, 200, 403, 200)),
    Row("pipeline_admin:uploads_refresh", get=(L, 405, 403, 405), post=(L, 302, 403, 302)),
    Row("pipeline_admin:upload_detail", kwargs="own_upload", get=(L, 200, 403, 200), post=(L, 200, 403, 200)),
    # Another uploader's file does not exist for an Uploader: 404, not 403, so ids reveal nothing.
    Row("pipeline_admin:upload_detail", kwargs="other_upload", get=(L, 404, 403, 200), post=(L, 404, 403, 200)),
    # The stale orders' CSV: whoever may see the file's page (404 for another uploader's file).
    Row("pipeline_admin:upload_stale_orders", kwargs="own_upload", get=(L, 200, 403, 200), post=(L, 405, 403, 405)),
    Row("pipeline_admin:upload_stale_orders", kwargs="other_upload", get=(L, 404, 403, 200), post=(L, 405, 403, 405)),
    Row("pipeline_admin:upload_remap", kwargs="own_upload", get=(L, 405, 403, 405), post=(L, 403, 403, 302)),
    Row("pipeline_admin:upload_remap", kwargs="other_upload", get=(L, 405, 403, 405), post=(L, 404, 403, 302)),
    Row(
        "pipeline_admin:upload_reprocess",
        kwargs="own_upload",
        get=(L, 403, 403, 405),
        post=(L, 403, 403, 302),
    ),
    Row(
        "pipeline_admin:upload_output_delete",
        kwargs="own_upload",
        get=(L, 403, 403, 200),
        post=(L, 403, 403, 302),
    ),
    Row("pipeline_admin:upload_template", get=(L, 200, 403, 200), post=(L, 200, 403, 200)),
    Row("pipeline_admin:upload_direct_begin", get=(L, 405, 403, 405), post=(L, 400, 403, 400)),
    # Only the uploader's own file while it is being received: a stored one is 404, anyone else's too.
    Row("pipeline_admin:upload_direct_parts", kwargs="own_upload", get=(L, 405, 403, 405), post=(L, 404, 403, 404)),
    Row("pipeline_admin:upload_direct_abort", kwargs="own_upload", get=(L, 405, 403, 405), post=(L, 404, 403, 404)),
    # Completing a file already stored answers its outcome again (the page may retry after a drop).
    Row("pipeline_admin:upload_direct_complete", kwargs="own_upload", get=(L, 405, 403, 405), post=(L, 200, 403, 404)),
    Row("pipeline_admin:uploads_status", get=(L, 200, 403, 200), post=(L, 405, 403, 405)),
    Row("pipeline_admin:dlq_replay", get=(L, 403, 403, 405), post=(L, 403, 403, 302)),
    Row("pipeline_admin:uploads_reconcile", get=(L, 403, 403, 405), post=(L, 403, 403, 302)),
    Row("pipeline_admin:bucket", get=(L, 403, 403, 200), post=(L, 403, 403, 200)),
    Row("pipeline_admin:crawler", get=(L, 403, 403, 200), post=(L, 403, 403, 200)),
    Row("pipeline_admin:crawler_start", get=(L, 403, 403, 405), post=(L, 403, 403, 302)),
    Row("pipeline_admin:crawler_run", kwargs="run", get=(L, 403, 403, 200), post=(L, 403, 403, 200)),
    Row("pipeline_admin:catalog", get=(L, 403, 403, 200), post=(L, 403, 403, 200)),
]


def url_names(patterns=None, namespace: str = "") -> list[str]:
    """Every named URL pattern of the site, namespaced, except Django's admin (it has its own staff check)."""
    names = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            names.append(f"{namespace}{entry.name}" if entry.name else f"unnamed pattern {entry.pattern}")
    return names


def test_every_url_pattern_has_a_row_in_the_permission_table():
    assert sorted(set(url_names())) == sorted({row.name for row in TABLE})


def _client(role: str, users: dict[str, User], **kwargs) -> Client:
    client = Client(**kwargs)
    if role != "anonymous":
        client.force_login(users[role])
    return client


def _check(response, expected, url: str, role: str, method: str) -> str | None:
    """A mismatch described in one line, or None."""
    if expected == LOGIN:
        ok = response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")
    else:
        ok = response.status_code == expected
    return None if ok else f"{method} {url} as {role}: expected {expected}, got {response.status_code}"


def test_each_role_gets_exactly_the_declared_status_on_every_url(url_objects, uploader, analyst, pipeline_admin):
    # One pass over the table on one twin (a fresh twin per row costs a second each); every
    # mismatch is listed with its URL, role and method.
    users = {"uploader": uploader, "analyst": analyst, "padmin": pipeline_admin}
    mismatches = []
    for row in TABLE:
        url = reverse(row.name, kwargs=url_objects.get(row.kwargs))
        for role, expected_get, expected_post in zip(ROLES, row.get, row.post):
            client = _client(role, users)
            mismatches.append(_check(client.get(url), expected_get, url, role, "GET"))
            mismatches.append(_check(client.post(url), expected_post, url, role, "POST"))
    assert [m for m in mismatches if m] == []


REFUSED = (LOGIN, 403, 404, 405)
# Every URL some role may POST to: each must refuse the POST without a CSRF token.
FORMS = [row for row in TABLE if any(status not in REFUSED for status in row.post)]


def test_every_form_refuses_a_post_without_a_csrf_token(url_ids, uploader, analyst, pipeline_admin):
    users = {"uploader": uploader, "analyst": analyst, "padmin": pipeline_admin}
    accepted = []
    for row in FORMS:
        url = reverse(row.name, kwargs=url_ids.get(row.kwargs))
        # The first role the table lets through, so a 403 here can only come from the missing token.
        role = next(r for r, status in zip(ROLES, row.post) if status not in REFUSED)
        response = _client(role, users, enforce_csrf_checks=True).post(url, {"username": "x", "password": "y"})
        if response.status_code != 403 or b"CSRF verification failed" not in response.content:
            accepted.append(f"POST {url} as {role}: {response.status_code}")
    assert len(FORMS) > 10 and accepted == []


def test_the_django_admin_site_is_closed_to_every_role_without_staff_status(
    client, db, uploader, analyst, pipeline_admin
):
    admin_login = reverse("admin:login")
    assert client.get("/admin/")["Location"].startswith(admin_login)
    for user in (uploader, analyst, pipeline_admin):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith(admin_login), user.username
        assert client.get(reverse("admin:auth_user_changelist")).status_code == 302, user.username
    staff = User.objects.create_superuser("root", password="pw-root")
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_the_status_refresh_form_only_redirects_back_into_the_site(client, twin, uploader):
    client.force_login(uploader)
    url = reverse("pipeline_admin:uploads_refresh")
    back = reverse("pipeline_admin:uploads") + "?status=processed"
    assert client.post(url, {"next": back})["Location"] == back
    for elsewhere in ("https://evil.example/login", "//evil.example/", "javascript:alert(1)", "https:///evil.example"):
        assert client.post(url, {"next": elsewhere})["Location"] == reverse("pipeline_admin:uploads"), elsewhere
