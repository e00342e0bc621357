"""Zero-width characters at either end of a cell (U+200B, U+200C, U+200D, U+2060, U+FEFF) are trimmed
as whitespace is: `1001\\u200b` is order 1001, `\\u206020.00` an amount (trim.py names the rule)."""

from decimal import Decimal

import pyarrow as pa
import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from tests.lambda_.test_handler import manifest_for, put_raw, read_parquet, s3_event

# By hand: 1001 twice (the later row, 12.25, wins), 1002 20.00, 1003 5.00: 3 orders, 37.25; 1004's
# zero-width space is inside its amount (bad_amount), the next id is nothing but one (missing_order_id),
# and the last row holds nothing else in any cell: a blank row, not counted.
BODY = (
    "order_id,amount,order_date,status\n"
    "1001\u200b,10.50,2025-05-30,shipped\n"
    "\ufeff1001,\u200b12.25,2025-05-31,shipped\n"
    "1002, \u206020.00\u2060 ,\u200d2025-05-30,pending\n"
    "\u200d1003\u200c,5.00\ufeff,2025-05-29\u200b,\u200bshipped\n"
    "1004,1\u200b2.00,2025-05-30,shipped\n"
    "\u200b,1.00,2025-05-30,shipped\n"
    "\u200b,\u2060, \ufeff,\u200c\u200d\n"
)


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def test_ids_amounts_and_dates_carrying_zero_width_characters_at_their_ends_are_the_plain_values():
    key = "raw/2025/06/01/zw__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, BODY.encode())))
    manifest = manifest_for(key)
    assert (manifest["rows_in"], manifest["orders"], manifest["amount_total"]) == (6, 3, "37.25")
    assert (manifest["rows_superseded"], manifest["rows_rejected"]) == (1, 2)
    assert [(r["code"], r["count"]) for r in manifest["reasons"]] == [("bad_amount", 1), ("missing_order_id", 1)]
    orders = pa.concat_tables(read_parquet(k) for k in manifest["outputs"]).sort_by("order_id")
    assert orders.column("order_id").to_pylist() == ["1001", "1002", "1003"]
    assert orders.column("amount").to_pylist() == [Decimal("12.25"), Decimal("20.00"), Decimal("5.00")]
    assert orders.column("status").to_pylist() == ["shipped", "pending", "shipped"]
