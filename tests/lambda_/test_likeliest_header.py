"""The header taken when no record in the searched lines maps every required column: the record that
maps the most of them (the first of equals), so a summary block above a header lacking a synonym is
neither offered for mapping nor named in the rejection in its place. Expected values by hand."""

import pytest
from filter_and_process_orders.header import inspect
from filter_and_process_orders.text import UnreadableFile

from tests.lambda_.test_cleaning import clean

# Line 1-2 a summary: Total and Sales both map amount (1 required column of 3). Line 3 blank. Line 4 the
# table's header: Order -> order_id, Date -> order_date (2 of 3; Gross is no synonym). Lines 5-6 orders.
SUMMARY_OVER_TABLE = b"Total,Sales\nall,300.00\n\nOrder,Gross,Date\n1,100.00,2025-05-01\n2,200.00,2025-05-02\n"


def test_the_record_mapping_the_most_required_columns_is_offered_not_a_summary_above_it():
    found = inspect(SUMMARY_OVER_TABLE)
    assert (found.line, found.names) == (4, ["Order", "Gross", "Date"])
    assert found.mapping == {"order_id": 0, "order_date": 2}
    assert [s["line"] for s in found.skipped] == [1, 2, 3]


def test_of_records_mapping_as_many_the_first_is_taken():
    # Line 1 maps order_id (Order) and line 2 amount (Total): one each, the first wins.
    found = inspect(b"Order,Note\nTotal,Note\n1,x\n")
    assert (found.line, found.names) == (1, ["Order", "Note"])


def test_a_file_no_record_of_which_maps_a_column_still_names_its_first_line():
    found = inspect(b"Report 2025\nRef,Gross,When\nA1,1.00,2025-05-01\n")
    assert (found.line, found.names, found.mapping) == (1, ["Report 2025"], {})


def test_the_rejection_names_the_likeliest_header(tmp_path):
    with pytest.raises(UnreadableFile) as raised:
        clean(SUMMARY_OVER_TABLE, tmp_path)
    assert raised.value.code == "missing_column"
    assert str(raised.value).startswith("no amount column; headers were: Order, Gross, Date (line 4)")
