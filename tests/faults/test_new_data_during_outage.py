"""Redis (cache and Celery broker) is down while a file is processed: the news of new data is
not lost with it. It is read from the database, so once beat runs again the automatic crawl
catalogs the file and its orders reach the reports, and the dashboard's default views are
warmed for the data version the outage left unwarmed."""

import io
from datetime import date

from dashboard.reports import DASHBOARD, report_query
from dashboard.selectors import report_view
from dashboard.services import report_compute
from dashboard.tasks import dashboard_warm_missing
from pipeline_admin.models import CrawlerRun, Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import crawl_execute, crawl_request, upload_create, uploads_sync
from pipeline_admin.tasks import crawler_auto_check
from tests.faults.test_redis_stopped import redis_server  # noqa: F401  (a redis-server of its own, to stop)

ORDERS = (
    b"order_id,customer,amount,status,order_date\nJ1,Ann,100.00,shipped,2025-01-05\nJ2,Ben,50.25,delivered,2025-01-09\n"
)


def test_a_file_processed_while_redis_is_down_is_crawled_once_redis_is_back(
    twin,
    redis_server,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.CRAWLER_AUTO_DEBOUNCE_SECONDS = 0
    redis_server.stop()
    upload_create(user=None, fileobj=io.BytesIO(ORDERS), name="january.csv", as_of=date(2025, 6, 1))
    runtime_drain()  # the Lambda does not need Redis
    with django_capture_on_commit_callbacks(execute=True):
        uploads_sync()  # "Refresh status now": works without Redis
    assert Upload.objects.get().status == Upload.Status.PROCESSED
    assert not CrawlerRun.objects.exists()

    redis_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        crawler_auto_check.delay()  # what beat runs every 15 s once its broker answers again

    run = CrawlerRun.objects.get()
    # The sync already registered the new month (it is queryable at once); the crawl keeps the schema.
    assert (run.trigger, run.state, run.partitions_total) == ("auto", "succeeded", 1)
    kpis = report_compute(query=report_query("kpis", {}), force=True)
    row = dict(zip(kpis.columns, kpis.rows[0]))
    assert (row["orders"], str(row["revenue"])) == (2, "150.25")  # 100.00 + 50.25, by hand


def test_a_data_change_during_the_outage_is_warmed_once_the_queue_is_back(
    twin,
    redis_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    redis_server.stop()
    upload_create(user=None, fileobj=io.BytesIO(ORDERS), name="january.csv", as_of=date(2025, 6, 1))
    runtime_drain()
    with django_capture_on_commit_callbacks(execute=True) as warm_ups:
        uploads_sync()
        crawl_execute(run_id=crawl_request()[0].pk)  # an admin's crawl: new data, a new data version
    assert warm_ups  # the warm-up was attempted, and could queue nothing
    assert not any(report_view(query=report_query(slug, {})).fresh for slug in DASHBOARD)

    redis_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        dashboard_warm_missing.delay()  # beat, once its broker answers again

    views = [report_view(query=report_query(slug, {})) for slug in DASHBOARD]
    assert all(view.fresh and not view.result.error for view in views)
    kpis = dict(zip(views[0].result.columns, views[0].result.rows[0]))
    assert (kpis["orders"], str(kpis["revenue"])) == (2, "150.25")
