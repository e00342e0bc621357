"""Redis (cache and queue) stops before a report was ever computed: the card says it cannot
compute and shows nothing rather than "Computing…" forever, the API answers 503 instead of 202
"computing", and the card fills by itself once Redis is back."""

import html

from django.urls import reverse

from dashboard.reports import DASHBOARD
from tests.faults.test_redis_stopped import REVENUE, redis_server  # noqa: F401

COLD = "Can't compute while the cache/queue is unavailable; showing nothing rather than guessing."


def test_with_redis_stopped_a_card_never_computed_says_so_and_fills_once_redis_is_back(
    client,
    crawled,
    analyst,
    redis_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client.force_login(analyst)
    redis_server.stop()

    with django_capture_on_commit_callbacks(execute=True) as jobs:
        page = html.unescape(client.get(reverse("dashboard:home")).content.decode())
        api = client.get(reverse("report_api", args=["kpis"]))
    assert jobs == []  # nothing was queued that nobody could run
    assert page.count(COLD) == len(DASHBOARD) and "Computing…" not in page
    assert page.count('hx-trigger="every 10s"') == len(DASHBOARD)  # each card asks again by itself
    assert api.status_code == 503 and api["Retry-After"] == "10"
    body = api.json()
    assert (body["rows"], body["meta"]["status"], body["meta"]["notice"].split(".")[0]) == (
        [],
        "unavailable",
        COLD.split(".")[0],
    )

    redis_server.start()

    with django_capture_on_commit_callbacks(execute=True) as jobs:
        computing = client.get(reverse("dashboard:card", args=["kpis"])).content.decode()  # the card's own poll
    assert len(jobs) == 1 and "Computing…" in computing
    assert REVENUE in client.get(reverse("dashboard:card", args=["kpis"])).content.decode()
    assert client.get(reverse("report_api", args=["kpis"])).status_code == 200


def test_with_redis_stopped_a_csv_download_says_so_without_a_card(
    client,
    crawled,
    analyst,
    redis_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # Review B12-7 (a): the download answered the card's text, "This card tries again by itself".
    client.force_login(analyst)
    redis_server.stop()
    with django_capture_on_commit_callbacks(execute=True) as jobs:
        export = client.get(reverse("dashboard:export", args=["kpis"]), {"period": "all_time"})
    assert jobs == []
    assert (export.status_code, export["Retry-After"], export["Content-Type"]) == (503, "3", "text/plain")
    assert export.content.decode() == (
        "Can't compute this report while the cache/queue is unavailable, so there is no CSV to download yet "
        "(an older data version's numbers are not served). Try the download again in a moment."
    )
