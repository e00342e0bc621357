"""The doubts said only of values that reach an order's numbers (review B8-6, as B7-9 for quantities in
test_used_quantities): negative amounts and unit prices beside quantities, in histories (last row wins)
and line items; float-like ids, said of every row (`doubts`: the reading places the row in its order);
the wording of the doubts' counts; the unreadable quantities' own cells. Expected values by hand."""

import pytest
from filter_and_process_orders.reasons import warnings_for

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines


def warned(result) -> dict[str, dict]:
    """The result's warnings by code."""
    return {w["code"]: w for w in warnings_for(result)}


def said(result, code: str) -> tuple[int, list[int]] | None:
    """A warning's (count, first lines), None when it is not given."""
    found = warned(result).get(code)
    return None if found is None else (found["count"], found["lines"])


def text(result, code: str) -> str:
    return warned(result)[code]["text"]


# (header, the file's rows, the warning's code, each order's amount, the warning's (count, lines) or None)
HISTORIES = {
    # Order 1's first row (line 2, -5.00) is superseded by line 3 (5.00): its amount is 5.00, no negative
    # amount reaches it.
    "negative superseded": (
        "order_id,amount,status,order_date",
        ["1,-5.00,pending,2025-05-01", "1,5.00,shipped,2025-05-02", "2,3.00,shipped,2025-05-01"],
        "negative_amounts",
        {"1": "5.00", "2": "3.00"},
        None,
    ),
    # Order 1's last row (line 3) is the refund: -5.00, said.
    "negative last": (
        "order_id,amount,status,order_date",
        ["1,5.00,pending,2025-05-01", "1,-5.00,refunded,2025-05-02", "2,3.00,shipped,2025-05-01"],
        "negative_amounts",
        {"1": "-5.00", "2": "3.00"},
        (1, [3]),
    ),
    # Order 1's last row (line 3) has no amount: the order keeps line 2's -5.00, which is said.
    "negative kept through a gap": (
        "order_id,amount,status,order_date",
        ["1,-5.00,pending,2025-05-01", "1,,shipped,2025-05-02"],
        "negative_amounts",
        {"1": "-5.00"},
        (1, [2]),
    ),
    # A unit price (2.50) beside quantity 3 on line 2, superseded by line 3 (7.50, quantity 1): nothing said.
    "unit price superseded": (
        "order_id,price,status,order_date,quantity",
        ["1,2.50,pending,2025-05-01,3", "1,7.50,shipped,2025-05-02,1"],
        "amount_may_be_unit_price",
        {"1": "7.50"},
        None,
    ),
    # The last row (line 3) has 2.50 beside quantity 3: said.
    "unit price last": (
        "order_id,price,status,order_date,quantity",
        ["1,7.50,pending,2025-05-01,1", "1,2.50,shipped,2025-05-02,3"],
        "amount_may_be_unit_price",
        {"1": "2.50"},
        (1, [3]),
    ),
    # Float-like ids are said of every row read so, superseded or not (`doubts`): line 2's 7.0 read as 7
    # made it order 7's first row, superseded by line 3 (6.00), instead of an order of its own (5.00).
    "float-like superseded": (
        "order_id,amount,status,order_date",
        ["7.0,5.00,pending,2025-05-01", "7,6.00,shipped,2025-05-02"],
        "float_like_ids",
        {"7": "6.00"},
        (1, [2]),
    ),
    "float-like last": (
        "order_id,amount,status,order_date",
        ["7,5.00,pending,2025-05-01", "7.00,6.00,shipped,2025-05-02"],
        "float_like_ids",
        {"7": "6.00"},
        (1, [3]),
    ),
}


@pytest.mark.parametrize("buckets", [1, 3])  # the same when orders are spread over buckets
@pytest.mark.parametrize("case", HISTORIES)
def test_a_history_names_only_the_row_whose_value_its_order_takes(tmp_path, buckets, case):
    header, rows, code, amounts, warning = HISTORIES[case]
    result = clean(lines(header, *rows), tmp_path, buckets=buckets)
    assert accounted(result) and result.grain == "history"
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == amounts
    assert said(result, code) == warning


@pytest.mark.parametrize("buckets", [1, 3])
def test_every_line_item_with_a_negative_amount_is_named_an_exact_duplicate_once(tmp_path, buckets):
    # Order 1: a line and its refund (line 3, -2.00) exported twice (line 4), and another product: 4.00 +
    # (-2.00) + 1.00 = 3.00. Order 2: one line, -1.00. Said: line 3 (its copy not again) and line 6.
    body = lines(
        "order_id,product,amount,order_date",
        "1,a,4.00,2025-05-01",
        "1,r,-2.00,2025-05-01",
        "1,r,-2.00,2025-05-01",
        "1,b,1.00,2025-05-01",
        "2,a,-1.00,2025-05-01",
    )
    result = clean(body, tmp_path, buckets=buckets)
    assert accounted(result) and (result.grain, result.duplicates) == ("line_items", 1)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"1": "3.00", "2": "-1.00"}
    assert said(result, "negative_amounts") == (2, [3, 6])
    assert text(result, "negative_amounts").endswith(": 2 lines, e.g. lines 3, 6")


