"""Drill to orders (issue 18): the orders behind a figure, checked against the independent
oracle of the course file (csv module and Decimal, tests/oracle/course.py)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.drill import MAX_PAGE, PAGE_SIZE, orders_query, orders_statement
from dashboard.engines import statement_check
from dashboard.history import history_statement
from dashboard.models import ReportRun
from dashboard.query import ParamError
from ordersite.signals import processed_data_changed
from tests.oracle.course import counted, course_orders

AS_OF = date(2025, 6, 1)


def oracle(keep) -> tuple[set[str], Decimal]:
    orders = [o for o in counted(course_orders(), AS_OF) if keep(o)]
    return {o["order_id"] for o in orders}, sum((o["amount"] for o in orders), Decimal(0))


def every_row(drill, **params) -> tuple[dict, list[dict]]:
    first = drill(reverse("orders_api"), params).json()
    rows = list(first["rows"])
    for page in range(2, first["pages"] + 1):
        rows += drill(reverse("orders_api"), {**params, "page": page}).json()["rows"]
    return first, rows


def test_bobs_bar_and_february_list_the_orders_the_oracle_counts(client, drill, crawled, analyst):
    client.force_login(analyst)
    for params, keep, count, total in (
        ({"customer": "Bob"}, lambda o: o["customer"] == "Bob", 30, "9211.69"),
        ({"month": "2025-02"}, lambda o: o["order_date"].strftime("%Y-%m") == "2025-02", 41, "11917.41"),
    ):
        ids, amount = oracle(keep)
        assert (len(ids), amount) == (count, Decimal(total))  # the numbers, from the oracle
        first, rows = every_row(drill, **params)
        assert (first["total_orders"], first["total_amount"]) == (count, total)
        assert {r["order_id"] for r in rows} == ids and len(rows) == count
        assert sum(Decimal(r["amount"]) for r in rows) == amount
        assert all(r["file"] == "orders.csv" and r["source_line"] >= 2 and r["line_count"] == 1 for r in rows)
        assert first["meta"]["engine"] == "duckdb" and first["meta"]["bytes_scanned"] > 0
    page = drill(reverse("dashboard:orders"), {"customer": "Bob"}).content.decode()
    assert 'id="total-orders" data-value="30"' in page and 'data-value="9211.69">$9,211.69<' in page
    assert "scanned" in page and "Athena cost" in page
    # The way back keeps the segment's filters (a month too), less the list's own sort and page.
    page = drill(
        reverse("dashboard:orders"), {"customer": "Bob", "month": "2025-02", "sort": "amount"}
    ).content.decode()
    assert 'href="/dashboard/?customer=Bob&amp;month=2025-02">Back to the dashboard' in page


def test_pages_are_bounded_sorted_on_whitelisted_columns_and_never_overlap(client, drill, crawled, analyst):
    client.force_login(analyst)
    ids, _ = oracle(lambda o: True)
    by_amount = sorted(counted(course_orders(), AS_OF), key=lambda o: (o["amount"], o["order_id"]))
    first, rows = every_row(drill, sort="amount")
    assert first["pages"] == -(-len(ids) // PAGE_SIZE) and len(first["rows"]) == PAGE_SIZE
    assert [r["order_id"] for r in rows] == [o["order_id"] for o in by_amount]
    for params, message in (
        ({"page": str(MAX_PAGE + 1)}, "page must be a whole number from 1 to"),
        ({"page": "0"}, "page must be"),
        ({"sort": "amount; DROP TABLE orders"}, "sort must be one of"),
        ({"colour": "red"}, "unknown parameter 'colour'"),
    ):
        response = client.get(reverse("orders_api"), params)
        assert response.status_code == 400 and message in response.json()["error"]
    # Past the last page: the API answers 404 naming the last page, the page goes to the last page and says so.
    past = drill(reverse("orders_api"), {"page": MAX_PAGE, "sort": "amount"})
    last = first["pages"]
    assert past.status_code == 404 and past.json() == {
        "error": f"page {MAX_PAGE} is past the last page, {last}",
        "pages": last,
    }
    past = drill(reverse("dashboard:orders"), {"page": MAX_PAGE, "sort": "amount"})
    assert past.status_code == 302 and past.url == f"{reverse('dashboard:orders')}?sort=amount&page={last}"
    polled = client.get(
        reverse("dashboard:orders"), {"page": MAX_PAGE, "sort": "amount"}, headers={"HX-Request": "true"}
    )
    assert polled.status_code == 200 and polled.headers["HX-Redirect"] == past.url  # the computing page's poll
    page = drill(past.url).content.decode()
    assert f"There is no page {MAX_PAGE} of these orders: this is the last, {last}." in page
    assert f"page {last} of {last}" in page and by_amount[-1]["order_id"] in page


def test_drill_statements_are_one_select_with_every_value_bound():
    query = orders_query({"customer": "O'Brien", "month": "2025-02", "sort": "-order_date", "page": "3"})
    sql, params = orders_statement(query, data_version=7)
    statement_check(sql)
    assert "O'Brien" in params and "O'Brien" not in sql and len(params) == sql.count("?")
    assert "OFFSET 100 LIMIT 50" in sql and "ORDER BY order_date DESC, order_id" in sql and "-v7'" in sql
    sql, params = history_statement("A'1", data_version=7)
    statement_check(sql)
    assert params == ["A'1"] and "A'1" not in sql and sql.count("?") == 1


def test_the_list_takes_exactly_the_dashboards_parameters():
    with pytest.raises(ParamError, match="limit"):
        orders_query({"limit": "5"})
    query = orders_query({"statuses": ["Shipped"], "region": "West", "month": "2025-02", "sort": "-order_date"})
    assert (query.query.start_date, query.query.end_date) == (date(2025, 2, 1), date(2025, 2, 28))
    assert query.query.statuses == ("shipped",) and query.query.dimensions == (("region", "West"),)


def test_the_csv_export_lists_every_order_and_is_formula_safe(client, crawled, analyst):
    client.force_login(analyst)
    response = client.get(reverse("dashboard:orders_export"), {"customer": "Bob"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    ids, amount = oracle(lambda o: o["customer"] == "Bob")
    assert {r["order_id"] for r in rows} == ids and sum(Decimal(r["amount"]) for r in rows) == amount


def test_a_page_is_computed_by_one_job_per_data_version_and_then_read_from_the_cache(
    client, crawled, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    url = reverse("orders_api")
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        assert client.get(url, {"customer": "Bob"}).status_code == 202
        assert client.get(url, {"customer": "Bob"}).status_code == 202  # the same flight: no second job
    assert len(jobs) == 1
    runs = ReportRun.objects.filter(slug="drill-orders").count()
    jobs[0]()
    body = client.get(url, {"customer": "Bob"}).json()
    assert (body["total_orders"], body["total_amount"]) == (30, "9211.69")
    client.get(url, {"customer": "Bob"})
    assert ReportRun.objects.filter(slug="drill-orders").count() == runs + 1  # served from the cache
    processed_data_changed.send(sender=None, reason="processed", source_keys=["raw/x.csv"])
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        assert client.get(url, {"customer": "Bob"}).status_code == 202  # a new data version: recomputed
    assert len(jobs) == 1


def test_a_top_orders_row_links_to_that_orders_history(client, crawled, analyst, django_capture_on_commit_callbacks):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("dashboard:home"))
    page = client.get(reverse("dashboard:home")).content.decode()
    top = max(counted(course_orders(), AS_OF), key=lambda o: (o["amount"], o["order_id"]))
    assert f'href="{reverse("dashboard:order_history")}?order_id={top["order_id"]}"' in page
