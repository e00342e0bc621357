"""Single values and whole columns: amounts under the file's decimal separator, dates, statuses, placeholders."""

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from filter_and_process_orders.amounts import LINE_AMOUNT_TYPE, amount_is_too_large, amounts, to_cents
from filter_and_process_orders.dates import date_votes, dates
from filter_and_process_orders.separators import separator_votes
from filter_and_process_orders.values import (
    _STATUS_SPACES,
    canonical_status,
    cleaned_text,
    integers,
    parse_amount,
    parse_date,
)


def read(texts: list[str], decimal_comma: bool) -> list:
    """Per cell: its value, `amount_format` (only the other convention reads it), `amount_too_large`
    (it reads, past decimal(12,2)) or `bad_amount`."""
    values, marks = amounts(pa.array(texts), decimal_comma=decimal_comma)
    marked = [next((code for code, mask in marks.items() if mask[i]), None) for i in range(len(texts))]
    return [m or (v if v is not None or not t else "bad_amount") for t, v, m in zip(texts, values.to_pylist(), marked)]


@pytest.mark.parametrize(
    ("text", "point", "comma"),
    [
        ("446.5", "446.50", "amount_format"),
        ("$1,234.50", "1234.50", "amount_format"),
        ("1.234,50", "amount_format", "1234.50"),
        ("4626,15", "amount_format", "4626.15"),
        ("(12.00)", "-12.00", "amount_format"),
        ("  € 99 ", "99.00", "99.00"),
        ("-50", "-50.00", "-50.00"),
        ("1,000", "1000.00", "1.00"),
        ("2.005", "2.005", "2005.00"),  # a cell is read exactly: rounded once per order (to_cents)
        ("959,984", "959984.00", "959.984"),
        ("3610,848", "amount_format", "3610.848"),
        ("1.234.567", "amount_format", "1234567.00"),
        ("1,234,567", "1234567.00", "amount_format"),
        ("USD 10", "10.00", "10.00"),
        ("12,50 €", "amount_format", "12.50"),
        ("1'234.50", "1234.50", "amount_format"),
        ("12.5-", "-12.50", "amount_format"),
        ("-0.005", "-0.005", "amount_format"),
        ("9999999999.994", "9999999999.994", "amount_format"),  # its cents still fit decimal(12,2)
        ("9999999999.995", "amount_too_large", "amount_format"),  # its cents would not
        ("9999999999.99", "9999999999.99", "amount_format"),  # the largest amount
        ("9.999.999.999,99", "amount_format", "9999999999.99"),
        ("10000000000.00", "amount_too_large", "amount_format"),  # one cent past it: well formed, too large
        ("-10000000000.00", "amount_too_large", "amount_format"),
        ("10.000.000.000,00", "amount_format", "amount_too_large"),
        ("10,000,000,000.00", "amount_too_large", "amount_format"),
        ("10000000000,00", "amount_format", "amount_too_large"),
        ("(10000000000)", "amount_too_large", "amount_too_large"),
        ("99999999999999.99", "amount_too_large", "amount_format"),
        ("99999999999", "amount_too_large", "amount_too_large"),
        ("000000000099.5", "99.50", "amount_format"),  # 12 digits, but leading zeros: small
        ("abc", "bad_amount", "bad_amount"),
        ("12-3", "bad_amount", "bad_amount"),
        ("10000000000.00.1", "bad_amount", "bad_amount"),
        ("1e400", "bad_amount", "bad_amount"),
        ("(12", "bad_amount", "bad_amount"),
        # Review B9-1: a space, NBSP, U+202F or apostrophe between digits only groups thousands (groups
        # of three after the first, before the decimals, one kind in a cell); a currency sign or code
        # stands before or after the number, never between its digits.
        ("1 234.50", "1234.50", "amount_format"),
        ("1 234,50 €", "amount_format", "1234.50"),
        ("€\u00a01 234.50", "1234.50", "amount_format"),
        ("1\u202f234\u202f567,89", "amount_format", "1234567.89"),
        ("1 234 567", "1234567.00", "1234567.00"),
        ("1\u2009234.50", "1234.50", "amount_format"),  # a thin space, as SI writes thousands
        ("- 5.00", "-5.00", "amount_format"),
        ("12€50", "bad_amount", "bad_amount"),
        ("5$00", "bad_amount", "bad_amount"),
        ("12 €50", "bad_amount", "bad_amount"),
        ("1 2 3", "bad_amount", "bad_amount"),
        ("1 23.50", "bad_amount", "bad_amount"),
        ("12 34", "bad_amount", "bad_amount"),
        ("12.50 3", "bad_amount", "bad_amount"),
        ("1,234 567.00", "bad_amount", "bad_amount"),
        ("1 234'567", "bad_amount", "bad_amount"),
        ("0 123", "bad_amount", "bad_amount"),  # as `0,123.00`: no thousands group starts with 0
        ("12USD50", "bad_amount", "bad_amount"),
        ("1\t234", "bad_amount", "bad_amount"),
        ("\u22125.00", "bad_amount", "bad_amount"),  # U+2212 MINUS SIGN is not read (README "Numbers")
        ("US$5.00", "bad_amount", "bad_amount"),
        ("usd 5.00", "bad_amount", "bad_amount"),
        # Review B10-7: a code combines with a minus, parentheses or a trailing minus as a currency sign does.
        ("(USD 1234.50)", "-1234.50", "amount_format"),
        ("-USD 5.00", "-5.00", "amount_format"),
        ("(1234.50 USD)", "-1234.50", "amount_format"),
        ("1234.50 USD-", "-1234.50", "amount_format"),
        ("(USD 1,234.50)", "-1234.50", "amount_format"),
        ("(EUR 1.234,50)", "amount_format", "-1234.50"),
        ("- CHF 1'234.50", "-1234.50", "amount_format"),
        ("+USD 7", "7.00", "7.00"),
        ("(USD 12)", "-12.00", "-12.00"),
        ("-12 EUR", "-12.00", "-12.00"),
        ("($1234.50)", "-1234.50", "amount_format"),
        ("-$5.00", "-5.00", "amount_format"),
        ("USD -5.00", "-5.00", "amount_format"),
        ("(1234.50 €)", "-1234.50", "amount_format"),
        ("1234.50 €-", "-1234.50", "amount_format"),
        ("-USD EUR 5.00", "bad_amount", "bad_amount"),  # one code a side
        ("(USDEUR 5)", "bad_amount", "bad_amount"),
        ("-US$5.00", "bad_amount", "bad_amount"),
        ("(R$ 5.00)", "bad_amount", "bad_amount"),
        ("-usd 5.00", "bad_amount", "bad_amount"),
        ("(5.00 usd)", "bad_amount", "bad_amount"),
        ("(US 5.00)", "bad_amount", "bad_amount"),
        ("-12 USD 50", "bad_amount", "bad_amount"),
    ],
)
def test_an_amount_reads_by_the_files_decimal_separator_and_contradictions_are_named(text, point, comma):
    for decimal_comma, expected in ((False, point), (True, comma)):
        got = read([text.strip()], decimal_comma)[0]
        assert got == (Decimal(expected) if expected[0] in "-0123456789" else expected), (text, decimal_comma)
        # the pure-Python reading agrees
        assert parse_amount(text, decimal_comma) == (None if isinstance(got, str) else got)
        assert amount_is_too_large(text, decimal_comma) == (got == "amount_too_large")


