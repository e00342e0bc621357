"""Redis stops while the site runs: the dashboard keeps showing the last stored results with a
warning, never a 500, and picks the cache up again once Redis is back; the pipeline pages keep
working and a crawl that cannot reach a worker says so instead of staying "running".

The cache lives on a redis-server of its own here, so stopping it leaves the suite's Redis alone.
(tests/dashboard/test_dashboard_cache.py covers a Redis that was never reachable.)"""

import io
import shutil
import subprocess
import tempfile

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from dashboard.reports import DASHBOARD, PAGE
from pipeline_admin.models import CrawlerRun, Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create
from tests.services import _wait_port, free_port

REVENUE = 'data-kpi="revenue" data-value="30205.10">'  # the course data's revenue, as the KPI card shows it
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
    assert len(jobs) == len(PAGE)
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
    assert page.count("<canvas") == 5  # every chart still drawn (the breakdown has two, the KPIs and the table none)
    assert api.status_code == 200
    body = api.json()
    assert body["meta"]["cache_ok"] is False and body["meta"]["error"] == ""
    assert dict(zip(body["columns"], body["rows"][0]))["revenue"] == "30205.10"
    assert refresh.status_code == 200 and "refreshes are paused" in refresh.content.decode()
    assert jobs == []  # nothing was queued that could not be tracked

    redis_server.start()  # back on the same port: no restart of the site needed
    page = client.get(reverse("dashboard:home")).content.decode()
    assert REVENUE in page and WARNING not in page


@pytest.fixture
def broker_on(redis_server):
    """Celery publishes to the test's redis-server instead of running tasks in the request."""
    from ordersite.celery import app

    def connections_forget() -> None:  # pools bind their broker URL when first used
        app._pool = None
        app.amqp._producer_pool = None

    before = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, f"redis://127.0.0.1:{redis_server.port}/0"
    connections_forget()
    yield redis_server
    app.conf.task_always_eager, app.conf.broker_url = before
    connections_forget()


def test_with_redis_stopped_the_pipeline_pages_answer_and_the_status_refresh_still_works(
    client, twin, uploader, pipeline_admin, redis_server
):
    upload_create(user=uploader, fileobj=io.BytesIO(b"order_id,amount,order_date\n1,2,2025-01-01\n"), name="a.csv")
    runtime_drain()
    client.force_login(pipeline_admin)
    redis_server.stop()

    for name in ("pipeline_admin:uploads", "pipeline_admin:upload", "pipeline_admin:crawler", "pipeline_admin:bucket"):
        assert client.get(reverse(name)).status_code == 200, name
    client.force_login(uploader)
    response = client.post(reverse("pipeline_admin:uploads_refresh"), follow=True)
    assert "Status refreshed: 1 file(s) changed." in response.content.decode()
    assert Upload.objects.get().status == Upload.Status.PROCESSED


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_stopped_run_crawler_says_so_and_leaves_no_crawl_running(
    client, twin, pipeline_admin, broker_on
):
    client.force_login(pipeline_admin)
    broker_on.stop()
    response = client.post(reverse("pipeline_admin:crawler_start"), follow=True)
    assert response.status_code == 200
    assert "could not be handed to a worker" in response.content.decode()
    run = CrawlerRun.objects.get()
    assert run.state == CrawlerRun.State.FAILED and "is Redis running?" in run.error
