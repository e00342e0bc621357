"""A row with more cells than the header (F8): read by the header's columns, its extra cells left out,
and said (`extra_cells`) of the lines that reach an order, unless the extra cells are all empty
(trailing delimiters). Expected values by hand."""

import numpy as np
import pyarrow as pa
import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler
from filter_and_process_orders.records import Chunk
from filter_and_process_orders.spill import Spilled
from filter_and_process_orders.text import UnreadableFile

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines, rejected_rows
from tests.lambda_.test_handler import manifest_for, put_raw, s3_event
from tests.lambda_.test_used_lines import said, text

HEADER = "order_id,amount,status,order_date"


@pytest.mark.parametrize("buckets", [1, 3])  # the same when orders are spread over buckets
def test_a_history_names_only_its_orders_last_rows_with_extra_cells(tmp_path, buckets):
    # Order 1: line 2 (extra "x") superseded by line 3 (no extra): not said. Order 2: line 4, then line 5
    # with an extra "note, more" (two cells): its last row, said. Order 3 (line 6): trailing delimiters
    # only (",,"), and order 4 (line 7) an extra cell of spaces: both read as they are, not said.
    body = lines(
        HEADER,
        "1,5.00,pending,2025-05-01,x",
        "1,6.00,shipped,2025-05-02",
        "2,3.00,pending,2025-05-01",
        "2,3.50,shipped,2025-05-03,note,more",
        "3,1.00,shipped,2025-05-01,,",
        "4,2.00,shipped,2025-05-01,   ",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "history"
    assert (result.rows_in, result.orders, result.superseded) == (6, 4, 2)
    assert {k: (str(r["amount"]), r["status"]) for k, r in kept_by_id(result).items()} == {
        "1": ("6.00", "shipped"),
        "2": ("3.50", "shipped"),  # the extra cells are not read into any column
        "3": ("1.00", "shipped"),
        "4": ("2.00", "shipped"),
    }
    assert said(result, "extra_cells") == (1, [5])
    assert text(result, "extra_cells").endswith(": 1 line, e.g. line 5")


@pytest.mark.parametrize("buckets", [1, 3])
def test_a_history_names_each_row_with_extra_cells_that_gives_its_order_a_value(tmp_path, buckets):
    # Review B12-4: a row is named when any value it gives reaches its order, not only an order's last row.
    # Order 5: line 2 (extra "234.50": "1,234.50" unquoted) gives the amount 1 and the customer Ann that
    # line 3 (a status only, and its date) leaves empty: named. Order 6: line 4 (extra "x") is superseded in
    # every column by line 5: not named. Order 7: line 7 (extra "y") is its last row: named. Order 8: line 8
    # (extra "z") superseded by line 9: not named. Order 9: line 10 (extra "w") gives the date, customer and
    # amount that line 11 (a status only) leaves empty: named. Said: lines 2, 7, 10.
    body = lines(
        "order_id,customer,order_date,status,amount",
        "5,Ann,2025-05-01,pending,1,234.50",
        "5,,2025-05-03,shipped,",
        "6,Bo,2025-05-02,pending,2.00,x",
        "6,Cy,2025-05-04,shipped,3.00",
        "7,Di,2025-05-02,pending,4.00",
        "7,Ed,2025-05-06,shipped,5.00,y",
        "8,,2025-05-01,pending,6.00,z",
        "8,Fa,2025-05-05,shipped,7.00",
        "9,Gu,2025-05-01,pending,8.00,w",
        "9,,,shipped,",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "history"
    assert (result.rows_in, result.orders, result.superseded) == (10, 5, 5)
    assert {k: (str(r["amount"]), r["customer"], str(r["order_date"])) for k, r in kept_by_id(result).items()} == {
        "5": ("1.00", "Ann", "2025-05-03"),
        "6": ("3.00", "Cy", "2025-05-04"),
        "7": ("5.00", "Ed", "2025-05-06"),
        "8": ("7.00", "Fa", "2025-05-05"),
        "9": ("8.00", "Gu", "2025-05-01"),
    }
    assert said(result, "extra_cells") == (3, [2, 7, 10])
    assert text(result, "extra_cells").endswith(": 3 lines, e.g. lines 2, 7, 10")


@pytest.mark.parametrize("buckets", [1, 3])
def test_every_line_item_with_extra_cells_is_named_an_exact_duplicate_once(tmp_path, buckets):
    # Line items of order 1: lines 2 (extra), 3 and its exact copy 4 (extra "z" both), 5 (no extra);
    # order 2: line 6 (extra). Said: 2, 3 (its copy not again), 6: 3 lines.
    body = lines(
        "order_id,product,amount,order_date",
        "1,a,1.00,2025-05-01,y",
        "1,b,2.00,2025-05-01,z",
        "1,b,2.00,2025-05-01,z",
        "1,c,4.00,2025-05-01",
        "2,a,8.00,2025-05-01,w",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and (result.grain, result.duplicates) == ("line_items", 1)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"1": "7.00", "2": "8.00"}
    assert said(result, "extra_cells") == (3, [2, 3, 6])
    assert text(result, "extra_cells").endswith(": 3 lines, e.g. lines 2, 3, 6")


def test_rejected_rows_with_extra_cells_are_not_said_and_a_note_past_the_header_is_a_row(tmp_path):
    # Line 2: a bad amount (rejected as read); line 3: order 9 has no amount on any line (rejected after
    # the chunks); line 4: nothing under the header, a note past it: a row (README "Counts": one real
    # cell anywhere), rejected for its missing id; line 5: fine, no extra. 4 rows, none blank, 1 order.
    body = lines(
        HEADER,
        "8,abc,shipped,2025-05-01,x",
        "9,,shipped,2025-05-01,x",
        ",,,,only a note",
        "10,1.00,shipped,2025-05-01",
    )
    result = clean(body, tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.rows_blank, result.orders) == (4, 0, 1)
    assert result.rejected_reasons == {"bad_amount": 1, "missing_order_id": 1, "missing_amount": 1}
    assert [r[0] for r in rejected_rows(result)[1:]] == ["2", "3", "4"]
    assert said(result, "extra_cells") is None


def test_a_file_without_extra_cells_says_nothing(tmp_path):
    result = clean(lines(HEADER, "1,5.00,shipped,2025-05-01", "2,6.00,shipped,2025-05-01,,,"), tmp_path)
    assert said(result, "extra_cells") is None and result.orders == 2


def test_wide_records_survive_a_spill(tmp_path):
    # Chunks held back on disk while the formats are undecided keep which of their records are wide.
    spilled = Spilled(tmp_path / "undecided.arrow")
    table = pa.table({"c0": ["a", "b", "c"]})
    spilled.add(Chunk(table, np.array([2, 3, 4]), wide=np.array([False, True, False])))
    spilled.add(Chunk(table, np.array([5, 6, 7])))
    back = list(spilled.chunks())
    assert [c.lines.tolist() for c in back] == [[2, 3, 4], [5, 6, 7]]
    assert back[0].wide.tolist() == [False, True, False] and back[1].wide is None
    assert [c.table.column_names for c in back] == [["c0"], ["c0"]]


def test_a_file_rejected_for_a_missing_column_counts_its_rows_by_the_same_rule(tmp_path):
    # No amount column. Line 2: a row; line 3: placeholders (blank); line 4: a note past the header's
    # two cells (a row); line 5: trailing delimiters only (blank). 2 rows, 2 blank.
    with pytest.raises(UnreadableFile) as raised:
        clean(lines("order_id,order_date", "1,2025-05-01", "N/A,-", ",,a note", ",,,"), tmp_path)
    assert (raised.value.code, raised.value.rows_in, raised.value.read.rows_blank) == ("missing_column", 2, 2)


@pytest.mark.parametrize("header", ["order_id,amount,order_date,note", "ref,value,when,note"], ids=["read", "rejected"])
def test_a_file_read_and_a_file_rejected_whole_count_blank_records_by_one_rule(tmp_path, header):
    # The same records under a header that maps (read: `chunk._nonblank` over the mapped columns, then
    # the others) and one that maps nothing (rejected missing_column: `count_blank`, the same rule over
    # every column). Rows: lines 2 and 9 (orders), 4 (a note past the mapped cells), 6 (an extra cell
    # "x" past the header's four). Blank: line 3 (a no-break space, a zero-width space, N/A, nan), 5 (a
    # placeholder past the header's cells), 7 (an empty line), 8 (-, —, NULL, spaces). 4 rows, 4 blank.
    body = lines(
        header,
        "1,5.00,2025-05-01,",
        "\u00a0,\u200b,N/A,nan",
        ",,,a note",
        ",,,,#N/A",
        ",,,,x",
        "",
        "-, — ,NULL,  ",
        "2,6.00,2025-05-02,x",
    )
    if header.startswith("ref"):
        with pytest.raises(UnreadableFile) as raised:
            clean(body, tmp_path)
        assert (raised.value.code, raised.value.rows_in, raised.value.read.rows_blank) == ("missing_column", 4, 4)
        return
    result = clean(body, tmp_path)
    assert (result.rows_in, result.rows_blank, result.orders, dict(result.rejected_reasons)) == (
        4,
        4,
        2,
        {"missing_order_id": 2},
    )


def test_the_manifest_carries_the_warning_the_file_page_shows(twin, monkeypatch):
    # Through the handler on the twin's S3: order A-1 (line 2) has an extra cell “x”, A-2 (line 3)
    # trailing delimiters only. The file is processed with the one warning, as its page lists them.
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)
    key = "raw/2025/06/01/wide__orders.csv"
    body = lines(HEADER, "A-1,5.00,shipped,2025-05-01,x", "A-2,6.00,shipped,2025-05-01,,")
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["rows_in"], manifest["orders"]) == ("processed_with_warnings", 2, 2)
    assert [(w["code"], w["count"], w["lines"]) for w in manifest["warnings"]] == [("extra_cells", 1, [2])]


