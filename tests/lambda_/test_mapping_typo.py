"""A column mapping with a typo is rejected naming only the header it lacks, told against the record of
the searched lines that lacks the fewest of the headers it names, whether synonyms map that record or not
(review B8-2: it named the summary block's headers, and called the right ones "not a column of this
file"). Through the handler on the twin's S3; expected values and texts written by hand from the files.
"""

import json
from decimal import Decimal

import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from tests.lambda_.test_handler import manifest_for, put_raw, read_parquet, s3_event
from tests.lambda_.test_mapping_header import SUMMARY_ABOVE

# Review B8-2's M1.csv: line 1 Excel's delimiter hint, 2 a title, 3-4 a summary whose header synonyms map
# (id, total, date), 5 blank, 6-7 the table's header with a cell wrapped over two lines ("Bestell Nr"),
# 8-10 line items of orders 7 and 8, decimal comma, dates day first.
M1 = (
    b"sep=;\n"
    b"Umsatz Juni\n"
    b"id;total;date\n"
    b"Summe;9,99;31.05.2025\n"
    b"\n"
    b'"Bestell\nNr";Artikel; Brutto ;Menge;Datum;Status\n'
    b"7;A;1.000,50;2;13.05.2025;bezahlt\n"
    b"7;B;0,50;1;;\n"
    b"8;A;2,25;1;01.04.2025;pending\n"
)


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def run(name: str, body: bytes, mapping: dict[str, str]) -> dict:
    key = f"raw/2025/06/01/{name}__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, body, {"mapping": json.dumps(mapping), "as-of": "2025-06-01"})))
    return manifest_for(key)


# The table's lines are line items told apart by Artikel, whose quantity is Menge: neither is a synonym.
LINES = {"product": "Artikel", "quantity": "Menge"}


@pytest.mark.parametrize("lines", [{}, LINES])
def test_a_typo_names_only_the_header_missing_from_the_table_the_mapping_means(lines):
    manifest = run("typo", M1, {"order_id": "Bestell Nr", "amount": "Bruto", "order_date": "Datum", **lines})
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "missing_column")
    assert (manifest["header_line"], manifest["header_last_line"]) == (6, 7)
    assert manifest["reason"] == (
        "the column mapping names “Bruto” for amount, not a column of this file; "
        "headers were: Bestell Nr, Artikel, Brutto, Menge, Datum, Status. "
        "Choose the column again in the upload form's column mapping"
    )
    assert manifest["outputs"] == []


def test_the_same_mapping_spelled_right_reads_the_table():
    manifest = run("right", M1, {"order_id": "Bestell Nr", "amount": "Brutto", "order_date": "Datum", **LINES})
    assert (manifest["header_line"], manifest["rows_in"], manifest["rows_rejected"]) == (6, 3, 0)
    rows = {r["order_id"]: r for key in manifest["outputs"] for r in read_parquet(key).to_pylist()}
    # Order 7: lines 8-9 are line items (products A, B): 1,000.50 + 0,50 = 1001.00, quantity 2 + 1 = 3,
    # dated 13.05.2025 (line 9 has no date). Order 8: 2.25, pending since 2025-04-01, 61 days before the
    # as-of 2025-06-01: stale.
    assert {k: (r["amount"], r["quantity"], str(r["order_date"]), r["stale"]) for k, r in rows.items()} == {
        "7": (Decimal("1001.00"), 3, "2025-05-13", False),
        "8": (Decimal("2.25"), 1, "2025-04-01", True),
    }


def test_a_typo_in_a_mapping_of_a_table_synonyms_map_is_told_as_before():
    manifest = run("grosss", SUMMARY_ABOVE, {"order_id": "Order No", "amount": "Grosss", "order_date": "Date"})
    assert (manifest["reason_code"], manifest["header_line"]) == ("missing_column", 5)
    assert manifest["reason"].startswith(
        "the column mapping names “Grosss” for amount, not a column of this file; "
        "headers were: Order No, Gross, Amount, Date."
    )
