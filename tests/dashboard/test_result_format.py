"""A stored result never outlives a change of what a report computes (keys.RESULT_FORMAT): one stored
under another result format is as if never computed. The case that asked for it: the key figures of
the current data version computed before N4 kept the revenue of no orders null (kpis.sql now says
0.00) until the next data change or a Refresh.

By hand (the file of tests/dashboard/test_no_orders.py): two shipped orders in May 2025, Ann 10.00
and Bob 2.50. June 2025 has none: revenue 0.00 (a sum over nothing), 0 orders, no average, 0
customers. May: 10.00 + 2.50 = 12.50 over 2 orders, 6.25 each, 2 customers. The old results below
hold what no report computes now (June's revenue null; May's 99.00), so serving them shows."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from dashboard.keys import RESULT_FORMAT, data_version_get
from dashboard.models import ReportResult
from dashboard.reports import report_query
from tests.dashboard.test_no_orders import COLUMNS, may_orders  # noqa: F401 (the fixture used below)

JUNE = {"month": "2025-06"}
MAY = {"month": "2025-05"}
OLD_JUNE = [None, 0, None, 0]  # what kpis.sql gave before N4
OLD_MAY = ["99.00", 2, "49.50", 2]  # nothing computes this: served, it shows


def stored_before_formats(params: dict, row: list, *, version: int | None = None) -> None:
    """A kpis result as the code before result formats stored it: its key without a format (as
    `keys.cache_key` wrote it then), no format recorded (the field's default, 0), and in Redis."""
    query = report_query("kpis", params)
    version = data_version_get() if version is None else version
    key = f"report:kpis:v{version}:{query.fingerprint}"
    result = ReportResult.objects.create(
        cache_key=key,
        slug="kpis",
        params=query.as_params(),
        data_version=version,
        columns=COLUMNS,
        rows=[row],
        meta={},
        computed_at=timezone.now(),
    )
    assert result.result_format == 0 != RESULT_FORMAT
    cache.set(key, result.pk, timeout=None)


@pytest.mark.parametrize(
    ("params", "old", "new"), [(JUNE, OLD_JUNE, ["0.00", 0, None, 0]), (MAY, OLD_MAY, ["12.50", 2, "6.25", 2])]
)
@pytest.mark.usefixtures("may_orders")
def test_the_report_api_recomputes_a_result_of_an_older_format(
    client, analyst, django_capture_on_commit_callbacks, params, old, new
):
    client.force_login(analyst)
    stored_before_formats(params, old)
    url = reverse("report_api", args=["kpis"])
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        waiting = client.get(url, params)
    assert waiting.status_code == 202, waiting.json()  # was 200 with the old row
    assert waiting.json()["rows"] == []  # not shown while the job runs: as if never computed
    assert len(jobs) == 1
    jobs[0]()
    body = client.get(url, params).json()
    assert body["columns"] == COLUMNS and body["rows"] == [new]


@pytest.mark.usefixtures("may_orders")
def test_the_csv_export_recomputes_a_result_of_an_older_format(client, analyst, django_capture_on_commit_callbacks):
    client.force_login(analyst)
    stored_before_formats(JUNE, OLD_JUNE)
    url = reverse("dashboard:export", args=["kpis"])
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        assert client.get(url, JUNE).status_code == 202  # was 200: ",0,,0", the revenue empty
    assert len(jobs) == 1
    jobs[0]()
    done = client.get(url, JUNE)
    assert done.status_code == 200
    assert done.content.decode() == "revenue,orders,average_order_value,customers\r\n0.00,0,,0\r\n"


@pytest.mark.usefixtures("may_orders")
def test_the_page_shows_no_result_of_an_older_format_even_of_an_older_data_version(
    client, analyst, django_capture_on_commit_callbacks
):
    """Not even as an older data version's result shown while the new one computes (that is
    what a result of the current format but an older version is): the card computes."""
    client.force_login(analyst)
    stored_before_formats(MAY, OLD_MAY, version=data_version_get() - 1)
    url = reverse("dashboard:home")
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        page = client.get(url, MAY).content.decode()
    card = page.split('id="card-kpis"', 1)[1].split("</section>", 1)[0]
    assert "$99.00" not in card and "$49.50" not in card
    assert any(job for job in jobs)
    for job in jobs:
        job()
    card = client.get(url, MAY).content.decode().split('id="card-kpis"', 1)[1].split("</section>", 1)[0]
    values = dict(re.findall(r'data-kpi="(\w+)" data-value="[^"]*">([^<]*)</div>', card))
    assert values == {"revenue": "$12.50", "orders": "2", "average_order_value": "$6.25", "customers": "2"}


def test_every_stored_kind_keys_the_result_format(monkeypatch):
    """The four kinds kept in Redis (a report's result, a drill page, an order's history, a file's
    superseded orders) change key with the result format: a bump misses each of them."""
    from dashboard import keys
    from dashboard.drill import OrdersQuery, page_key
    from dashboard.history import history_key
    from dashboard.supersession import superseded_key

    query = report_query("kpis", MAY)

    def every_key():
        return [
            keys.cache_key(query, 7),
            page_key(OrdersQuery(query=query), 7),
            history_key("A-1", 7),
            superseded_key("raw/b.csv", ["raw/a.csv"], 7),
        ]

    now = every_key()
    monkeypatch.setattr(keys, "RESULT_FORMAT", RESULT_FORMAT + 1)
    bumped = every_key()
    assert [k.split(":f")[0] for k in now] == ["report:kpis", "drill:orders", "drill:history", "supersedes"]
    assert all(f":f{RESULT_FORMAT}:v7:" in k for k in now)
    assert all(f":f{RESULT_FORMAT + 1}:v7:" in k for k in bumped)
    assert all(a != b for a, b in zip(now, bumped))
