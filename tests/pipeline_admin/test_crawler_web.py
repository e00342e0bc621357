"""The crawler pages: Pipeline admins only; a button that cannot start a second crawl; runs with
their drift; the catalog."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone

from ordersite.aws import aws_client
from pipeline_admin import services
from pipeline_admin.models import CrawlerRun

PAGES = [
    ("pipeline_admin:crawler", [], "get"),
    ("pipeline_admin:crawler_start", [], "post"),
    ("pipeline_admin:crawler_run", [1], "get"),
    ("pipeline_admin:catalog", [], "get"),
]


@pytest.mark.parametrize("name,args,method", PAGES)
def test_uploaders_and_analysts_may_not_open_the_crawler_pages(client, uploader, analyst, name, args, method):
    for user in (uploader, analyst):
        client.force_login(user)
        assert getattr(client, method)(reverse(name, args=args)).status_code == 403
    assert CrawlerRun.objects.count() == 0


@pytest.mark.parametrize("name,args,method", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, db, name, args, method):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_button_starts_a_crawl_that_a_worker_runs(
    client, course_processed, pipeline_admin, django_capture_on_commit_callbacks, settings
):
    settings.DASHBOARD_WARM_ON_NEW_DATA = False  # only the crawl's own job is counted here
    client.force_login(pipeline_admin)
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        client.post(reverse("pipeline_admin:crawler_start"))
    assert len(enqueued) == 1  # handed to the worker only once the request is committed
    run = CrawlerRun.objects.get()
    assert (run.state, run.requested_by, run.trigger) == ("succeeded", pipeline_admin, "manual")
    text = client.get(reverse("pipeline_admin:crawler")).content.decode()
    assert f"Crawl {run.pk} started." in text
    assert 'data-state="succeeded"' in text and '<button type="submit" id="run-crawler">Run crawler</button>' in text


def test_while_a_crawl_runs_the_button_is_disabled_and_a_second_press_starts_nothing(client, db, pipeline_admin):
    running, _ = services.crawl_request(user=pipeline_admin)
    client.force_login(pipeline_admin)
    page = client.get(reverse("pipeline_admin:crawler")).content.decode()
    assert 'id="run-crawler" disabled' in page and "Crawl running…" in page
    assert 'hx-trigger="every 2s"' in page  # the page keeps itself up to date while the crawl runs
    response = client.post(reverse("pipeline_admin:crawler_start"), follow=True)
    assert f"Crawl {running.pk} is already running; no second crawl was started." in response.content.decode()
    assert CrawlerRun.objects.count() == 1


def test_the_polled_panel_stops_polling_once_the_crawl_has_finished(client, db, pipeline_admin):
    run, _ = services.crawl_request(user=pipeline_admin)
    client.force_login(pipeline_admin)
    polled = client.get(reverse("pipeline_admin:crawler"), headers={"HX-Request": "true"}).content.decode()
    assert polled.startswith('<div id="crawler-panel"') and "<html" not in polled and "every 2s" in polled
    CrawlerRun.objects.filter(pk=run.pk).update(state=CrawlerRun.State.SUCCEEDED)
    polled = client.get(reverse("pipeline_admin:crawler"), headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in polled and 'data-state="succeeded"' in polled


def test_a_stale_running_crawl_does_not_keep_the_button_disabled(client, db, pipeline_admin, settings):
    from datetime import timedelta

    from django.utils import timezone

    run, _ = services.crawl_request(user=pipeline_admin)
    CrawlerRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(hours=2))
    client.force_login(pipeline_admin)
    page = client.get(reverse("pipeline_admin:crawler")).content.decode()
    assert '<button type="submit" id="run-crawler">Run crawler</button>' in page and "(worker silent)" in page


def test_the_run_page_highlights_each_drifted_column(client, db, pipeline_admin):
    run = CrawlerRun.objects.create(
        mode="local",
        state=CrawlerRun.State.SUCCEEDED,
        tables={"created": [], "updated": ["orders"]},
        tables_updated=1,
        drift=[
            {"table": "orders", "column": "channel", "change": "added", "before": None, "after": "string"},
            {"table": "orders", "column": "customer", "change": "removed", "before": "string", "after": None},
            {"table": "orders", "column": "amount", "change": "changed", "before": "decimal(12,2)", "after": "double"},
        ],
    )
    client.force_login(pipeline_admin)
    page = client.get(reverse("pipeline_admin:crawler_run", args=[run.pk])).content.decode()
    assert '<tr class="drift-added" data-change="added"><td>orders</td><td><code>channel</code>' in page
    assert '<tr class="drift-removed" data-change="removed"><td>orders</td><td><code>customer</code>' in page
    assert "<td>decimal(12,2)</td><td>double</td>" in page
    history = client.get(reverse("pipeline_admin:crawler")).content.decode()
    assert ">+1</span>" in history and ">−1</span>" in history and ">~1</span>" in history


def test_a_run_that_does_not_exist_is_a_404(client, db, pipeline_admin):
    client.force_login(pipeline_admin)
    assert client.get(reverse("pipeline_admin:crawler_run", args=[999])).status_code == 404


def test_the_catalog_page_shows_columns_partitions_and_location(client, course_processed, pipeline_admin):
    services.crawl_execute(run_id=services.crawl_request()[0].pk)
    client.force_login(pipeline_admin)
    page = client.get(reverse("pipeline_admin:catalog")).content.decode()
    assert 'data-table="orders"' in page
    assert "<code>s3://ordersite-test/processed/orders/</code>" in page
    assert 'data-partitions="4">4 · 2025-01 to 2025-04' in page
    assert "<td><code>amount</code></td><td>decimal(12,2)</td>" in page
    assert "<td><code>order_month</code></td><td>string (partition key)</td>" in page
    assert 'data-crawler-state="READY"' in page


def test_the_catalog_page_shows_when_the_table_changed_and_when_the_newest_partition_came_apart(
    client, course_processed, processed, pipeline_admin
):
    services.crawl_execute(run_id=services.crawl_request()[0].pk)
    processed("O9001,Zoe,10.00,shipped,2025-05-20\n", name="may.csv")  # a new month, no crawl after it
    services.uploads_sync()  # registers the 2025-05 partition
    glue = aws_client("glue")
    table = glue.get_table(DatabaseName=settings.GLUE_DATABASE, Name="orders")["Table"]
    partitions = glue.get_partitions(DatabaseName=settings.GLUE_DATABASE, TableName="orders")["Partitions"]
    newest = max(p["CreationTime"] for p in partitions)
    assert len(partitions) == 5 and newest > table.get("UpdateTime", table["CreateTime"])

    def shown(moment) -> str:
        return dateformat.format(timezone.localtime(moment), "Y-m-d H:i:s")

    client.force_login(pipeline_admin)
    page = client.get(reverse("pipeline_admin:catalog")).content.decode()
    changed = shown(table.get("UpdateTime", table["CreateTime"]))
    assert f'Table definition last changed</dt><dd id="table-updated-orders">{changed}</dd>' in page
    assert f'Newest partition registered</dt><dd id="partition-added-orders">{shown(newest)}</dd>' in page


def test_the_catalog_page_says_so_when_the_catalog_cannot_be_read(client, twin, pipeline_admin, settings):
    settings.GLUE_DATABASE = "missing-database"
    settings.GLUE_CRAWLER = "missing-crawler"
    client.force_login(pipeline_admin)
    response = client.get(reverse("pipeline_admin:catalog"))
    assert response.status_code == 200
    assert "crawler missing-crawler does not exist in Glue" in response.content.decode()


def test_the_runs_list_pages_through_every_run_newest_first(client, db, pipeline_admin):
    runs = [CrawlerRun.objects.create(mode="local", state="succeeded") for _ in range(30)]
    client.force_login(pipeline_admin)
    first = client.get(reverse("pipeline_admin:crawler")).content.decode()
    second = client.get(reverse("pipeline_admin:crawler"), {"page": 2}).content.decode()
    listed = [[r.pk for r in runs if f'crawler/runs/{r.pk}/"' in page] for page in (first, second)]
    assert sorted(listed[0] + listed[1]) == [r.pk for r in runs]
    assert len(listed[0]) == 25 and min(listed[0]) > max(listed[1])
    assert "page 1 of 2 · 30 runs" in first and "older →" in first and "← newer" in second
