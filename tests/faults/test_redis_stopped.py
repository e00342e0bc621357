"""Redis stops while the site runs: the dashboard keeps showing the last stored results with a
warning, never a 500, and picks the cache up again once Redis is back.

The cache lives on a redis-server of its own here, so stopping it leaves the suite's Redis alone.
(tests/dashboard/test_dashboard_cache.py covers a Redis that was never reachable.)"""

import shutil
import subprocess
import tempfile

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from dashboard.reports import DASHBOARD
from tests.services import _wait_port, free_port

REVENUE = 'data-kpi="revenue">30205.10<'  # the course data's revenue, as the KPI card shows it
WARNING = "The cache is unreachable"


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="ordersite-fault-redis-")
        self.process = None

    def start(self) -> None:
        command = [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", self.dir]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _wait_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    cache = {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{server.port}/0"}
    # The broker is not involved: tests run Celery tasks eagerly, in the request's process.
    with override_settings(CACHES={"default": cache}):
        yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


def test_with_redis_stopped_the_dashboard_shows_the_last_stored_results_with_a_warning(
    client, crawled, analyst, redis_server, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True) as jobs:
        client.get(reverse("dashboard:home"))
    assert len(jobs) == len(DASHBOARD)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert REVENUE in page and WARNING not in page

    redis_server.stop()

    with django_capture_on_commit_callbacks(execute=False) as jobs:
        response = client.get(reverse("dashboard:home"))
        api = client.get(reverse("report_api", args=["kpis"]))
        refresh = client.post(reverse("dashboard:refresh"), follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(WARNING) >= len(DASHBOARD) and REVENUE in page
    assert page.count("<canvas") == len(DASHBOARD) - 2  # every chart still drawn (the KPIs and the table have none)
    assert api.status_code == 200
    body = api.json()
    assert body["meta"]["cache_ok"] is False and body["meta"]["error"] == ""
    assert dict(zip(body["columns"], body["rows"][0]))["revenue"] == "30205.10"
    assert refresh.status_code == 200 and "refreshes are paused" in refresh.content.decode()
    assert jobs == []  # nothing was queued that could not be tracked

    redis_server.start()  # back on the same port: no restart of the site needed
    page = client.get(reverse("dashboard:home")).content.decode()
    assert REVENUE in page and WARNING not in page
