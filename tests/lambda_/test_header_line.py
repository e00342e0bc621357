"""The header row staff chose (object metadata `header-line`, a physical line) through the handler on the
twin's S3 (review B10-3): the record on that line is the header, even when an earlier line repeats its
cells; a chosen line lacking a named header, or starting no record, refuses the file naming the line,
never read from another line. Expected values are worked out by hand from the files below."""

import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler
from filter_and_process_orders.header_line import header_line

from tests.lambda_.test_handler import manifest_for, put_raw, read_parquet, s3_event

# /tmp/bk10/cases/twin_header.csv: lines 1-2 a totals block under the table's own header, 3 blank, 4 the
# table's header (the same cells as line 1), 5-6 two orders.
TWIN_HEADER = (
    b"order_id,amount,order_date\n"
    b"Total,300.00,2025-05-31\n"
    b"\n"
    b"order_id,amount,order_date\n"
    b"T1,100.00,2025-05-01\n"
    b"T2,200.00,2025-05-01\n"
)
# The same, but the table's header on line 4 names its amount "gross".
GROSS_BELOW = TWIN_HEADER.replace(b"\norder_id,amount,order_date\nT1", b"\norder_id,gross,order_date\nT1")
NAMED = {"order_id": "order_id", "amount": "amount", "order_date": "order_date"}


# What `header-line` metadata names, by hand: a physical line (1 the first) in ASCII digits, spaces around ignored;
# nothing for no value. The site reads its column mapping's `header_line` by the same table
# (tests/pipeline_admin/test_twin_header.py).
LINE_VALUES = [("4", 4), (" 4 ", 4), ("1", 1), ("12", 12), ("007", 7), (4, 4), (None, None), ("", None), ("  ", None)]
# No line number: no line 0 or -1, a sign, a decimal, a word, digits of other scripts (Arabic-Indic four,
# fullwidth four: `int` reads both), two numbers, an exponent.
NOT_LINES = ["0", "-1", "+4", "4.0", "four", "\u0664", "\uff14", "4 5", "1e3", 0]


@pytest.mark.parametrize(("value", "line"), LINE_VALUES)
def test_header_line_reads_a_physical_line_number(value, line):
    assert header_line(value) == line


@pytest.mark.parametrize("value", NOT_LINES)
def test_header_line_refuses_what_is_no_line_number(value):
    with pytest.raises(ValueError, match=re.escape(f"header-line {value!r} is not a line number")):
        header_line(value)


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def run(name: str, body: bytes, metadata: dict[str, str]) -> dict:
    key = f"raw/2025/06/01/{name}__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, body, metadata)))
    return manifest_for(key)


def orders(manifest: dict) -> list[tuple[str, Decimal]]:
    rows = (r for key in manifest["outputs"] for r in read_parquet(key).to_pylist())
    return sorted((r["order_id"], r["amount"]) for r in rows)


@pytest.mark.parametrize("mapping", [None, NAMED])
def test_the_chosen_line_is_the_header_though_an_earlier_line_repeats_it(mapping):
    metadata = {"header-line": "4", **({"mapping": json.dumps(mapping)} if mapping else {})}
    manifest = run("twin", TWIN_HEADER, metadata)
    assert manifest["status"].startswith("processed")
    assert (manifest["header_line"], manifest["header"]) == (4, ["order_id", "amount", "order_date"])
    assert [s["line"] for s in manifest["skipped_lines"]] == [1, 2, 3]
    assert (manifest["rows_in"], manifest["orders"], manifest["rows_rejected"]) == (2, 2, 0)
    assert orders(manifest) == [("T1", Decimal("100.00")), ("T2", Decimal("200.00"))]
    assert Decimal(manifest["amount_total"]) == Decimal("300.00")  # 100.00 + 200.00; the Total row is no order


def test_without_a_chosen_line_the_first_header_is_read_as_before():
    manifest = run("first", TWIN_HEADER, {"mapping": json.dumps(NAMED)})
    # Line 1 is the header: Total (300.00) is an order, line 4 is the header again (`repeated_header`).
    assert (manifest["header_line"], manifest["rows_in"], manifest["rows_rejected"]) == (1, 4, 1)
    assert [(r["line"], r["code"]) for r in manifest["rejected_sample"]] == [(4, "repeated_header")]
    assert Decimal(manifest["amount_total"]) == Decimal("600.00")  # 300.00 + 100.00 + 200.00


def test_a_header_line_that_is_no_line_number_is_ignored_with_a_warning(caplog):
    manifest = run("bad", TWIN_HEADER, {"header-line": "4.0", "mapping": json.dumps(NAMED)})
    # As without a choice (above): line 1 is the header, line 4's "amount" a bad amount, 600.00 in all.
    assert (manifest["header_line"], manifest["rows_in"], manifest["rows_rejected"]) == (1, 4, 1)
    assert Decimal(manifest["amount_total"]) == Decimal("600.00")
    assert (
        "ignoring bad header-line metadata on raw/2025/06/01/bad__orders.csv: "
        "header-line '4.0' is not a line number (whole, 1 the first)"
    ) in caplog.text


def test_a_chosen_line_lacking_a_named_header_is_refused_naming_the_line():
    manifest = run("gross", GROSS_BELOW, {"header-line": "4", "mapping": json.dumps(NAMED)})
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "missing_column")
    assert (manifest["header_line"], manifest["header"]) == (4, ["order_id", "gross", "order_date"])
    assert manifest["reason"] == (
        "the column mapping names “amount” for amount, not a header of line 4, chosen as the header row; its "
        "cells were: order_id, gross, order_date. Choose the header row or the column again"
    )
    assert manifest["rows_in"] == 2  # lines 5-6
    assert manifest["outputs"] == []


def test_a_chosen_line_lacking_a_required_column_is_refused_naming_the_line():
    manifest = run("nomap", GROSS_BELOW, {"header-line": "4"})
    assert (manifest["status"], manifest["reason_code"], manifest["header_line"]) == ("rejected", "missing_column", 4)
    assert manifest["reason"].startswith("no amount column; headers were: order_id, gross, order_date (line 4).")
    assert manifest["outputs"] == []


@pytest.mark.parametrize("line", ["3", "9"])  # blank; past the file's end
def test_a_chosen_line_starting_no_record_is_refused_naming_it(line):
    manifest = run(f"blank{line}", TWIN_HEADER, {"header-line": line, "mapping": json.dumps(NAMED)})
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "no_header")
    assert manifest["reason"] == (
        f"line {line}, chosen as the header row, starts no record in the first 20 non-blank lines"
    )
    assert manifest["outputs"] == []
