"""Every real export in tests/data/wild/ and every export shape in tests/data/shapes/ through the
real handler on the twin, against the independent oracle's expected outcome
(tests/data/wild.expected.json and shapes.expected.json, computed by tests/oracle/).

Files the cleaner still reads wrongly are strict xfails naming the fault: when a fix makes one
pass, the mark must go (helper "cleaner", issue 12).
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
WRONG_TODAY = {
    "9124205067-cmyk__dbt-dq-monitor__data_orders.csv": "stale pending rows are dropped at ingest, not written flagged",
    "AdamovichAleksey__Game_Analytics__TownShip_orders.csv": "a rejected file has no reason_code",
    "Boluyeb__Unmerged-Superstore-Data__Orders.csv": "a rejected file has no reason_code",
    "Codefrombasics__AzureDataEngineering_pyspark__Orders.csv": "a rejected file has no reason_code",
    "CorneliuVasile__temaLabPoo__Orders.csv": "a rejected file has no reason_code",
    "DavidJramillo__dataForTSCtarea2__Orders.csv": "line items keep only the last line of each order, and "
    "the decimal separator is decided cell by cell (959,984 -> 959984.00)",
    "excel_de__sep_semicolon_decimal_comma.csv": "the sep=; line is taken as the header",
    "excel_us__sep_pipe.csv": "the sep=| line is taken as the header",
    "report_tool__preamble_placeholders.csv": "the title line before the header is taken as the header",
    "shopify__orders_export.csv": "continuation rows are not counted as the order's lines; the stale order is dropped",
    "status_log__history.csv": "a cancellation at the end of an order's history is dropped at ingest (stale)",
    "woocommerce__repeated_order_total.csv": "an order total repeated on each line item must count once per "
    "order (today the lines collapse into one; summing them per line gives 57.75 on 2 lines -> 115.50)",
    "semicolon__quoted_multiline_footer.csv": "the decimal separator is decided cell by cell (2.000 -> 2.00)",
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
        marks = [pytest.mark.xfail(strict=True, reason=f"issue 12: {WRONG_TODAY[name]}")] if name in WRONG_TODAY else []
        yield pytest.param(i, name, marks=marks, id=name.split("__")[0] if "__" in name else name)


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
        return
    assert manifest["status"].startswith("processed"), manifest.get("reason")
    table, months = _written(manifest)
    amount = table.column("amount")
    counted = pc.invert(table.column("stale")) if "stale" in table.column_names else pa.repeat(True, table.num_rows)
    written = {
        "orders": table.num_rows,
        "amount_total": str(sum(amount.to_pylist(), Decimal("0.00"))),
        "orders_counted": pc.sum(counted).as_py(),
        "amount_counted": str(sum(amount.filter(counted).to_pylist(), Decimal("0.00"))),
        # one line per order where the file has no line_count column yet (before the contract)
        "line_count": pc.sum(table.column("line_count")).as_py()
        if "line_count" in table.column_names
        else table.num_rows,
        "months": dict(sorted(months.items())),
    }
    assert written == {k: expected[k] for k in written}
    reported = {
        "lines": manifest["rows_in"],
        "orders": manifest.get("orders", manifest["rows_out"]),  # rows_out until the manifest has `orders`
        "orders_counted": manifest["rows_out"],
        "amount_total": str(Decimal(manifest["amount_total"]).quantize(Decimal("0.01"))),
        "rows_rejected": {r["code"]: r["count"] for r in manifest["reasons"]},
    }
    assert reported == {k: expected[k] for k in reported}
    assert manifest["rows_rejected"] == sum(expected["rows_rejected"].values())
