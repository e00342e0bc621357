"""Two-digit years at either end of a numeric date (review B14-1): `24-11-30` is read with the year
last, as every numeric date is, and a file whose dates could as well put the year first says so. The
values are worked out by hand from the README's rules."""

from datetime import date

import pyarrow as pa
import pytest
from filter_and_process_orders import decide
from filter_and_process_orders.reasons import warnings_for
from filter_and_process_orders.year_order import year_first_doubt

from tests.lambda_.test_shapes import clean, orders

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("cells", "day_first", "expected"),
    [
        # year last: 2030-11-24 (after today), 2015-12-24, 2003-01-25, 2020-05-25; first: 2024-11-30 ... 2025-05-20
        (["24-11-30", "24-12-15", "25-01-03", "25-05-20"], True, (4, "24-11-30")),
        (["24-11-30", "15-01-99"], True, (0, "")),  # 15-01-99 has no day 99 year first: the year is last
        (["30-11-24", "13-02-24"], True, (0, "")),  # year first 30-11-24 is 2030-11-24, after today
        (["13-02-24", "2025-01-01T10:00", None, ""], True, (1, "13-02-24")),  # 2024-02-13 or 2013-02-24
        (["11/30/24", "12/01/24"], False, (0, "")),  # month first: 11/30/24 has no month 30 year first
        (["13/02/2024", "1.2.24"], True, (0, "")),  # a four-digit year, a one-digit first part: no doubt
    ],
)
def test_a_files_two_digit_years_are_doubted_only_when_both_ends_read_as_past_days(cells, day_first, expected):
    assert year_first_doubt(pa.array(cells, pa.string()), day_first, TODAY) == expected


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(decide, "today", lambda: TODAY)


def test_the_reviews_year_first_dates_are_read_year_last_and_said(tmp_path):
    text = "order_id,amount,status,order_date\n1,10.00,shipped,24-11-30\n2,20.00,pending,24-12-15\n"
    text += "3,30.00,shipped,25-01-03\n4,40.00,pending,25-05-20\n"
    result = clean(text, tmp_path)
    assert {k: str(r["order_date"]) for k, r in orders(result).items()} == {
        "1": "2030-11-24",
        "2": "2015-12-24",
        "3": "2003-01-25",
        "4": "2020-05-25",
    }
    warning = {w["code"]: w for w in warnings_for(result)}["two_digit_year_assumed"]
    assert (warning["count"], warning["example"]) == (4, "24-11-30")
    assert "read as 2030-11-24; year first: 2024-11-30" in warning["text"]


def test_day_first_dates_of_this_decade_are_not_doubted(tmp_path):
    # 31-12-24 year first would be 2031-12-24, after today: the year is last, as read.
    text = "order_id,amount,status,order_date\n1,10.00,shipped,30-11-24\n2,20.00,shipped,31-12-24\n"
    result = clean(text, tmp_path)
    assert {k: str(r["order_date"]) for k, r in orders(result).items()} == {"1": "2024-11-30", "2": "2024-12-31"}
    assert "two_digit_year_assumed" not in {w["code"] for w in warnings_for(result)}
