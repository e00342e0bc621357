"""Review breaker9's rare shapes (B9-1, B9-3), as whole files through the streaming cleaner: a space,
apostrophe or currency sign inside an amount's digits, and dates and amounts written in other digit
scripts. Expected values worked out by hand from README "Numbers" and "Dates", in the comments."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from filter_and_process_orders.cleaning import Rules, clean_stream

from tests.lambda_.test_cleaning import kept_by_id, rejected_rows

RULES = Rules(date(2025, 6, 1), frozenset(), 30)  # month first and decimal point when a file leaves it open


def clean(text: str, tmp_path):
    return clean_stream(
        io.BytesIO(text.encode()),
        rules=RULES,
        workdir=tmp_path,
        source_key="raw/shapes.csv",
        ingested_at=datetime(2025, 6, 1, tzinfo=UTC),
    )


def amounts(result) -> dict[str, Decimal]:
    return {order_id: row["amount"] for order_id, row in kept_by_id(result).items()}


def reasons(result) -> list[tuple[str, str]]:
    return [(line, code) for line, code, *_ in rejected_rows(result)[1:]]


# /tmp/bk9/cases/interior.csv (B9-1). A space (or NBSP, U+202F, apostrophe) between digits only
# groups thousands: a first group of 1-3 digits, then groups of exactly three, before the decimals;
# a currency sign stands before or after the number, never between its digits.
INTERIOR = """order_id,amount,order_date
1,"1 23.50",2025-05-01
2,"12 34",2025-05-01
3,"1 2 3",2025-05-01
4,"5$00",2025-05-01
5,12€50,2025-05-01
6,"1,234 567.00",2025-05-01
7,"12.50 3",2025-05-01
8,12.5,2025-05-01
"""


def test_a_space_or_currency_sign_inside_an_amounts_digits_makes_it_a_bad_amount_listed_with_its_line(tmp_path):
    result = clean(INTERIOR, tmp_path)
    # Line 2 `1 23.50`: a group of two after the first; line 3 `12 34`: likewise; line 4 `1 2 3`: groups
    # of one; lines 5 and 6: a currency sign between digits (`5$00`, `12€50` is no 500.00 nor 1250.00);
    # line 7: `,` and space groups mixed; line 8 `12.50 3`: a group after the decimals. Only `12.5`
    # (the file's one vote, for a decimal point) reads.
    assert reasons(result) == [(str(line), "bad_amount") for line in range(2, 9)]
    assert amounts(result) == {"8": Decimal("12.50")}
    assert result.decisions.decimal_separator == "." and not result.decisions.decimal_separator_assumed
    assert result.rows_in == 8 and result.orders == 1


# The shapes that kept reading (the review's checked list), each with its value by hand.
CHECKED = [
    ("1 234.50", "1234.50"),
    ("€\u00a01 234.50", "1234.50"),
    ("CHF 1'234.50", "1234.50"),
    ("$1,234.50", "1234.50"),
    ("($1,234.50)", "-1234.50"),
    ("USD -5.00", "-5.00"),
    ("-5.00 USD", "-5.00"),
    ("1\u202f234\u202f567.89", "1234567.89"),
    ("- 5.00", "-5.00"),
    ("5.00 -", "-5.00"),
    ("12.50 €", "12.50"),
]


def test_the_shapes_read_before_still_read_in_a_file(tmp_path):
    body = io.StringIO()
    writer = csv.writer(body, lineterminator="\n")
    writer.writerow(["order_id", "amount", "order_date"])
    writer.writerows([i, text, "2025-05-01"] for i, (text, _) in enumerate(CHECKED, 1))
    result = clean(body.getvalue(), tmp_path)
    assert reasons(result) == []
    assert amounts(result) == {str(i): Decimal(value) for i, (_, value) in enumerate(CHECKED, 1)}


def test_comma_shapes_with_spaces_still_read_in_a_file(tmp_path):
    text = 'order_id,amount,order_date\n1,"1 234,50 €",2025-05-01\n2,"1 000,10",2025-05-01\n3,"1.234,50-",2025-05-01\n'
    result = clean(text, tmp_path)  # three votes for a decimal comma
    assert reasons(result) == []
    assert amounts(result) == {"1": Decimal("1234.50"), "2": Decimal("1000.10"), "3": Decimal("-1234.50")}


# /tmp/bk9/cases/arabic_dates.csv (B9-3): day-first dates in Arabic-Indic digits.
ARABIC_DATES = """order_id,amount,order_date
1,10.00,١٣/٠٢/٢٠٢٥
2,10.00,١٤/٠٢/٢٠٢٥
3,10.00,٠١/٠٢/٢٠٢٥
4,10.00,١٥/٠٢/٢٠٢٥
"""


def test_dates_in_other_digit_scripts_vote_for_the_files_day_month_order(tmp_path):
    result = clean(ARABIC_DATES, tmp_path)
    d = result.decisions
    # 13/02, 14/02 and 15/02 read only day first: 3 votes to none, so 01/02 is 1 February, not 2 January.
    assert (d.date_order, d.date_order_assumed, d.date_order_votes) == ("DMY", False, {"DMY": 3, "MDY": 0})
    assert d.numeric_dates and d.date_format == "day/month/year"
    assert reasons(result) == []
    assert {k: r["order_date"] for k, r in kept_by_id(result).items()} == {
        "1": date(2025, 2, 13),
        "2": date(2025, 2, 14),
        "3": date(2025, 2, 1),
        "4": date(2025, 2, 15),
    }
    assert sum(amounts(result).values()) == Decimal("40.00")


# /tmp/bk9/cases/fullwidth.csv (B9-3): decimal-comma amounts and a day-first date in full-width digits.
FULLWIDTH = """order_id,amount,order_date
1,"１２,５０",2025-05-01
2,"１.２３４,５０",2025-05-01
3,10.00,１３/０２/２０２５
4,10.00,０１/０２/２０２５
"""


def test_full_width_cells_vote_as_their_ascii_equivalents(tmp_path):
    result = clean(FULLWIDTH, tmp_path)
    d = result.decisions
    # Amounts: `１２,５０` and `１.２３４,５０` read only with a decimal comma, `10.00` (twice) only with a
    # point: 2 to 2, so the setting (a point) and it says so; lines 2 and 3 read only the other way.
    assert d.decimal_separator_votes == {"point": 2, "comma": 2, "ambiguous": 0}
    assert (d.decimal_separator, d.decimal_separator_assumed) == (".", True)
    assert reasons(result) == [("2", "amount_format"), ("3", "amount_format")]
    # Dates: `１３/０２/２０２５` reads only day first: one vote, so `０１/０２/２０２５` is 1 February.
    assert (d.date_order, d.date_order_votes) == ("DMY", {"DMY": 1, "MDY": 0})
    assert {k: (r["amount"], r["order_date"]) for k, r in kept_by_id(result).items()} == {
        "3": (Decimal("10.00"), date(2025, 2, 13)),
        "4": (Decimal("10.00"), date(2025, 2, 1)),
    }


# /tmp/bk9/cases/arabic_amounts.csv (B9-3): a decimal-comma file in Arabic-Indic digits.
ARABIC_AMOUNTS = """order_id,amount,order_date
1,"١٢,٥٠",2025-05-01
2,"١.٢٣٤,٥٠",2025-05-01
3,"٣,٢٥",2025-05-01
"""


def test_amounts_in_other_digit_scripts_vote_for_the_decimal_separator(tmp_path):
    result = clean(ARABIC_AMOUNTS, tmp_path)
    d = result.decisions
    # 12,50 / 1.234,50 / 3,25: each reads only with a decimal comma.
    assert d.decimal_separator_votes == {"point": 0, "comma": 3, "ambiguous": 0}
    assert (d.decimal_separator, d.decimal_separator_assumed) == (",", False)
    assert reasons(result) == []
    assert amounts(result) == {"1": Decimal("12.50"), "2": Decimal("1234.50"), "3": Decimal("3.25")}
    assert result.amount_total == Decimal("1250.25")  # 12.50 + 1234.50 + 3.25


# Arabic-Indic digits with U+066B ARABIC DECIMAL SEPARATOR (٫) and U+066C ARABIC THOUSANDS SEPARATOR (٬):
# the marks say which they are, so the cells read the same in either convention and cast no vote;
# the file's convention comes from its one ASCII cell (line 6).
ARABIC_MARKED = """order_id,amount,order_date
1,١٢٫٥٠,2025-05-01
2,١٬٢٣٤٫٥٠,2025-05-01
3,٣٫٢٥,2025-05-01
4,١٬٠٠٠,2025-05-01
5,(١٬٢٣٤٬٥٦٧٫٨٩),2025-05-01
6,{ascii},2025-05-01
7,١٢٬٥٠,2025-05-01
"""


@pytest.mark.parametrize(("ascii_cell", "separator"), [('"1,234.5"', "."), ('"1.234,5"', ",")])
def test_arabic_decimal_and_thousands_marks_read_in_either_convention(tmp_path, ascii_cell, separator):
    result = clean(ARABIC_MARKED.format(ascii=ascii_cell), tmp_path)
    d = result.decisions
    assert (d.decimal_separator, d.decimal_separator_assumed) == (separator, False)
    assert d.decimal_separator_votes == {"point": int(separator == "."), "comma": int(separator == ","), "ambiguous": 0}
    # 12٫50 = 12.50; 1٬234٫50 = 1234.50; 3٫25 = 3.25; 1٬000 = 1000 (a thousands group, no decimals);
    # (1٬234٬567٫89) = -1234567.89; the ASCII cell 1234.50. Line 8 `12٬50`: a thousands mark before a
    # group of two is no amount (bad_amount).
    assert amounts(result) == {
        "1": Decimal("12.50"),
        "2": Decimal("1234.50"),
        "3": Decimal("3.25"),
        "4": Decimal("1000.00"),
        "5": Decimal("-1234567.89"),
        "6": Decimal("1234.50"),
    }
    assert reasons(result) == [("8", "bad_amount")]
    assert result.amount_total == Decimal("-1231083.14")  # 12.50 + 1234.50 + 3.25 + 1000 - 1234567.89 + 1234.50
