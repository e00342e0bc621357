"""Each processed export of tests/data/wild/ and tests/data/shapes/ end to end, through the CLI as
staff would: upload (as of 2025-06-01) -> Lambda -> crawl -> the KPI report, against the
independent oracle's counted orders and revenue (tests/oracle/, not the cleaner or the SQL).
"""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from tests.lambda_.test_wild_totals import MAPPED_AT_UPLOAD, MAPPING_COLUMNS, OUTCOMES, SPECS


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _processed():
    for name, (_, outcome) in sorted(OUTCOMES.items()):
        if outcome["status"] == "processed":
            yield pytest.param(name, id=name.split("__")[0] if "__" in name else name)


@pytest.mark.parametrize("name", list(_processed()))
def test_the_kpis_of_each_export_are_the_orders_and_revenue_the_oracle_counted(twin, name):
    path, expected = OUTCOMES[name]
    args = ["upload", str(path), "--as-of", "2025-06-01"]
    if name in MAPPED_AT_UPLOAD:
        columns = SPECS[name]["columns"]
        args += ["--mapping", json.dumps({c: columns[c] for c in MAPPING_COLUMNS if c in columns})]
    run(*args)
    run("lambda_runtime", "--drain")
    run("crawl", "--wait")
    body = json.loads(run("report", "kpis", "--json"))
    (row,) = [dict(zip(body["columns"], values)) for values in body["rows"]]
    revenue = Decimal(str(row["revenue"])).quantize(Decimal("0.01"))
    assert (row["orders"], str(revenue)) == (expected["orders_counted"], expected["amount_counted"])