def test_the_python_fallback_reads_rare_shapes_the_kernels_leave():
    assert read(["١٢٣.٥"], False) == [Decimal("123.50")]
    assert read(["12,-", "1.250,-"], True) == [Decimal("12.00"), Decimal("1250.00")]
    assert read(["0.123456789"], False) == [Decimal("0.12345678")]  # cut to LINE_SCALE places


def test_an_orders_exact_amount_is_rounded_to_cents_once_half_away_from_zero():
    exact = ["2.005", "-2.005", "2.00499999", "-0.004", "1211.5749", "9999999999.99", None, "0"]
    values = pa.array([None if e is None else Decimal(e) for e in exact], LINE_AMOUNT_TYPE)
    cents = ["2.01", "-2.01", "2.00", "0.00", "1211.57", "9999999999.99", None, "0.00"]
    assert to_cents(values.slice(0)).to_pylist() == [None if c is None else Decimal(c) for c in cents]
    assert to_cents(values.slice(4, 2)).to_pylist() == [Decimal("1211.57"), Decimal("9999999999.99")]
    summed = pa.array([Decimal("9999999999.99") * 2], pa.decimal128(38, 8))  # a sum of lines past the contract
    with pytest.raises(OverflowError):
        to_cents(summed)


@pytest.mark.parametrize(
    ("texts", "votes"),
    [
        (["1.250,00", "980", "2.005", "12,40"], {"point": 0, "comma": 2, "ambiguous": 1}),
        (["1,250", "12.40"], {"point": 1, "comma": 0, "ambiguous": 1}),
        (["1.234", "959,984", "7"], {"point": 0, "comma": 0, "ambiguous": 2}),
        (["0,500"], {"point": 0, "comma": 1, "ambiguous": 0}),
    ],
)
def test_only_cells_that_read_one_way_vote_for_the_decimal_separator(texts, votes):
    assert separator_votes(pa.array(texts)) == votes


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2025-02-10", False, date(2025, 2, 10)),
        ("2025/2/3", False, date(2025, 2, 3)),
        ("2013-07-25 00:00:00.0", False, date(2013, 7, 25)),
        ("2025-05-28T01:02Z", False, date(2025, 5, 28)),
        ("11/21/2024", False, date(2024, 11, 21)),
        ("3/4/25", False, date(2025, 3, 4)),
        ("3/4/25", True, date(2025, 4, 3)),
        ("19/4/2012", True, date(2012, 4, 19)),
        ("05-Dec-17", False, date(2017, 12, 5)),
        ("26 May 2023", False, date(2023, 5, 26)),
        ("23 January 2023", False, date(2023, 1, 23)),
        ("May 26, 2023", False, date(2023, 5, 26)),
        ("31.12.24", False, date(2024, 12, 31)),
        ("20250102", False, date(2025, 1, 2)),
        ("Fri, 30 May 2025", False, date(2025, 5, 30)),
        ("2025-02-30", False, None),
        ("13/13/2025", False, None),
        ("next tuesday", False, None),
        ("2025-05-30/2025-06-01", False, None),
    ],
)
def test_dates_parse_in_the_formats_staff_send_and_impossible_ones_are_null(text, day_first, expected):
    assert dates(pa.array([text]), day_first=day_first).to_pylist() == [expected]
    assert parse_date(text, day_first) == expected


