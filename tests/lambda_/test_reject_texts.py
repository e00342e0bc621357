"""What a rejected file's reason says: the header's cells as a spreadsheet shows them (zero-width
characters trimmed, as cells are), where the header search stopped, and how many more rows failed."""

import json

import pyarrow as pa
import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from tests.lambda_.test_handler import manifest_for, put_raw, read_parquet, s3_event


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def run(name: str, body: str) -> dict:
    key = f"raw/2025/06/01/{name}"
    lambda_handler(s3_event(key, put_raw(key, body.encode())))
    return manifest_for(key)


def test_header_names_carrying_zero_width_characters_map_as_the_names_seen():
    # By hand: 2 orders, 10.00 + 2.50 = 12.50; the header's cells are the plain names.
    manifest = run(
        "zwh__orders.csv",
        "\u200border_id\u200b,amount\u2060,\ufefforder_date\u200d,status\u200c\n"
        "A1,10.00,2025-05-30,shipped\nA2,2.50,2025-05-31,pending\n",
    )
    assert (manifest["status"], manifest["orders"], manifest["amount_total"]) == ("processed", 2, "12.50")
    assert manifest["header"] == ["order_id", "amount", "order_date", "status"]
    orders = pa.concat_tables(read_parquet(k) for k in manifest["outputs"]).sort_by("order_id")
    assert orders.column("status").to_pylist() == ["shipped", "pending"]


def test_a_header_below_the_searched_lines_is_named_as_not_searched():
    titles = "".join(f"title line {i}\n" for i in range(20))
    manifest = run("deep__orders.csv", titles + "order_id,amount,order_date\nA1,1.00,2025-05-30\n")
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "missing_column")
    assert manifest["reason"].startswith("no order id, amount, order date column; headers were: title line 0 (line 1;")
    assert "none of the first 20 non-blank lines names every required column" in manifest["reason"]


@pytest.mark.parametrize(
    ("rows", "tail"),
    [
        ("A1,,2025-05-30\n", "(line 2)"),
        ("A1,,2025-05-30\nA2,x,2025-05-30\nA3,1.00,\n", "(line 2) and 2 more (see the rejected rows)"),
    ],
)
def test_a_file_without_a_usable_row_says_how_many_more_failed(rows, tail):
    manifest = run("none__orders.csv", "order_id,amount,order_date\n" + rows)
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "no_usable_row")
    assert manifest["reason"].endswith(tail)
    assert manifest["rows_rejected"] == rows.count("\n")


def test_only_the_spreadsheet_shape_of_scientific_notation_is_a_mangled_id():
    # By hand: 4.40213E+11 and 1E+05 are what Excel writes for long numbers (rejected); 12E45, 3e2,
    # 44021E+11 are ids as written: 3 orders, 1.00 + 2.00 + 3.00 = 6.00.
    rows = ["4.40213E+11,9.00", "1E+05,9.00", "12E45,1.00", "3e2,2.00", "44021E+11,3.00"]
    manifest = run("sci__orders.csv", "order_id,amount,order_date\n" + "".join(f"{r},2025-05-30\n" for r in rows))
    assert (manifest["orders"], manifest["amount_total"], manifest["rows_rejected"]) == (3, "6.00", 2)
    assert [(r["code"], r["count"]) for r in manifest["reasons"]] == [("mangled_id", 2)]
    orders = pa.concat_tables(read_parquet(k) for k in manifest["outputs"]).sort_by("order_id")
    assert orders.column("order_id").to_pylist() == ["12E45", "3e2", "44021E+11"]


