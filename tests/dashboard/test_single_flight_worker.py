"""Single flight with a real Celery worker on the real Redis broker: many viewers of a cold
report, at the same moment, get one job and one engine run."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker

from dashboard.jobs import report_refresh_request
from dashboard.models import ReportRun
from dashboard.reports import report_query
from dashboard.selectors import report_view
from ordersite.celery import app


@pytest.fixture
def no_warm_up(settings):
    settings.DASHBOARD_WARM_ON_NEW_DATA = False  # outside a test transaction the crawl would warm at once


@pytest.fixture
def worker(no_warm_up, transactional_db, crawled):
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        app.conf.task_always_eager = True


def test_fifty_simultaneous_viewers_of_a_cold_report_cause_one_engine_run(worker):
    barrier = threading.Barrier(50)
    enqueued = []

    def viewer():
        barrier.wait()
        enqueued.append(report_refresh_request(query=report_query("sales-by-customer", {"limit": "3"})))

    threads = [threading.Thread(target=viewer) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 60
    while not report_view(query=report_query("sales-by-customer", {"limit": "3"})).fresh:
        assert time.monotonic() < deadline, "the worker did not compute the report"
        time.sleep(0.05)
    assert enqueued.count(True) == 1
    assert ReportRun.objects.count() == 1
    # The course's 5 customers: the top 3 and one Other row with the other 2.
    rows = report_view(query=report_query("sales-by-customer", {"limit": "3"})).result.rows
    assert [r[1] for r in rows] == [0, 0, 0, 2]
