"""A report's CSV export never serves a result of an older data version (review B11-5): after new data
it starts the report's job and answers 202, as for filters nobody has computed, and downloads the new
numbers once the job has run. By hand: pat1.csv holds Pat's shipped orders P1 100.00 and P2 200.00
(300.00, 2 orders, average 150.00, 1 customer); pat2.csv adds P3 600.00: 900.00, 3 orders, 300.00, 1."""

import io
from datetime import date

import pytest
from django.urls import reverse

from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync
from tests.dashboard.test_no_orders import computed

PAT = {"customer": "Pat"}
HEADER = "order_id,customer,amount,status,order_date\n"


def uploaded(name: str, body: str) -> None:
    upload_create(user=None, fileobj=io.BytesIO((HEADER + body).encode()), name=name, as_of=date(2025, 6, 1))
    runtime_drain()
    uploads_sync()


def test_the_export_after_new_data_waits_for_the_new_numbers(client, analyst, twin, django_capture_on_commit_callbacks):
    client.force_login(analyst)
    url = reverse("dashboard:export", args=["kpis"])
    uploaded("pat1.csv", "P1,Pat,100.00,shipped,2025-05-01\nP2,Pat,200.00,shipped,2025-05-02\n")
    before = computed(client, django_capture_on_commit_callbacks, url, PAT)
    assert before.content.decode() == "revenue,orders,average_order_value,customers\r\n300.00,2,150.00,1\r\n"

    uploaded("pat2.csv", "P3,Pat,600.00,shipped,2025-05-22\n")
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        waiting = client.get(url, PAT)
    assert waiting.status_code == 202 and waiting["Retry-After"].isdigit()  # was 200 with 300.00, 2, 150.00
    assert len(jobs) == 1
    jobs[0]()  # the worker computes the new data version
    after = client.get(url, PAT)
    assert after.status_code == 200
    assert after.content.decode() == "revenue,orders,average_order_value,customers\r\n900.00,3,300.00,1\r\n"


@pytest.mark.parametrize(
    ("slug", "before", "after"),
    [  # by hand as above; revenue-by-month: 2025-05 2 orders 300.00, then 3 orders 900.00
        ("sales-by-customer", "Pat,0,2,300.00,150.00", "Pat,0,3,900.00,300.00"),
        ("breakdown", "shipped,0,2,300.00,150.00", "shipped,0,3,900.00,300.00"),  # by status, the default
        ("revenue-by-month", "2025-05,2,300.00", "2025-05,3,900.00"),
    ],
)
def test_every_report_export_after_new_data_waits_for_the_new_numbers(
    client, analyst, twin, django_capture_on_commit_callbacks, slug, before, after
):
    """Every report's CSV is the one view (`export/<slug>.csv`), so none serves older numbers."""
    client.force_login(analyst)
    url = reverse("dashboard:export", args=[slug])
    uploaded("pat1.csv", "P1,Pat,100.00,shipped,2025-05-01\nP2,Pat,200.00,shipped,2025-05-02\n")
    assert before in computed(client, django_capture_on_commit_callbacks, url, PAT).content.decode().split("\r\n")

    uploaded("pat2.csv", "P3,Pat,600.00,shipped,2025-05-22\n")
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        assert client.get(url, PAT).status_code == 202
    assert len(jobs) == 1
    jobs[0]()
    rows = client.get(url, PAT).content.decode().split("\r\n")
    assert after in rows and before not in rows, rows