def test_numeric_dates_that_read_one_way_vote_for_the_files_order():
    # One vote a row: 13/2/2025 twice is two day-first votes; 1/2/2025 reads both ways (review B7-2).
    votes, numeric = date_votes(pa.array(["1/2/2025", "13/2/2025", "13/2/2025", "2025-01-01"]))
    assert (votes, numeric) == ({"DMY": 2, "MDY": 0, "DMY_yy": 0, "MDY_yy": 0, "numeric": 3, "numeric_yy": 0}, True)
    votes, numeric = date_votes(pa.array(["2025-01-01", "05-Dec-17"]))
    assert (votes["DMY"], votes["MDY"], votes["numeric"], numeric) == (0, 0, 0, False)
    # Two-digit-year dates (not dotted) are counted apart too: read year first they vote for no order (B15-1).
    votes, _ = date_votes(pa.array(["24-11-30", "24-11-30", "13.02.25", "02/13/25", "13/02/2025", "01/02/03"]))
    assert votes == {"DMY": 4, "MDY": 1, "DMY_yy": 2, "MDY_yy": 1, "numeric": 6, "numeric_yy": 4}


@pytest.mark.parametrize("text", ["NULL", "null", "N/A", "n/a", "NA", "None", "-", "—", "#N/A", " nUlL ", "#n/a"])
def test_placeholders_are_empty_whole_cell_in_any_case(text):
    assert cleaned_text(pa.array([text, "Nadia", "N/A shop", " "])).to_pylist() == [None, "Nadia", "N/A shop", None]


def test_quantities_are_whole_numbers():
    assert integers(pa.array(["3", "3.0", "1,200", "", "2.5", "x"])).to_pylist() == [3, 3, 1200, None, None, None]
    # A sign as amounts may have one (review B7-5), one at most; 16 digits are no quantity.
    cells = pa.array(["+3", "-3", "+1,200", "+-3", "++3", "+", "9223372036854775807"])
    assert integers(cells).to_pylist() == [3, -3, 1200, None, None, None, None]


def test_quantities_are_read_as_amounts_are_when_whole():
    # Review B8-6: `３` (full width) and `1 000` (space-grouped) are read, as amounts read `１２.５０` and
    # `1 000,10`; a whole amount's other shapes too: (3) and 3- are -3, $3 is 3. Not whole: 1 000,10 in a
    # comma file (1000.10), 1.5; 3.0000000001 has more decimals than an amount keeps.
    cells = pa.array(["３", "1 000", "1\u00a0000", "(3)", "3-", "$3", "1.5", "3.0000000001", "１２"])
    assert integers(cells).to_pylist() == [3, 1000, 1000, -3, -3, 3, None, None, 12]
    cells = pa.array(["３", "1 000", "1 000,10", "２,００", "1.5"])
    assert integers(cells, decimal_comma=True).to_pylist() == [3, 1000, None, 2, None]
    # Review B9-1: as amounts, a space or currency sign inside the digits reads no number.
    cells = pa.array(["1 2 3", "12 34", "5$00", "1 000 000", "1'000", "3 €"])
    assert integers(cells).to_pylist() == [None, None, None, 1000000, 1000, 3]


def test_quantities_in_a_file_of_decimal_commas_group_thousands_with_points():
    cells = pa.array(["1.000", "2.500", "1.200,0", "3,0", "12,5", "3"])
    assert integers(cells, decimal_comma=True).to_pylist() == [1000, 2500, 1200, 3, None, 3]


@pytest.mark.parametrize(
    ("text", "expected"), [("CANCELLED", "cancelled"), ("canceled", "cancelled"), (" Shipped ", "shipped")]
)
def test_statuses_become_canonical_lower_case_words(text, expected):
    assert canonical_status(text) == expected


def test_the_status_kernels_word_separators_are_exactly_pythons_whitespace_and_the_hyphen():
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    joined = pc.match_substring_regex(pa.array(chars), f"^{_STATUS_SPACES}$").to_pylist()
    assert [c for c, j in zip(chars, joined) if j != (c.isspace() or c == "-")] == []
