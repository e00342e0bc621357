"""Redis (cache and Celery broker) is down while a file is processed: the news of new data is
not lost with it. It is read from the database, so once beat runs again the automatic crawl
catalogs the file and its orders reach the reports."""

import io
from datetime import date

from dashboard.reports import report_query
from dashboard.services import report_compute
from pipeline_admin.models import CrawlerRun, Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync
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
    assert (run.trigger, run.state, run.partitions_added) == ("auto", "succeeded", 1)
    kpis = report_compute(query=report_query("kpis", {}), force=True)
    row = dict(zip(kpis.columns, kpis.rows[0]))
    assert (row["orders"], str(row["revenue"])) == (2, "150.25")  # 100.00 + 50.25, by hand
