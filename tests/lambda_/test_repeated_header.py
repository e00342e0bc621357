"""The header row again mid-file (two exports joined one after the other): rejected `repeated_header`
with its line, not `bad_amount` or whatever check it would fail first. Expected values by hand."""

import pytest
from filter_and_process_orders import rejects
from filter_and_process_orders.reasons import ROW_REASONS

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines, rejected_rows

HEADER = "Order ID,Amount,Status,Order Date,Note"


@pytest.mark.parametrize("buckets", [1, 3])
def test_a_header_repeated_mid_file_is_rejected_as_such_with_its_line(tmp_path, buckets):
    # Line 1 the header; lines 2, 4, 9: orders 1, 2, 4. Line 3: the header again. Line 5: the header's
    # mapped cells again, padded and quoted (trimmed as the header is), another Note (not mapped). Line 6:
    # the header without its last cell (Note is not mapped). Line 7: its date cell a date: not the
    # header, `bad_amount` (“Amount”). Line 8: `bad_amount` (“abc”). Rows: lines 2-9, 8 = 3 orders + 5
    # rejected (3 repeated headers: lines 3, 5, 6; 2 bad amounts: lines 7, 8).
    body = lines(
        HEADER,
        "1,5.00,shipped,2025-05-01,a",
        HEADER,
        "2,6.00,shipped,2025-05-02,b",
        ' Order ID ,"Amount",Status, Order Date ,other',
        "Order ID,Amount,Status,Order Date",
        "Order ID,Amount,Status,2025-05-02,x",
        "3,abc,shipped,2025-05-01,x",
        "4,7.00,shipped,2025-05-03,",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result)
    assert (result.rows_in, result.orders, result.rows_rejected) == (8, 3, 5)
    assert dict(result.rejected_reasons) == {"repeated_header": 3, "bad_amount": 2}
    assert sorted(kept_by_id(result)) == ["1", "2", "4"]
    got = [(r[0], r[1]) for r in rejected_rows(result)[1:]]
    assert got == [
        ("3", "repeated_header"),
        ("5", "repeated_header"),
        ("6", "repeated_header"),
        ("7", "bad_amount"),
        ("8", "bad_amount"),
    ]
    assert rejected_rows(result)[1][2] == ROW_REASONS["repeated_header"]


def test_a_wrapped_header_repeated_is_read_as_the_header_is(tmp_path):
    # The header's first cell is "Order⏎ID" (read "Order ID"): lines 1-2. Order A-1 on line 3; the same
    # header again on lines 4-5 (one record); A-2 on line 6. 3 rows: 2 orders, 1 repeated header (line 4).
    body = b'"Order\nID",Amount,Date\nA-1,1.00,2025-05-01\n"Order\nID",Amount,Date\nA-2,2.00,2025-05-02\n'
    result = clean(body, tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.orders, dict(result.rejected_reasons)) == (3, 2, {"repeated_header": 1})
    assert [(r[0], r[1]) for r in rejected_rows(result)[1:]] == [("4", "repeated_header")]


def test_spaces_around_a_wrapped_header_cells_line_break_are_read_as_the_header_does(tmp_path):
    # The header's first cell "Order ⏎ ID" with a no-break space on each side of the line break (Python's
    # `\s`, the header's reading, takes it; RE2's ASCII `\s` would not): read "Order ID", as is its repeat
    # on lines 4-5. 3 rows: A-1 1.00 + A-2 2.00, line 4 repeated_header.
    header = '"Order \u00a0\n\u00a0 ID",Amount,Date\n'.encode()
    body = header + b"A-1,1.00,2025-05-01\n" + header + b"A-2,2.00,2025-05-02\n"
    result = clean(body, tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.orders, dict(result.rejected_reasons)) == (3, 2, {"repeated_header": 1})
    assert [(r[0], r[1]) for r in rejected_rows(result)[1:]] == [("4", "repeated_header")]


