"""Key figures over a range without orders give one answer on every surface (review N4): the
revenue, a sum over no orders, is 0.00; the average order value, an average over no orders, does
not exist (null in JSON, an empty CSV cell, "–" on the card and in `report`'s text).

By hand: the file has two shipped orders in May 2025, Ann 10.00 on 05-10 and Bob 2.50 on 05-20.
June 2025 (30 days) has none: revenue 0.00, orders 0, no average, customers 0. Its previous period
of the same length is 2025-05-02 - 2025-05-31, which holds both: revenue 12.50, orders 2,
customers 2, so the card's changes are -$12.50 (-100.0%), -2 (-100.0%), n/a (no average now), -2."""

import io
import json
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync

JUNE = {"month": "2025-06"}
COLUMNS = ["revenue", "orders", "average_order_value", "customers"]
NO_ORDERS = ["0.00", 0, None, 0]


@pytest.fixture
def may_orders(twin):
    body = "order_id,customer,amount,status,order_date\nA,Ann,10.00,shipped,2025-05-10\nB,Bob,2.50,shipped,2025-05-20\n"
    upload_create(user=None, fileobj=io.BytesIO(body.encode()), name="may.csv", as_of=date(2025, 6, 15))
    runtime_drain()
    uploads_sync()


def computed(client, capture, url: str, params: dict):
    """GET as a browser does: the first request starts the job (run here), the second reads it."""
    with capture(execute=True):
        client.get(url, params)
    return client.get(url, params)


def test_the_report_command_says_0_00_revenue_and_no_average_in_json_and_text(may_orders):
    out = io.StringIO()
    call_command("report", "kpis", "--param", "month=2025-06", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["columns"] == COLUMNS and body["rows"] == [NO_ORDERS]

    out = io.StringIO()
    call_command("report", "kpis", "--param", "month=2025-06", stdout=out)
    header, row = out.getvalue().splitlines()
    assert header.split() == COLUMNS and row.split() == ["0.00", "0", "–", "0"]


def test_the_report_api_the_csv_export_and_the_orders_api_agree(
    client, analyst, may_orders, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    capture = django_capture_on_commit_callbacks

    api = computed(client, capture, reverse("report_api", args=["kpis"]), JUNE)
    assert api.status_code == 200 and api.json()["columns"] == COLUMNS and api.json()["rows"] == [NO_ORDERS]

    csv = computed(client, capture, reverse("dashboard:export", args=["kpis"]), JUNE)
    assert csv.status_code == 200
    assert csv.content.decode() == "revenue,orders,average_order_value,customers\r\n0.00,0,,0\r\n"

    orders = computed(client, capture, reverse("orders_api"), JUNE).json()
    assert (orders["total_orders"], orders["total_amount"], orders["rows"]) == (0, "0.00", [])


def test_the_card_shows_the_empty_state_with_0_00_revenue_no_average_and_the_change(
    client, analyst, may_orders, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    page = computed(client, django_capture_on_commit_callbacks, reverse("dashboard:home"), JUNE).content.decode()
    card = page.split('id="card-kpis"', 1)[1].split("</section>", 1)[0]
    assert "No orders match these filters." in card and "Show the orders" not in card
    values = dict(re.findall(r'data-kpi="(\w+)" data-value="[^"]*">([^<]*)</div>', card))
    assert values == {"revenue": "$0.00", "orders": "0", "average_order_value": "–", "customers": "0"}
    stored = dict(re.findall(r'data-kpi="(\w+)" data-value="([^"]*)"', card))
    assert stored == {"revenue": "0.00", "orders": "0", "average_order_value": "", "customers": "0"}
    changes = dict(re.findall(r'data-change="(\w+)"[^>]*>([^<]*)</div>', card))
    assert changes == {
        "revenue": "-$12.50 (-100.0%)",
        "orders": "-2 (-100.0%)",
        "average_order_value": "n/a",
        "customers": "-2 (-100.0%)",
    }
    assert "Change against the previous period of the same length, 2025-05-02 – 2025-05-31." in card
