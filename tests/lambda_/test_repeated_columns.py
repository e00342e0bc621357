"""A column of the orders table named by more than one header (review B7-4): the header read, and the
others, are said under their own warning code, `repeated_columns`, not as columns "not part of the
orders table". Expected values by hand from the files below."""

from decimal import Decimal

import pytest
from filter_and_process_orders.reasons import warnings_for

from tests.lambda_.test_cleaning import clean, kept_by_id, lines


def warnings(result) -> dict[str, dict]:
    return {w["code"]: w for w in warnings_for(result)}


REPEATED = (
    "some columns of the orders table are named by more than one header; one of each is read, the others are not used"
)


def test_a_repeated_order_id_header_is_read_from_its_first_column_and_said_repeated(tmp_path):
    result = clean(lines("order_id,order_id,amount,order_date", "1,2,1.00,2025-05-01"), tmp_path)
    assert list(kept_by_id(result)) == ["1"]  # the first column's id, not 2
    assert result.unmapped == []
    found = warnings(result)
    assert "unmapped_columns" not in found
    assert found["repeated_columns"]["text"] == (
        REPEATED + ": order_id read from column 1 “order_id”, not column 2 “order_id”"
    )
    assert found["repeated_columns"]["columns"] == {"order_id": [1, 2]}


def test_a_repeated_amount_header_is_read_from_its_first_column(tmp_path):
    body = lines("order_id,amount,note,Amount,order_date", "1,1.00,x,9.00,2025-05-01")
    result = clean(body, tmp_path)
    assert kept_by_id(result)["1"]["amount"] == Decimal("1.00")  # column 2, not column 4's 9.00
    assert result.unmapped == ["note"]
    found = warnings(result)
    assert found["unmapped_columns"]["text"] == "some columns are not part of the orders table: note"
    assert found["repeated_columns"]["text"] == REPEATED + ": amount read from column 2 “amount”, not column 4 “Amount”"


def test_two_synonyms_of_one_column_say_which_was_read(tmp_path):
    # `amount` comes before `sales` in the contract's synonyms of amount: Amount (column 3) is read, 20.00.
    body = lines("Order,Sales,Amount,Date,Sales", "1,10.00,20.00,2025-05-01,30.00")
    result = clean(body, tmp_path)
    assert kept_by_id(result)["1"]["amount"] == Decimal("20.00")
    assert result.unmapped == []
    found = warnings(result)
    assert "unmapped_columns" not in found
    assert found["repeated_columns"]["text"] == (
        REPEATED + ": amount read from column 3 “Amount”, not column 2 “Sales”, column 5 “Sales”"
    )
    assert found["repeated_columns"]["columns"] == {"amount": [3, 2, 5]}


@pytest.mark.parametrize("chosen", ["order_id", " ORDER_ID "])
def test_a_mapping_naming_a_repeated_header_reads_its_first_column_too(tmp_path, chosen):
    body = lines("order_id,order_id,amount,order_date", "1,2,1.00,2025-05-01")
    result = clean(body, tmp_path, explicit_mapping={"order_id": chosen})
    assert list(kept_by_id(result)) == ["1"]
    assert warnings(result)["repeated_columns"]["columns"] == {"order_id": [1, 2]}


def test_a_file_without_repeated_columns_has_no_such_warning(tmp_path):
    result = clean(lines("order_id,amount,order_date,note", "1,1.00,2025-05-01,x"), tmp_path)
    assert "repeated_columns" not in warnings(result)
    assert result.unmapped == ["note"]
