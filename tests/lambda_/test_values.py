from datetime import date
from decimal import Decimal

import pytest
from filter_and_process_orders.values import canonical_status, parse_amount, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("446.5", "446.50"),
        ("$1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("4626,15", "4626.15"),
        ("(12.00)", "-12.00"),
        ("  € 99 ", "99.00"),
        ("-50", "-50.00"),
        ("1,000", "1000.00"),
    ],
)
def test_amounts_parse_as_staff_write_them(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12-3", "1e400", "12abc", "99999999999"])
def test_unparseable_amounts_give_none(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2025-02-10", False, date(2025, 2, 10)),
        ("2013-07-25 00:00:00.0", False, date(2013, 7, 25)),
        ("11/21/2024", False, date(2024, 11, 21)),
        ("19/4/2012", True, date(2012, 4, 19)),
        ("05-Dec-17", False, date(2017, 12, 5)),
        ("26 May 2023", False, date(2023, 5, 26)),
        ("23 January 2023", False, date(2023, 1, 23)),
        ("31.12.24", False, date(2024, 12, 31)),
    ],
)
def test_dates_parse_in_the_formats_staff_send(text, day_first, expected):
    assert parse_date(text, day_first) == expected


def test_impossible_dates_give_none():
    assert parse_date("2025-02-30") is None
    assert parse_date("next tuesday") is None


@pytest.mark.parametrize(
    ("text", "expected"), [("CANCELLED", "cancelled"), ("canceled", "cancelled"), (" Shipped ", "shipped")]
)
def test_statuses_become_canonical_lower_case_words(text, expected):
    assert canonical_status(text) == expected
