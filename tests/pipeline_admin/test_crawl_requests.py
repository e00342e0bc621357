"""Requesting crawls: one at a time, even under concurrency, and never stuck behind a dead worker."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from pipeline_admin import services
from pipeline_admin.models import CrawlerRun


def test_a_second_request_while_a_crawl_runs_returns_the_running_crawl(db, pipeline_admin):
    first, created_first = services.crawl_request(user=pipeline_admin)
    second, created_second = services.crawl_request(user=None, trigger=CrawlerRun.Trigger.AUTO)
    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk
    assert CrawlerRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_start_exactly_one_crawl():
    barrier = threading.Barrier(8)
    results, errors = [], []

    def request():
        try:
            barrier.wait(timeout=10)
            results.append(services.crawl_request(trigger=CrawlerRun.Trigger.MANUAL))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(created for _, created in results) == 1
    assert len({run.pk for run, _ in results}) == 1
    assert CrawlerRun.objects.filter(state=CrawlerRun.State.RUNNING).count() == 1


def test_a_running_crawl_whose_worker_went_silent_is_expired_and_a_new_one_starts(db, settings):
    settings.CRAWLER_STALE_MINUTES = 10
    stale, _ = services.crawl_request()
    CrawlerRun.objects.filter(pk=stale.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=11))
    fresh, created = services.crawl_request()
    stale.refresh_from_db()
    assert created and fresh.pk != stale.pk
    assert stale.state == CrawlerRun.State.FAILED
    assert "no word from the worker for 10 minutes" in stale.error


def test_a_queued_crawl_no_worker_picked_up_expires_too(db, settings):
    settings.CRAWLER_STALE_MINUTES = 10
    queued, _ = services.crawl_request()
    CrawlerRun.objects.filter(pk=queued.pk).update(started_at=timezone.now() - timedelta(minutes=30))
    assert services.crawl_runs_expire() == 1


def test_a_crawl_that_keeps_checking_in_is_not_expired(db, settings):
    settings.CRAWLER_STALE_MINUTES = 10
    slow, _ = services.crawl_request()
    CrawlerRun.objects.filter(pk=slow.pk).update(
        started_at=timezone.now() - timedelta(minutes=30), heartbeat_at=timezone.now() - timedelta(minutes=1)
    )
    again, created = services.crawl_request()
    assert not created and again.pk == slow.pk


def test_a_finished_run_is_not_executed_again(db):
    run, _ = services.crawl_request()
    CrawlerRun.objects.filter(pk=run.pk).update(state=CrawlerRun.State.FAILED, error="expired")
    assert services.crawl_execute(run_id=run.pk).error == "expired"
