"""Rows above the header that read as orders (an order id, an amount and a date under the header's
columns) are skipped as every line before the header is, and said (`rows_before_header`, with `count`
and the first `lines`), so staff see that orders may have been left out; not when staff chose the header
row. Expected values by hand."""

from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines
from tests.lambda_.test_handler import manifest_for, put_raw, s3_event
from tests.lambda_.test_used_lines import said, text, warned

# Lines 1-2 two orders' rows above the header (1001 10.00, 1002 5.50 on 02/03/2025), 3 blank, 4 the
# header, 5 order 1003 = 7.00.
ROWS_ABOVE = lines(
    "1001,10.00,2025-05-01",
    "1002,5.50,02/03/2025",
    "",
    "order_id,amount,order_date",
    "1003,7.00,2025-05-03",
)


def test_rows_above_the_header_that_read_as_orders_are_said(tmp_path):
    result = clean(ROWS_ABOVE, tmp_path)
    assert accounted(result)
    assert (result.header_line, [s["line"] for s in result.skipped_lines]) == (4, [1, 2, 3])
    assert (result.rows_in, result.orders) == (1, 1)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"1003": "7.00"}
    assert said(result, "rows_before_header") == (2, [1, 2])
    assert text(result, "rows_before_header").endswith(": 2 rows, e.g. lines 1, 2")


def test_titles_summaries_hints_and_placeholders_above_the_header_are_not_said(tmp_path):
    # Line 1 Excel's hint; 2 a title whose date stands under the header's amount; 3 a total without a
    # date; 4 a placeholder id; 5-6 one record (a quoted line break: "A B") with an id, 1,00 (a decimal
    # comma) and a dotted date: said, at line 5; 7 a blank line of delimiters; 8 the header; 9 order 9 = 1.50.
    body = lines(
        "sep=;",
        "Orders report;2025-05-01",
        "Total;3,00;",
        "N/A;1,00;01.05.2025",
        '"A',
        'B";1,00;01.05.2025',
        ";;",
        "order_id;amount;order_date",
        "9;1,50;01.05.2025",
    )
    result = clean(body, tmp_path)
    assert accounted(result) and result.header_line == 8
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"9": "1.50"}
    assert said(result, "rows_before_header") == (1, [5])
    assert text(result, "rows_before_header").endswith(": 1 row, e.g. line 5")


def test_a_header_row_staff_chose_says_nothing_of_the_rows_it_skips(tmp_path):
    # The file page told staff which rows choosing line 4 skips (pipeline_admin.headers._skips).
    result = clean(ROWS_ABOVE, tmp_path, header_line=4)
    assert (result.header_line, result.orders) == (4, 1)
    assert "rows_before_header" not in warned(result)


def test_a_header_at_the_top_or_below_a_title_says_nothing(tmp_path):
    result = clean(lines("Orders, May 2025", "order_id,amount,order_date", "1,5.00,2025-05-01"), tmp_path)
    assert (result.header_line, result.orders, warned(result)) == (2, 1, {})


def test_the_manifest_says_the_rows_skipped_and_the_file_ends_processed_with_warnings(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)
    key = "raw/2025/06/01/above__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, ROWS_ABOVE)))
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["header_line"], manifest["rows_in"], manifest["orders"]) == (
        "processed_with_warnings",
        4,
        1,
        1,
    )
    assert [(w["code"], w["count"], w["lines"]) for w in manifest["warnings"]] == [("rows_before_header", 2, [1, 2])]