def test_placeholders_past_the_header_make_no_row_and_are_not_said(tmp_path):
    # Review B11-1's generator (b1.csv, e.g. its line 284): a record of whitespace and placeholders, some of
    # them past the header's columns, is blank by README's rule ("every cell, mapped or not, empty, whitespace
    # or a placeholder"); it was counted as a row and rejected missing_order_id. Line 2: order 1 with an extra
    # "N/A" (not said); line 3: 7 cells, NBSP, null, empty, "-", then "#N/A", a space and "NaN" past the four
    # columns: blank; line 4: 8 cells of the b1.csv kind (quoted NBSP, BOM, "NA", U+2009, tab, "n/a"): blank;
    # line 5: order 2. 2 rows in, 2 blank, 2 orders, nothing rejected or said.
    body = lines(
        HEADER,
        "1,5.00,shipped,2025-05-01,N/A",
        "\u00a0,null,,-,#N/A, ,NaN",
        '"\u00a0","\ufeff","  \t ","NA","\u2009",\t," ",n/a',
        "2,6.00,shipped,2025-05-01",
    )
    result = clean(body, tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.rows_blank, result.orders, result.rows_rejected) == (2, 2, 2, 0)
    assert said(result, "extra_cells") is None


@pytest.mark.parametrize("buckets", [1, 3])
def test_exact_copies_are_said_once_when_any_copy_has_extra_cells_at_a_line_that_has_one(tmp_path, buckets):
    # Review B12-8: copies identical in every column but for an extra cell are exact duplicates (the last
    # kept); the set is said when any copy has a real extra cell, naming the first line that has one.
    # Order 11: line 2, its copy line 3 (extra "x"): said, line 3 (not 2, which has nothing extra). Order 12:
    # line 4 (extra "y"), its copy line 5: said, line 4 (before: not said, the kept copy had none). Order 21:
    # lines 6, 7 (extra "mid"), 8: said, line 7. Order 22: lines 9, 10, no extra: not said. Order 23: lines 11
    # (extra "a"), 12 (extra "b"): said once, line 11. Said: 3, 4, 7, 11.
    body = lines(
        "order_id,amount,order_date",
        "11,11.00,2025-05-01",
        "11,11.00,2025-05-01,x",
        "12,12.00,2025-05-01,y",
        "12,12.00,2025-05-01",
        "21,21.00,2025-05-01",
        "21,21.00,2025-05-01,mid",
        "21,21.00,2025-05-01",
        "22,-2.00,2025-05-01",
        "22,-2.00,2025-05-01",
        "23,3.00,2025-05-01,a",
        "23,3.00,2025-05-01,b",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result)
    assert (result.rows_in, result.orders, result.duplicates) == (11, 5, 6)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {
        "11": "11.00", "12": "12.00", "21": "21.00", "22": "-2.00", "23": "3.00",
    }  # fmt: skip
    assert said(result, "extra_cells") == (4, [3, 4, 7, 11])
    assert text(result, "extra_cells").endswith(": 4 lines, e.g. lines 3, 4, 7, 11")
    assert said(result, "negative_amounts") == (1, [9])  # every copy holds -2.00: the first copy's line
