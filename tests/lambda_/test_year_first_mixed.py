"""Two-digit years read first (yy-mm-dd) beside dates with four-digit years (review B15-1..3): the
year place decides only the two-digit-year dates; the file's other numeric dates keep the day/month
order their own votes decide (README, Dates). Values by hand."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow.parquet as pq
from filter_and_process_orders.cleaning import Rules, clean_stream
from filter_and_process_orders.reasons import warnings_for

RULES = Rules(date(2025, 6, 1), frozenset({"pending"}), 30)
HEADER = "order_id,amount,status,order_date\n"


def clean(rows: str, tmp_path):
    result = clean_stream(
        io.BytesIO((HEADER + rows).encode()),
        rules=RULES,
        workdir=tmp_path,
        source_key="raw/t.csv",
        ingested_at=datetime(2025, 6, 1, tzinfo=UTC),
    )
    orders = [r for m in sorted(result.months) for r in pq.read_table(result.months[m]).to_pylist()]
    rejected = list(csv.reader(io.StringIO(result.rejected_path.read_text())))[1:] if result.rejected_path else []
    return result, {o["order_id"]: o["order_date"] for o in orders}, rejected


def test_one_year_first_date_leaves_the_day_first_vote_of_the_other_dates(tmp_path):
    # 13/02, 14/02, 15/02/2025 read only day first (3 votes); 99-01-15 reads only year first. Before: the
    # whole file "YMD", the three rejected as month first, 01/03/2025 read 2025-01-03, 20.00 in all.
    rows = "1,10.00,shipped,13/02/2025\n2,10.00,shipped,14/02/2025\n3,10.00,shipped,15/02/2025\n"
    rows += "4,10.00,shipped,01/03/2025\n5,10.00,shipped,99-01-15\n"
    result, dates, rejected = clean(rows, tmp_path)
    assert dates == {
        "1": date(2025, 2, 13),
        "2": date(2025, 2, 14),
        "3": date(2025, 2, 15),
        "4": date(2025, 3, 1),
        "5": date(1999, 1, 15),
    }
    assert (result.amount_total, rejected) == (Decimal("50.00"), [])
    d = result.decisions
    assert (d.date_order, d.year_first, d.date_order_votes) == ("DMY", True, {"DMY": 3, "MDY": 0})
    assert d.date_format == "day/month/year, yy-mm-dd"


def test_a_dotted_date_still_votes_day_first_beside_year_first_dates(tmp_path):
    rows = "1,10.00,shipped,13.02.2025\n2,10.00,shipped,01.03.2025\n"
    rows += "3,10.00,shipped,99-01-15\n4,10.00,shipped,01/03/2025\n"
    _, dates, _ = clean(rows, tmp_path)
    assert dates == {"1": date(2025, 2, 13), "2": date(2025, 3, 1), "3": date(1999, 1, 15), "4": date(2025, 3, 1)}


def test_no_vote_among_the_other_dates_is_assumed_and_said(tmp_path):
    # 05/06/2025 reads both ways and nothing else votes: the setting (month first here) and the warning.
    rows = "1,10.00,shipped,99-01-15\n2,20.00,shipped,2025-05-20\n"
    rows += "3,30.00,shipped,24-11-30\n4,4.00,shipped,05/06/2025\n"
    result, dates, _ = clean(rows, tmp_path)
    assert dates == {"1": date(1999, 1, 15), "2": date(2025, 5, 20), "3": date(2024, 11, 30), "4": date(2025, 5, 6)}
    assert (result.decisions.date_order, result.decisions.date_order_assumed) == ("MDY", True)
    assert "date_order_assumed" in {w["code"] for w in warnings_for(result)}


def test_a_date_of_the_year_last_in_a_year_first_file_is_told_so(tmp_path):
    rows = "1,10.00,shipped,24-11-30\n2,20.00,shipped,25-05-20\n3,30.00,shipped,99-01-15\n"
    rows += "4,40.00,shipped,98-02-16\n5,50.00,shipped,15-01-99\n"
    result, dates, rejected = clean(rows, tmp_path)
    assert (result.decisions.date_order, result.amount_total) == ("YMD", Decimal("100.00"))
    assert rejected == [
        [
            "6",
            "bad_order_date",
            "order_date 15-01-99 reads only with the year last; this file's two-digit years come first",
            "5",
            "50.00",
            "shipped",
            "15-01-99",
        ]
    ]


def test_a_file_of_year_first_only_dates_names_its_format(tmp_path):
    rows = "1,10.00,shipped,70-01-15\n2,20.00,shipped,69-12-20\n"
    rows += "3,30.00,shipped,99-01-15\n4,4.00,shipped,00-02-29\n"
    result, dates, _ = clean(rows, tmp_path)
    assert dates == {"1": date(1970, 1, 15), "2": date(2069, 12, 20), "3": date(1999, 1, 15), "4": date(2000, 2, 29)}
    assert (result.decisions.date_order, result.decisions.date_format) == ("YMD", "yy-mm-dd")
