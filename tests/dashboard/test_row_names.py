"""A breakdown's "(none)" and "Other" rows have one name wherever it is shown: the card's table and chart,
the CSV export, the report API and `manage.py report` (its text, and `--json` as the API) say "(none)" and
"Other (3 regions)". The JSON rows keep the value itself (null for both, `other` counting what is folded)
and name the rows in `labels`, as the card's chart data does.

By hand, from REGIONS_CSV (May 2025, all shipped): by region, top 1: North = R-1 100.00 + R-6 5.00 = 105.00
(2 orders, 52.50); (none) = R-3 30.00; Other folds South 50.00, East 20.00, West 10.00 = 3 regions,
3 orders, 80.00, average 80.00 / 3 = 26.666.. -> 26.67. By customer, top 2: Ann 100.00, Ben 50.00;
(none) = R-6 5.00; Other folds Cal 30.00, Dee 20.00, Eve 10.00 = 3 customers, 3 orders, 60.00, 20.00."""

import io
import json
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard.reports import report_query
from dashboard.services import report_compute
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync
from tests.dashboard.test_top_customers import MAY, REGIONS_CSV

CASES = {
    "breakdown": (
        {"group_by": "region", "limit": "1"},
        [["North", 0, 2, "105.00", "52.50"], [None, 0, 1, "30.00", "30.00"], [None, 3, 3, "80.00", "26.67"]],
        ["North", "(none)", "Other (3 regions)"],
    ),
    "sales-by-customer": (
        {"limit": "2"},
        [
            ["Ann", 0, 1, "100.00", "100.00"],
            ["Ben", 0, 1, "50.00", "50.00"],
            [None, 0, 1, "5.00", "5.00"],
            [None, 3, 3, "60.00", "20.00"],
        ],
        ["Ann", "Ben", "(none)", "Other (3 customers)"],
    ),
}


@pytest.fixture
def regions(twin):
    upload_create(user=None, fileobj=io.BytesIO(REGIONS_CSV.encode()), name="regions.csv", as_of=date(2025, 6, 1))
    runtime_drain()
    uploads_sync()


@pytest.mark.parametrize("slug", CASES)
def test_the_report_command_names_the_rows_in_its_text_and_labels_them_in_json(regions, slug):
    params, rows, names = CASES[slug]
    args = [f"--param={name}={value}" for name, value in {**MAY, **params}.items()]
    out = io.StringIO()
    call_command("report", slug, *args, "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["rows"], body["labels"]) == (rows, names)

    out = io.StringIO()
    call_command("report", slug, *args, stdout=out)
    lines = out.getvalue().splitlines()
    assert [re.split(r"\s{2,}", line.strip())[0] for line in lines[1:]] == names
    assert re.split(r"\s{2,}", lines[-1].strip()) == [names[-1], *map(str, rows[-1][1:])]


@pytest.mark.parametrize("slug", CASES)
def test_the_card_the_csv_and_the_api_name_the_rows_alike(client, analyst, regions, slug):
    params, rows, names = CASES[slug]
    query = {**MAY, **params}
    report_compute(query=report_query(slug, query))
    client.force_login(analyst)

    api = client.get(reverse("report_api", args=[slug]), query).json()
    assert (api["rows"], api["labels"]) == (rows, names)

    csv = client.get(reverse("dashboard:export", args=[slug]), query).content.decode().split("\r\n")
    assert [line.split(",")[0] for line in csv[1:-1]] == names

    card = client.get(reverse("dashboard:card", args=[slug]), query).content.decode()
    table = card.split("<tbody>", 1)[1]
    assert [re.findall(r"<td>(.*?)</td>", row)[0] for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)] == names
    chart = re.search(f'<script id="{slug}" type="application/json">(.*?)</script>', card).group(1)
    assert json.loads(chart)["labels"] == names


def test_reports_whose_rows_name_nothing_have_no_labels(client, analyst, regions):
    report_compute(query=report_query("kpis", MAY))
    client.force_login(analyst)
    assert "labels" not in client.get(reverse("report_api", args=["kpis"]), MAY).json()