def test_lines_of_an_order_summing_past_the_largest_amount_show_their_amounts_as_read():
    # By hand: B1's lines sum to 12,000,000,001.00, past decimal(12,2): its 3 lines are rejected
    # amount_too_large and show 6000000000.00, 6000000000.00 and 1.005 (not the exact type's 8 decimals).
    # B2 is the one order: 2.50 + 1.00 = 3.50 (2 lines: the warning says "2 lines → 1 order").
    body = "order_id,product,amount,order_date\n"
    body += "B1,a,6000000000.00,2025-05-30\nB1,b,6000000000.00,2025-05-30\nB1,c,1.005,2025-05-30\n"
    body += "B2,a,2.50,2025-05-30\nB2,b,1.00,2025-05-30\n"
    manifest = run("big__orders.csv", body)
    assert (manifest["orders"], manifest["amount_total"], manifest["rows_rejected"]) == (1, "3.50", 3)
    sample = [(r["line"], r["code"], r["values"][2]) for r in manifest["rejected_sample"]]
    assert sample == [
        (2, "amount_too_large", "6000000000.00"),
        (3, "amount_too_large", "6000000000.00"),
        (4, "amount_too_large", "1.005"),
    ]
    assert {w["code"]: w["text"] for w in manifest["warnings"]}["line_items_summed"].endswith("2 lines → 1 order")


@pytest.mark.parametrize(
    ("rows", "summary"),
    [
        # Line items: lines 2 and 3 are one line exported twice, line 4 another product: order 1 is
        # 1.00 + 2.00 = 3.00 from 2 lines (the copy is not summed; it is counted as a duplicate).
        ("1,P1,1.00,2025-05-01\n1,P1,1.00,2025-05-01\n1,P2,2.00,2025-05-01\n", "line items: 2 lines → 1 order"),
        # History: line 3 repeats line 2, line 4 is a later version (2.00): 2 versions, 1 order of 2.00.
        ("1,,1.00,2025-05-01\n1,,1.00,2025-05-01\n1,,2.00,2025-05-01\n", "history: 2 lines → 1 order"),
    ],
)
def test_the_lines_of_the_grain_count_an_exact_duplicate_once(rows, summary):
    # Review B8-6 item 1: an exact duplicate is reported as a duplicate, not as a line summed.
    manifest = run("dup__orders.csv", "order_id,product,amount,order_date\n" + rows)
    assert (manifest["orders"], manifest["rows_duplicate"]) == (1, 1)
    assert manifest["amount_total"] == ("3.00" if summary.startswith("line") else "2.00")
    assert manifest["grain_summary"] == summary
    warnings = {w["code"]: w["text"] for w in manifest["warnings"]}
    if summary.startswith("line"):
        assert warnings["line_items_summed"].endswith(": 2 lines → 1 order")


@pytest.mark.parametrize(
    ("mapping", "total"),
    [
        # A typo names no column: rejected for staff to map again, not read from the `amount` column.
        ({"amount": "Gros"}, None),
        # The column named (any case) is read: 100.00 + 50.00, not amount's 1.00 + 2.00.
        ({"amount": "GROSS"}, "150.00"),
        ({"amount": "", "grain": "order"}, "3.00"),  # nothing chosen: the synonyms decide
    ],
)
def test_a_column_mapping_naming_a_header_the_file_lacks_rejects_the_file(mapping, total):
    key = "raw/2025/06/01/gross__orders.csv"
    body = "order_id,customer,amount,gross,order_date\nG1,Gil,1.00,100.00,2025-05-30\nG2,Ann,2.00,50.00,2025-05-30\n"
    lambda_handler(s3_event(key, put_raw(key, body.encode(), {"mapping": json.dumps(mapping)})))
    manifest = manifest_for(key)
    if total is not None:  # processed (with the other column unmapped: a warning)
        assert (manifest["status"], manifest["amount_total"]) == ("processed_with_warnings", total)
    else:
        assert (manifest["status"], manifest["reason_code"]) == ("rejected", "missing_column")
        assert manifest["reason"].startswith("the column mapping names “Gros” for amount, not a column of this file;")
        assert manifest["rows_in"] == 2


def test_a_short_file_lacking_a_column_is_not_told_about_the_header_search():
    manifest = run("short__orders.csv", "name,amount,order_date\nA1,1.00,2025-05-30\n")
    assert manifest["reason"] == (
        "no order id column; headers were: name, amount, order_date (line 1). "
        "Rename the column or choose it in the upload form's column mapping"
    )
