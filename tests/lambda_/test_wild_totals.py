"""Every real export in tests/data/wild/ and every export shape in tests/data/shapes/ through the
real handler on the twin, against the independent oracle's expected outcome
(tests/data/wild.expected.json and shapes.expected.json, computed by tests/oracle/).
"""

import json
from collections import Counter
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from tests.lambda_.test_handler import manifest_for, put_raw, read_parquet, s3_event
from tests.oracle.wild import SETS

SPECS = {name: spec for _, specs, _ in SETS.values() for name, spec in specs.items()}
OUTCOMES = {
    name: (folder / name, outcome)
    for folder, _, expected in SETS.values()
    for name, outcome in json.loads(expected.read_text(encoding="utf-8")).items()
}
# Files whose columns staff choose in the mapping step (sent as the upload's `mapping` metadata).
MAPPED_AT_UPLOAD = {
    "shopify__orders_export.csv",
    "woocommerce__repeated_order_total.csv",
    "semicolon__quoted_multiline_footer.csv",
}
MAPPING_COLUMNS = ("order_id", "customer", "amount", "status", "order_date")


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def _cases():
    for i, name in enumerate(sorted(OUTCOMES)):
        yield pytest.param(i, name, id=name.split("__")[0] if "__" in name else name)


def _written(manifest: dict) -> tuple[pa.Table, Counter]:
    """Every order the file wrote, and the orders per month partition."""
    tables, months = [], Counter()
    for key in manifest["outputs"]:
        table = read_parquet(key)
        tables.append(table)
        months[key.split("order_month=")[1][:7]] += table.num_rows
    return pa.concat_tables(tables, promote_options="default"), months


@pytest.mark.parametrize(("i", "name"), list(_cases()))
def test_each_export_ends_with_the_orders_and_total_the_oracle_computed(i, name):
    path, expected = OUTCOMES[name]
    key = f"raw/2025/06/01/wild{i}__orders.csv"
    metadata = {}
    if name in MAPPED_AT_UPLOAD:
        columns = SPECS[name]["columns"]
        metadata["mapping"] = json.dumps({c: columns[c] for c in MAPPING_COLUMNS if c in columns})
    lambda_handler(s3_event(key, put_raw(key, path.read_bytes(), metadata)))  # reference date 2025-06-01
    manifest = manifest_for(key)
    if expected["status"] == "rejected":
        assert (manifest["status"], manifest.get("reason_code")) == ("rejected", expected["reason_code"])
        assert manifest["rows_in"] == expected.get("lines")  # None: a workbook's rows are not counted
        return
    assert manifest["status"].startswith("processed"), manifest.get("reason")
    table, months = _written(manifest)
    amount, counted = table.column("amount"), pc.invert(table.column("stale"))
    written = {
        "orders": table.num_rows,
        "amount_total": str(sum(amount.to_pylist(), Decimal("0.00"))),
        "orders_counted": pc.sum(counted).as_py(),
        "amount_counted": str(sum(amount.filter(counted).to_pylist(), Decimal("0.00"))),
        "line_count": pc.sum(table.column("line_count")).as_py(),
        "months": dict(sorted(months.items())),
    }
    assert written == {k: expected[k] for k in written}
    reported = {
        "lines": manifest["rows_in"],
        "header_line": manifest["header_line"],
        "grain": manifest["grain"],
        "decimal_separator": manifest["decimal_separator"],
        "orders": manifest["orders"],
        "orders_counted": manifest["rows_out"],
        "stale": manifest["rows_stale"],
        "duplicates": manifest["rows_duplicate"],
        "amount_total": str(Decimal(manifest["amount_total"]).quantize(Decimal("0.01"))),
        "amount_counted": str(Decimal(manifest["amount_counted"]).quantize(Decimal("0.01"))),
        "rows_rejected": {r["code"]: r["count"] for r in manifest["reasons"]},
    }
    assert reported == {k: expected[k] for k in reported}
    assert manifest["rows_rejected"] == sum(expected["rows_rejected"].values())
    assert manifest["decimal_separator_assumed"] == expected["separator_votes"]["assumed"]