# Review B8-6's SH1.csv (Shopify-like: BOM, a title, CR-only line ends, a CR inside a quoted product):
# line 4 is #1001's Hat, 2 at 12,50; line 6 its Pin, 3 without a price (a continuation line: nothing to
# multiply); line 9 starts #1003's "Mug<CR>large".
SH1 = (
    b"\xef\xbb\xbfShop export\r\r"
    b"Name;Lineitem name;Lineitem quantity;Lineitem price;Financial Status;Created at;Email\r"
    b'#1001;Hat;2;"12,50";paid;2025-05-03 10:00:00 +0200;a@x.de\r'
    b'#1001;Scarf;1;"7,25";;;\r'
    b"#1001;Pin;3;;;;\r"
    b'#1002;Hat;1;"12,50";pending;2025-04-20 09:00:00 +0200;b@x.de\r'
    b'#1002;Hat;1;"12,50";pending;2025-04-20 09:00:00 +0200;b@x.de\r'
    b'#1003;"Mug\rlarge";1;"3,00";refunded;2025-05-31 23:59:00 -0500;c@x.de\r'
)


def test_a_unit_price_is_said_only_of_lines_that_have_an_amount(tmp_path):
    result = clean(SH1, tmp_path, explicit_mapping={"order_id": "Name"})
    assert accounted(result) and result.grain == "line_items"
    assert {k: (str(r["amount"]), r["quantity"]) for k, r in kept_by_id(result).items()} == {
        "#1001": ("19.75", 6),  # 12.50 + 7.25; 2 + 1 + 3
        "#1002": ("12.50", 1),
        "#1003": ("3.00", 1),
    }
    assert said(result, "amount_may_be_unit_price") == (1, [4])
    assert "“Lineitem price”, 1 line with a quantity other than 1, e.g. line 4" in text(
        result, "amount_may_be_unit_price"
    )


def test_float_like_ids_count_lines_as_the_other_doubts_do(tmp_path):
    # After review B8-6's hist_rej.csv: line 3's 7004.0 is the one float-like id (line 2's id is 7003
    # behind a zero-width space), on a kept order (a rejected row's is not said: test_rejected_doubts);
    # lines 2 and 4 have no amount, their orders none on any line: rejected.
    body = "order_id,amount,order_date,status\n\u200b7003,,2025-05-01,shipped\n7004.0,2.00,2025-05-01,shipped\n"
    body += "7005,,2025-05-01,shipped\n7006,5.00,2025-05-01,shipped\n"
    result = clean(body.encode(), tmp_path)
    assert result.rejected_reasons == {"missing_amount": 2}
    assert said(result, "float_like_ids") == (1, [3])
    assert text(result, "float_like_ids").endswith(": 1 line, e.g. line 3")


def test_unreadable_quantities_show_the_files_own_cells_formula_safe(tmp_path):
    # Line items: lines 2-6 hold abc, =1+2, abc, 2 pcs, 1.5, none a whole number. The first three
    # distinct, in line order, are shown; =1+2 with the `'` that keeps a spreadsheet from running it.
    body = lines(
        "order_id,product,amount,order_date,quantity",
        "1,a,1.00,2025-05-01,abc",
        "1,b,1.00,2025-05-01,=1+2",
        "1,c,1.00,2025-05-01,abc",
        "2,a,1.00,2025-05-01,2 pcs",
        "2,b,1.00,2025-05-01,1.5",
    )
    result = clean(body, tmp_path)
    assert said(result, "unreadable_quantities") == (5, [2, 3, 4, 5, 6])
    assert text(result, "unreadable_quantities").endswith(
        ": 5 lines, e.g. lines 2, 3, 4, 5, 6 (“abc”, “'=1+2”, “2 pcs”)"
    )


def test_unreadable_quantities_show_only_the_cells_of_the_lines_said(tmp_path):
    # A history: order 1's xyz (line 2) is superseded by line 3's abc, the quantity its order would take.
    body = lines("order_id,amount,status,order_date,quantity", "1,1.00,pending,2025-05-01,xyz")
    body += b"1,1.00,shipped,2025-05-02,abc\n"
    result = clean(body, tmp_path)
    assert said(result, "unreadable_quantities") == (1, [3])
    assert text(result, "unreadable_quantities").endswith(": 1 line, e.g. line 3 (“abc”)")


def test_full_width_and_space_grouped_quantities_are_read_not_said(tmp_path):
    # Review B8-6: order 1's lines hold ３ and 1 000 (quantity 1003), order 2's 2.5 (no quantity, said).
    body = lines(
        "order_id,product,amount,order_date,quantity",
        "1,a,1.00,2025-05-01,３",
        '1,b,2.00,2025-05-01,"1 000"',
        "2,a,1.00,2025-05-01,2.5",
    )
    result = clean(body, tmp_path)
    assert {k: r["quantity"] for k, r in kept_by_id(result).items()} == {"1": 1003, "2": None}
    assert said(result, "unreadable_quantities") == (1, [4])