def test_a_repeated_header_in_other_case_or_spacing_is_read_as_the_mapping_reads_the_header(tmp_path):
    # Review B12-2. The header's names compared as the mapping compares them (without case, spaces, zero-width
    # characters or _ . - / ( ) #), as a second export's header in its own spelling has them. Line 1 the
    # header; lines 2, 4, 7: orders 1, 2, 3 (5.00 + 6.00 + 7.00). Line 3: ORDER_ID,amount,ORDER-DATE,STATUS.
    # Line 5: NBSP Order NBSP ID ZWSP, AMOUNT, order.date, (Status). Line 6: "Order IDs" is no name of the
    # header: the row is read as it is, `bad_amount` (“Amount”). 6 rows: 3 orders + 3 rejected.
    body = lines(
        "Order ID,Amount,Order Date,Status",
        "1,5.00,2025-05-01,shipped",
        "ORDER_ID,amount,ORDER-DATE,STATUS",
        "2,6.00,2025-05-02,shipped",
        "\u00a0Order\u00a0ID\u200b,AMOUNT,order.date,(Status)",
        "Order IDs,Amount,Order Date,Status",
        "3,7.00,2025-05-03,shipped",
    )
    result = clean(body, tmp_path)
    assert accounted(result)
    assert (result.rows_in, result.orders, result.rows_rejected) == (6, 3, 3)
    assert dict(result.rejected_reasons) == {"repeated_header": 2, "bad_amount": 1}
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"1": "5.00", "2": "6.00", "3": "7.00"}
    got = [(r[0], r[1], r[2]) for r in rejected_rows(result)[1:]]
    assert got == [
        ("3", "repeated_header", ROW_REASONS["repeated_header"]),
        ("5", "repeated_header", ROW_REASONS["repeated_header"]),
        ("6", "bad_amount", "unparseable amount: Amount"),
    ]


def test_the_older_reasons_keep_their_numbers():
    # Reason numbers 1-9 as they were before `repeated_header` (10) was added, 10 before `sep_line` (11), and
    # 11 before `unclosed_quote` (12).
    assert rejects.CHECKS == [
        "value_too_long", "missing_order_id", "mangled_id", "missing_amount", "bad_amount", "amount_format",
        "amount_too_large", "missing_order_date", "bad_order_date", "repeated_header", "sep_line", "unclosed_quote",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "mapping", "amount"),
    [  # the amount's header reads as an amount, the date's as a date or not at all
        ("Order ID,2024,Status,01/02/2024", {"amount": "2024", "order_date": "01/02/2024"}, "2024.00"),
        ("Order ID,1.5,Status,Date", {"amount": "1.5"}, "1.50"),
    ],
    ids=["amount 2024, date 01/02/2024", "amount 1.5"],
)
def test_a_repeated_header_whose_amount_header_reads_as_an_amount_is_found(tmp_path, header, mapping, amount):
    # Line 1 the header; lines 2, 4: orders 1 (5.00) and 2 (6.00). Line 3: the header again: its amount
    # reads (2024, 1.5), so it was no candidate (only rows whose amount and date both are unreadable were
    # looked at): an order "Order ID" of 2,024.00 dated 2024-01-02, or `bad_order_date` ("Date"). Line 5:
    # "Order ID" with the header's amount but another status and date: no header, an order (2,024.00 or
    # 1.50). By hand: 4 rows in, 3 orders, line 3 repeated_header.
    body = lines(
        header,
        "1,5.00,shipped,2025-05-01",
        header,
        "2,6.00,shipped,2025-05-02",
        f"Order ID,{header.split(',')[1]},paid,2025-05-03",
    )
    result = clean(body, tmp_path, explicit_mapping={"order_id": "Order ID", **mapping})
    assert accounted(result)
    assert (result.rows_in, result.orders, dict(result.rejected_reasons)) == (4, 3, {"repeated_header": 1})
    assert [(r[0], r[1]) for r in rejected_rows(result)[1:]] == [("3", "repeated_header")]
    kept = {k: (str(r["amount"]), str(r["order_date"]), r["source_line"]) for k, r in kept_by_id(result).items()}
    assert kept == {
        "1": ("5.00", "2025-05-01", 2),
        "2": ("6.00", "2025-05-02", 4),
        "Order ID": (amount, "2025-05-03", 5),
    }


@pytest.mark.parametrize("again", ["ORDER ID,2024,STATUS,01/02/2024", "order id,2024,status,01/02/2024"])
def test_a_repeated_header_in_other_case_whose_amount_and_date_read_as_values_is_found(tmp_path, again):
    # As above, the header's amount and date names read as values (2024, 01/02/2024), and line 3 is the header
    # again in other case: its id is compared as the mapping compares names (B12-2), so it is a candidate
    # and a repeated_header (before: an order "ORDER ID" of 2,024.00). By hand: 3 rows in, orders 1 (5.00)
    # and 2 (6.00), line 3 repeated_header.
    body = lines("Order ID,2024,Status,01/02/2024", "1,5.00,shipped,2025-05-01", again, "2,6.00,shipped,2025-05-02")
    mapping = {"order_id": "Order ID", "amount": "2024", "order_date": "01/02/2024"}
    result = clean(body, tmp_path, explicit_mapping=mapping)
    assert accounted(result)
    assert (result.rows_in, result.orders, dict(result.rejected_reasons)) == (3, 2, {"repeated_header": 1})
    assert [(r[0], r[1]) for r in rejected_rows(result)[1:]] == [("3", "repeated_header")]
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"1": "5.00", "2": "6.00"}
