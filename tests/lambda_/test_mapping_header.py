"""The header a file is read from when staff chose a column mapping (object metadata `mapping`), through
the handler on the twin's S3 (review B7-7): the first record in the searched lines that has every header
the mapping names, not a summary above it that synonyms happen to map. Expected values are worked out by
hand from the file below."""

import json
from decimal import Decimal

import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from tests.lambda_.test_handler import manifest_for, put_raw, read_parquet, s3_event

# Line 1 a title, 2-3 a summary whose header synonyms map (order_id, amount, date), 4 blank, 5 the
# header staff mean (Order No, Gross, Amount, Date), 6-7 two orders.
SUMMARY_ABOVE = (
    b"Summary\n"
    b"order_id,amount,date\n"
    b"total,3.00,2025-05-31\n"
    b"\n"
    b"Order No,Gross,Amount,Date\n"
    b"1,100.00,1.00,2025-05-01\n"
    b"2,200.00,2.00,2025-05-01\n"
)
GROSS = {"order_id": "Order No", "amount": "Gross", "order_date": "Date"}


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def run(name: str, mapping: dict[str, str] | None) -> dict:
    key = f"raw/2025/06/01/{name}__orders.csv"
    metadata = {"mapping": json.dumps(mapping)} if mapping is not None else {}
    lambda_handler(s3_event(key, put_raw(key, SUMMARY_ABOVE, metadata)))
    return manifest_for(key)


def orders(manifest: dict) -> list[tuple[str, Decimal]]:
    rows = (r for key in manifest["outputs"] for r in read_parquet(key).to_pylist())
    return sorted((r["order_id"], r["amount"]) for r in rows)


@pytest.mark.parametrize(
    "mapping",
    [GROSS, {"order_id": " order no ", "amount": "GROSS", "order_date": "date"}],  # trimmed and case-folded
)
def test_a_mapping_reads_the_header_it_names_below_a_summary_that_synonyms_map(mapping):
    manifest = run("m", mapping)
    assert (manifest["header_line"], manifest["header"]) == (5, ["Order No", "Gross", "Amount", "Date"])
    assert [s["line"] for s in manifest["skipped_lines"]] == [1, 2, 3, 4]
    assert manifest["mapping"] == {"order_id": "Order No", "amount": "Gross", "order_date": "Date"}
    assert (manifest["rows_in"], manifest["orders"], manifest["rows_rejected"]) == (2, 2, 0)
    assert orders(manifest) == [("1", Decimal("100.00")), ("2", Decimal("200.00"))]
    assert Decimal(manifest["amount_total"]) == Decimal("300.00")  # 100.00 + 200.00, not the Amount column's 3.00


def test_without_a_mapping_the_first_record_synonyms_map_is_the_header_as_before():
    manifest = run("n", None)
    assert (manifest["header_line"], manifest["header"]) == (2, ["order_id", "amount", "date"])
    assert [s["line"] for s in manifest["skipped_lines"]] == [1]
    # Read under order_id, amount, date: line 3 is the one order; line 5's amount is "Gross", lines 6-7's
    # date is their third cell (1.00, 2.00). The blank line 4 is no row.
    assert (manifest["rows_in"], manifest["orders"], manifest["rows_rejected"]) == (4, 1, 3)
    assert [(r["line"], r["code"]) for r in manifest["rejected_sample"]] == [
        (5, "bad_amount"),
        (6, "bad_order_date"),
        (7, "bad_order_date"),
    ]
    assert orders(manifest) == [("total", Decimal("3.00"))]
    assert Decimal(manifest["amount_total"]) == Decimal("3.00")


@pytest.mark.parametrize(
    ("mapping", "line", "reason"),
    [
        # "Ref No" is in no record: told against line 5, which has the other two named headers.
        (
            {"order_id": "Ref No", "amount": "Gross", "order_date": "Date"},
            5,
            "the column mapping names “Ref No” for order id, not a column of this file; "
            "headers were: Order No, Gross, Amount, Date.",
        ),
        # No named header is in any record: told against the first record synonyms map, as before.
        (
            {"order_id": "Ref", "amount": "Net", "order_date": "When"},
            2,
            "the column mapping names “Ref” for order id, “Net” for amount, “When” for order date, not a column "
            "of this file; headers were: order_id, amount, date.",
        ),
    ],
)
def test_a_mapping_naming_a_header_no_record_has_is_still_rejected(mapping, line, reason):
    manifest = run("r", mapping)
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "missing_column")
    assert manifest["header_line"] == line
    assert manifest["reason"].startswith(reason)
    assert manifest["outputs"] == []
