"""Crawls nobody has to ask for: after new processed data (debounced) and on a schedule; and the
dashboard sees the new data after the crawl, without a restart."""

import os
import subprocess
import sys
import time

from django.conf import settings as django_settings

from dashboard.reports import report_query
from dashboard.selectors import report_view
from dashboard.services import report_compute
from ordersite.aws import glue
from pipeline_admin import services
from pipeline_admin.models import CrawlerRun, Upload
from pipeline_admin.tasks import crawler_scheduled

JANUARY = "A0001,Ann,100.00,shipped,2025-01-05\nA0002,Ben,50.00,delivered,2025-01-09\n"
FEBRUARY = "B0001,Ann,70.00,shipped,2025-02-11\n"


def test_processed_uploads_lead_to_one_automatic_crawl_once_the_debounce_has_passed(
    processed, settings, django_capture_on_commit_callbacks
):
    settings.CRAWLER_AUTO_DEBOUNCE_SECONDS = 60
    processed(JANUARY, name="january.csv")
    processed(FEBRUARY, name="february.csv")
    assert services.uploads_sync() == 2
    assert set(Upload.objects.values_list("status", flat=True)) == {Upload.Status.PROCESSED}
    assert len(glue.partitions_list()) == 2  # queryable at once: the sync registered the new months
    assert services.crawl_auto_check() is None  # data just arrived: more may follow
    with django_capture_on_commit_callbacks(execute=True):
        run = services.crawl_auto_check(now=time.time() + 61)
    run.refresh_from_db()
    assert (run.trigger, run.state, run.requested_by, run.partitions_total) == ("auto", "succeeded", None, 2)
    assert services.crawl_auto_check(now=time.time() + 3600) is None
    assert CrawlerRun.objects.count() == 1


def test_data_that_arrives_during_a_crawl_gets_its_own_automatic_crawl_afterwards(processed, settings):
    running, _ = services.crawl_request()
    processed(JANUARY)
    services.uploads_sync()
    later = time.time() + settings.CRAWLER_AUTO_DEBOUNCE_SECONDS + 1
    assert services.crawl_auto_check(now=later) is None  # never a second crawl alongside
    services.crawl_execute(run_id=running.pk)  # it started before the data arrived
    assert services.crawl_auto_check(now=later).trigger == "auto"


def test_a_crawl_started_after_the_new_data_makes_the_automatic_crawl_unnecessary(processed, settings):
    processed(JANUARY)
    services.uploads_sync()
    services.crawl_execute(run_id=services.crawl_request()[0].pk)
    assert services.crawl_auto_check(now=time.time() + settings.CRAWLER_AUTO_DEBOUNCE_SECONDS + 1) is None
    assert CrawlerRun.objects.count() == 1


def test_automatic_crawls_can_be_switched_off(processed, settings):
    settings.CRAWLER_AUTO = False
    processed(JANUARY)
    services.uploads_sync()
    assert services.crawl_auto_check(now=time.time() + 10**6) is None
    assert CrawlerRun.objects.count() == 0


def test_automatic_crawls_are_on_and_the_schedule_off_by_default():
    assert django_settings.CRAWLER_AUTO is True
    assert "crawl-after-new-data" in django_settings.CELERY_BEAT_SCHEDULE
    assert "crawl-on-schedule" not in django_settings.CELERY_BEAT_SCHEDULE


def _beat_schedule(schedule: str) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.CELERY_BEAT_SCHEDULE['crawl-on-schedule'])"
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=django_settings.BASE_DIR,
        env=os.environ | {"CRAWLER_SCHEDULE": schedule},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_cron_schedule_setting_adds_the_scheduled_crawl_to_celery_beat():
    result = _beat_schedule("30 2 * * 1-5")
    assert result.returncode == 0, result.stderr
    assert "'task': 'pipeline_admin.tasks.crawler_scheduled'" in result.stdout
    assert "<crontab: 30 2 * * 1-5 (m/h/dM/MY/d)>" in result.stdout


def test_a_malformed_schedule_stops_start_up_with_a_clear_message():
    result = _beat_schedule("every night")
    assert result.returncode != 0
    assert "CRAWLER_SCHEDULE must be a 5-field cron expression, got 'every night'" in result.stderr


def test_the_scheduled_task_records_a_scheduled_crawl(twin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        crawler_scheduled.delay()
    run = CrawlerRun.objects.get()
    assert (run.trigger, run.state) == ("schedule", "succeeded")


def months(result) -> list[str]:
    return [row[result.columns.index("month")] for row in result.rows]


def test_the_dashboard_shows_a_newly_processed_month_after_the_crawl_without_a_restart(processed):
    processed(JANUARY)
    services.crawl_execute(run_id=services.crawl_request()[0].pk)
    assert months(report_compute(query=report_query("revenue-by-month", {}))) == ["2025-01"]
    assert report_view(query=report_query("revenue-by-month", {})).fresh

    processed(FEBRUARY, name="february.csv")
    # Until the crawler registers the new partition, the catalog (and so every engine) lacks it.
    assert months(report_compute(query=report_query("revenue-by-month", {}))) == ["2025-01"]

    services.crawl_execute(run_id=services.crawl_request()[0].pk)
    stale = report_view(query=report_query("revenue-by-month", {}))
    assert not stale.fresh and months(stale.result) == ["2025-01"]  # the old result shows while it recomputes
    assert months(report_compute(query=report_query("revenue-by-month", {}))) == ["2025-01", "2025-02"]
    assert months(report_view(query=report_query("revenue-by-month", {})).result) == ["2025-01", "2025-02"]
