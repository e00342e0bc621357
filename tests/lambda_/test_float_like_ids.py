"""Order ids a spreadsheet re-saved as numbers (`1001.0`): read as the integer id they stand for, so
they match the same orders written `1001` in another upload, and said in a warning."""

import re
from decimal import Decimal

import pyarrow as pa
import pytest
from django.conf import settings
from filter_and_process_orders.doubts import integer_ids
from filter_and_process_orders.handler import lambda_handler
from hypothesis import given
from hypothesis import strategies as st

from tests.lambda_.test_handler import manifest_for, put_raw, read_parquet, s3_event


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def read_as_integer(cell: str | None, decimal_comma: bool = False) -> str | None:
    """The single-value rule, by hand: digits, a point (or, in a file of decimal commas, a comma) and
    only zeros is the digits; else as written."""
    if cell is not None and re.fullmatch(r"[0-9]+[.,]0+" if decimal_comma else r"[0-9]+\.0+", cell):
        return re.split("[.,]", cell)[0]
    return cell


ID_CELLS = st.one_of(
    st.none(),
    st.text(alphabet="0123456789.,0E+A-", max_size=10),
    st.builds(lambda d, m, z: f"{d}{m}{'0' * z}", st.integers(0, 10**12), st.sampled_from(".,"), st.integers(0, 4)),
    st.builds(lambda d: f"SO-{d}.0", st.integers(0, 10**6)),  # led by a letter: mostly such ids, few digit-led
    st.just("SO-1001"),
)


@given(st.lists(ID_CELLS, max_size=40), st.booleans())
def test_an_id_is_read_as_an_integer_exactly_when_it_is_digits_a_point_and_zeros(cells, decimal_comma):
    # A slice, as chunk columns are: the first bytes are read from the buffers at its offset.
    ids, where = integer_ids(pa.array(["1.0", *cells], pa.string()).slice(1), decimal_comma)
    assert ids.to_pylist() == [read_as_integer(c, decimal_comma) for c in cells]
    float_like = [c is not None and read_as_integer(c, decimal_comma) != c for c in cells]
    assert (None if where is None else where.tolist()) == (float_like if any(float_like) else None)


def test_ids_a_spreadsheet_saved_as_decimals_are_read_as_the_integer_ids_with_a_warning():
    key = "raw/2025/06/02/flo2__orders.csv"
    text = "order_id,customer,amount,status,order_date\n"
    text += "1001.0,Flo,50.00,shipped,2025-05-20\n1002.00,Flo,30.00,shipped,2025-05-21\n"
    text += "1003.5,Flo,1.00,shipped,2025-05-21\n"
    lambda_handler(s3_event(key, put_raw(key, text.encode())))
    manifest = manifest_for(key)
    orders = {r["order_id"]: r["amount"] for k in manifest["outputs"] for r in read_parquet(k).to_pylist()}
    # 1003.5 is no integer: kept as written
    assert orders == {"1001": Decimal("50.00"), "1002": Decimal("30.00"), "1003.5": Decimal("1.00")}
    assert Decimal(manifest["amount_total"]) == Decimal("81.00")
    (warning,) = manifest["warnings"]
    assert (warning["code"], warning["count"], warning["lines"]) == ("float_like_ids", 2, [2, 3])
    assert "read as integers (1001)" in warning["text"]


def test_ids_a_decimal_comma_spreadsheet_saved_as_decimals_match_the_integer_ids():
    # Review B14-3: a file of decimal commas (10,00) whose id 1001 was saved `1001,0`; the next row is
    # the same order written 1001, a day later: one order, its last row winning (12,00), as `1001.0` is
    # in a file of points. A comma in an id of a file of points stays as written.
    key = "raw/2025/06/02/comma-ids__orders.csv"
    text = "order_id;customer;amount;status;order_date\n"
    text += "1001,0;Ann;10,00;shipped;13.05.2025\n1001;Ann;12,00;shipped;14.05.2025\n"
    lambda_handler(s3_event(key, put_raw(key, text.encode())))
    manifest = manifest_for(key)
    rows = [r for k in manifest["outputs"] for r in read_parquet(k).to_pylist()]
    assert [(r["order_id"], r["amount"], str(r["order_date"])) for r in rows] == [
        ("1001", Decimal("12.00"), "2025-05-14")
    ]
    assert (manifest["rows_in"], manifest["rows_superseded"], Decimal(manifest["amount_total"])) == (2, 1, 12)
    (warning,) = [w for w in manifest["warnings"] if w["code"] == "float_like_ids"]
    assert (warning["count"], warning["lines"]) == (1, [2])
    key = "raw/2025/06/02/point-ids__orders.csv"
    text = 'order_id,customer,amount,status,order_date\n"1001,0",Ann,10.00,shipped,2025-05-13\n'
    text += "1001,Ann,12.00,shipped,2025-05-14\n"
    lambda_handler(s3_event(key, put_raw(key, text.encode())))
    manifest = manifest_for(key)
    rows = [r for k in manifest["outputs"] for r in read_parquet(k).to_pylist()]
    assert sorted((r["order_id"], r["amount"]) for r in rows) == [
        ("1001", Decimal("12.00")),
        ("1001,0", Decimal("10.00")),
    ]
