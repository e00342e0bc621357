"""Every change to processed data changes the data version, and the reports follow it without a
crawl or a Refresh: files processed (new months included), output deleted, reprocessed."""

import io
from datetime import date

import pytest
from django.urls import reverse

from dashboard.models import DataChange
from pipeline_admin import actions
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync

HEADER = "OrderID,Customer,Amount,Status,OrderDate\n"
JANUARY = "J-1,Ann,100.00,shipped,2025-01-05\nJ-2,Ben,50.00,delivered,2025-01-09\n"
MARCH = "M-1,Cy,7.00,shipped,2025-03-02\n"


def upload(rows: str, name: str) -> Upload:
    return upload_create(user=None, fileobj=io.BytesIO((HEADER + rows).encode()), name=name, as_of=date(2025, 6, 1))


@pytest.fixture
def api(client, analyst, django_capture_on_commit_callbacks):
    """The KPIs as the report API gives them once the job it started has run (no Refresh)."""
    client.force_login(analyst)

    def kpis() -> tuple[int, str]:
        with django_capture_on_commit_callbacks(execute=True):
            first = client.get(reverse("report_api", args=["kpis"]))
        body = client.get(reverse("report_api", args=["kpis"])).json()
        assert body["meta"]["fresh"], body
        row = dict(zip(body["columns"], body["rows"][0]))
        return first.status_code, row["orders"], row["revenue"]

    return kpis


def test_a_processed_file_in_a_new_month_counts_at_once_without_a_crawl(twin, api):
    upload(JANUARY, "january.csv")
    runtime_drain()
    uploads_sync()
    assert api()[1:] == (2, "150.00")
    upload(MARCH, "march.csv")
    runtime_drain()
    uploads_sync()
    assert api() == (202, 3, "157.00")  # the old result was not served as fresh
    assert [c.reason for c in DataChange.objects.order_by("id")] == ["processed", "processed"]


def test_deleting_an_uploads_output_takes_it_out_of_the_next_report_without_a_refresh(twin, api, pipeline_admin):
    january, march = upload(JANUARY, "january.csv"), upload(MARCH, "march.csv")
    runtime_drain()
    uploads_sync()
    assert api()[1:] == (3, "157.00")
    january.refresh_from_db()
    actions.upload_output_delete(upload=january, user=pipeline_admin)
    assert api() == (202, 1, "7.00")
    assert DataChange.objects.order_by("-id").first().source_keys == [january.key]
    march.refresh_from_db()
    actions.upload_reprocess(upload=march, user=pipeline_admin)
    assert api()[1:] == (0, "0.00")  # its output is gone until the Lambda has processed it again (no orders: 0.00)
    runtime_drain()
    uploads_sync()
    assert api()[1:] == (1, "7.00")
