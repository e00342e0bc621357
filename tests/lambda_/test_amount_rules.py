"""The amount rules README's "Numbers" paragraph left open, one rule for the cleaner's kernel, its
pure-Python fallback and the wild-file oracle (tests/oracle/wild.py): one negative at most (`(5.00)` is
-5.00, `(-5.00)` no amount); currency signs and one code a side (`$5 USD` is 5.00); a cell read to 8
decimal places, the digits past them dropped, an order the exact sum of its lines so read, rounded once.
Expected values by hand."""

from decimal import Decimal

import pyarrow as pa
import pytest
from filter_and_process_orders.amounts import amounts, parse_amount

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines
from tests.oracle.wild import _amount

CELLS = {
    "(5.00)": Decimal("-5.00"),
    "($5.00)": Decimal("-5.00"),
    "(-5.00)": None,  # a negative twice: -5.00 or 5.00? no amount
    "(+5.00)": None,
    "(5.00-)": None,
    "-5.00-": None,
    "$5 USD": Decimal("5.00"),
    "USD $5": Decimal("5.00"),
    "($7.50 USD)": Decimal("-7.50"),
    "$5.00 USD-": Decimal("-5.00"),
    "5 USD USD": None,  # two codes after the number
    "1.123456789": Decimal("1.12345678"),  # the ninth decimal dropped
    "(1.123456789)": Decimal("-1.12345678"),
    "0.004999999999": Decimal("0.00499999"),  # a cut never crosses a half cent: 0.00 as written
    "1,234.567891234": Decimal("1234.56789123"),
}


@pytest.mark.parametrize("cell", list(CELLS))
def test_the_kernel_the_fallback_and_the_oracle_read_an_amount_by_one_rule(cell):
    expected = CELLS[cell]
    assert parse_amount(cell) == expected
    assert amounts(pa.array([cell]), decimal_comma=False)[0].to_pylist() == [expected]
    assert _amount(cell, ".") == ("bad_amount" if expected is None else expected)


@pytest.mark.parametrize("buckets", [1, 3])
def test_accounting_negatives_currencies_and_long_decimals_make_the_totals_by_hand(tmp_path, buckets):
    # Order 1: (5.00) = -5.00; lines 3, 4: (-5.00), (+5.00) bad_amount; order 4: 5.00- = -5.00; order 5:
    # $5 USD = 5.00; order 6: ($7.50 USD) = -7.50; order 7 (line items, products differ): 0.002500000005 and
    # 0.002499999999 read as 0.00250000 + 0.00249999 = 0.00499999 -> 0.00 (the exact 0.005000000004 would be
    # 0.01); order 8: 1.234999999999 -> 1.23499999 -> 1.23. Total -5.00 - 5.00 + 5.00 - 7.50 + 0.00 + 1.23 = -11.27.
    body = lines(
        "order_id,product,amount,order_date",
        "1,P1,(5.00),2025-05-01",
        "2,P1,(-5.00),2025-05-01",
        "3,P1,(+5.00),2025-05-01",
        "4,P1,5.00-,2025-05-01",
        "5,P1,$5 USD,2025-05-01",
        '6,P1,"($7.50 USD)",2025-05-01',
        "7,P1,0.002500000005,2025-05-01",
        "7,P2,0.002499999999,2025-05-01",
        "8,P1,1.234999999999,2025-05-01",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "line_items"
    assert (result.rows_in, result.orders, result.merged) == (9, 6, 1)
    assert result.rejected_reasons == {"bad_amount": 2}
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {
        "1": "-5.00", "4": "-5.00", "5": "5.00", "6": "-7.50", "7": "0.00", "8": "1.23",
    }  # fmt: skip
    assert result.amount_total == Decimal("-11.27")
