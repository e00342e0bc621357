"""What a rejected file's reason says: the header's cells as a spreadsheet shows them (zero-width
characters trimmed, as cells are), where the header search stopped, and how many more rows failed."""

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
