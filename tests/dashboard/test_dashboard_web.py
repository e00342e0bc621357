import io
import re
from datetime import date

from django.urls import reverse

from dashboard.reports import PAGE
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync

HEADER = "order_id,customer,amount,status,order_date\n"


def test_a_cold_dashboard_computes_each_card_once_and_then_shows_the_values(
    client, crawled, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = client.get(reverse("dashboard:home"))
    assert first.status_code == 200
    assert len(callbacks) == len(PAGE)  # one job per card, one for the filter bar's values
    page = client.get(reverse("dashboard:home")).content.decode()
    assert 'data-kpi="revenue" data-value="30205.10">' in page
    assert 'data-kpi="orders" data-value="109">' in page
    assert "computed" in page and "scanned" in page


def test_the_report_api_returns_columns_rows_and_meta(client, crawled, analyst, django_capture_on_commit_callbacks):
    client.force_login(analyst)
    url = reverse("report_api", args=["status-summary"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 202
    body = client.get(url).json()
    assert body["columns"] == ["status", "orders", "revenue"]
    assert body["rows"] == [["confirmed", 63, "16769.94"], ["shipped", 46, "13435.16"]]
    assert body["meta"]["engine"] == "duckdb"


def test_bad_report_parameters_are_refused_with_a_message(client, twin, analyst):
    client.force_login(analyst)
    response = client.get(reverse("report_api", args=["kpis"]), {"start_date": "2025-13-01"})
    assert response.status_code == 400
    assert "start_date must be a date" in response.json()["error"]
    response = client.get(reverse("report_api", args=["kpis"]), {"customer": "x' OR 1=1 --;"})
    assert response.status_code == 400


def test_parameters_that_are_no_filter_of_the_page_are_named_as_ignored_with_the_filter_they_resemble(
    client, twin, analyst
):
    client.force_login(analyst)
    response = client.get(reverse("dashboard:home"), {"custmer": "Bob", "month": "2025-02", "colour": "red"})
    assert response.status_code == 200
    page = response.content.decode()
    notice = page[page.index('id="ignored-params"') : page.index("</p>", page.index('id="ignored-params"'))]
    assert "<code>colour</code>, <code>custmer</code> (did you mean <code>customer</code>?)." in notice
    assert "Month: 2025-02" in page and "Customer: Bob" not in page  # the filter it knows applies, no other
    assert 'id="ignored-params"' not in client.get(reverse("dashboard:home"), {"month": "2025-02"}).content.decode()


def test_orders_without_a_customer_are_named_none_in_the_tables_as_in_the_charts(
    client, twin, analyst, django_capture_on_commit_callbacks
):
    """Review B8-6 item 5: orders B and C have no customer. By hand: Ann 1 order, 10.00; without a
    customer 2 orders, 5.00 + 2.50 = 7.50 (average 3.75). The Sales by customer table names that
    row "(none)", as its chart does, not an empty customer cell."""
    rows = "A,Ann,10.00,shipped,2025-05-01\nB,,5.00,shipped,2025-05-02\nC,,2.50,shipped,2025-05-03\n"
    upload_create(user=None, fileobj=io.BytesIO((HEADER + rows).encode()), name="anon.csv", as_of=date(2025, 5, 10))
    runtime_drain()
    uploads_sync()
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("dashboard:home"))
    page = client.get(reverse("dashboard:home")).content.decode()
    card = page.split('id="card-sales-by-customer"', 1)[1].split("</section>", 1)[0]
    table = re.findall(r"<tr>(.*?)</tr>", card.split("<tbody>", 1)[1], flags=re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in table]
    assert cells == [["Ann", "1", "10.00", "10.00"], ["(none)", "2", "7.50", "3.75"]]
