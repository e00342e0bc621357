"""Open dashboards follow the data version, and one page never mixes two data versions."""

import re

import pytest
from django.urls import reverse

from dashboard.models import ReportResult
from dashboard.reports import PAGE
from ordersite.signals import processed_data_changed


@pytest.fixture
def page(client, analyst, crawled, django_capture_on_commit_callbacks):
    """The dashboard with every card computed for the current data version."""
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("dashboard:home"))
    return client


def shown_versions(html: str) -> set[int]:
    """The data versions of the results behind the cards in this HTML."""
    pks = {int(pk) for pk in re.findall(r'data-result="(\d+)"', html)}
    return set(ReportResult.objects.filter(pk__in=pks).values_list("data_version", flat=True))


def test_the_version_endpoint_says_the_current_data_version(page):
    before = page.get(reverse("dashboard:version")).json()["version"]
    processed_data_changed.send(sender=None, reason="processed", source_keys=["raw/x.csv"])
    assert page.get(reverse("dashboard:version")).json() == {"version": before + 1}


def test_while_a_new_version_computes_the_page_keeps_its_complete_set_marked_updating(
    page, django_capture_on_commit_callbacks
):
    home = page.get(reverse("dashboard:home")).content.decode()
    (old,) = shown_versions(home)
    assert 'id="live-note"' in home and "updating" not in home.split('id="live-note"')[1].split("</p>")[0]

    processed_data_changed.send(sender=None, reason="processed", source_keys=["raw/new.csv"])
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        updating = page.get(reverse("dashboard:home")).content.decode()
    assert len(jobs) == len(PAGE)
    assert shown_versions(updating) == {old} and 'class="grid updating"' in updating
    assert "hx-trigger" not in updating  # the page swaps its cards together, no card polls alone
    jobs[0]()  # one card of the new version is ready: the page still shows the old set
    assert shown_versions(page.get(reverse("dashboard:home")).content.decode()) == {old}
    body = page.get(reverse("dashboard:cards"), {"since": old}).json()
    assert (body["ready"], body["version"], body["current"]) == (False, old, old + 1)

    for job in jobs[1:]:
        job()
    body = page.get(reverse("dashboard:cards"), {"since": old}).json()
    assert (body["ready"], body["version"]) == (True, old + 1)
    assert shown_versions(body["html"]) == {old + 1}
    assert body["changes"]["text"] == "1 new file" and body["changes"]["changed_at"]


def test_a_page_computed_for_the_first_time_replaces_no_set_so_says_no_updated_with(
    page, django_capture_on_commit_callbacks
):
    """Review B12-5: filters nobody computed before showed no complete set (data version 0), and the
    note counted every change since the stack began ("updated with 7 new files, ..."). By hand: the
    first set replaces nothing, so the page sends no `since` and the answer has no changes (None)."""
    home = page.get(reverse("dashboard:home")).content.decode()
    (old,) = shown_versions(home)
    assert f'data-version="{old}" data-since="{old}"' in home  # a complete set: what changed after it is said

    with django_capture_on_commit_callbacks(execute=False) as jobs:
        cold = page.get(reverse("dashboard:home"), {"customer": "Nobody computed this"}).content.decode()
    assert 'class="grid updating" id="cards" data-version="0"\n' in cold and "data-since" not in cold
    for job in jobs:
        job()
    body = page.get(reverse("dashboard:cards"), {"customer": "Nobody computed this"}).json()
    assert (body["ready"], body["version"], body["changes"]) == (True, old, None)
    assert shown_versions(body["html"]) == {old}
