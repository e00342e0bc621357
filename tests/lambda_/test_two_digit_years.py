"""Where a numeric date's two-digit year stands (`24-11-30`: yy-mm-dd or dd-mm-yy) is decided once per
file from cells that read one way only; with none the year is read last and the file says so (review
B14-1). Values computed by hand, as of 2025-06-01 (a pending order over 30 days old is stale)."""

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler
from filter_and_process_orders.years import year_place

from tests.lambda_.test_handler import manifest_for, put_raw, read_parquet, s3_event


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


REVIEW = "order_id,amount,status,order_date\n"
REVIEW += "1,10.00,shipped,24-11-30\n2,20.00,pending,24-12-15\n3,30.00,shipped,25-01-03\n4,40.00,pending,25-05-20\n"


def cleaned(name: str, text: str) -> tuple[dict, dict]:
    key = f"raw/2025/06/01/{name}__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, text.encode(), {"as-of": "2025-06-01"})))
    manifest = manifest_for(key)
    rows = [r for k in manifest["outputs"] for r in read_parquet(k).to_pylist()]
    return manifest, {r["order_id"]: r["order_date"] for r in rows}


def warning(manifest: dict, code: str) -> dict | None:
    found = [w for w in manifest["warnings"] if w["code"] == code]
    return found[0] if found else None


def test_cells_vote_for_the_year_first_only_when_they_read_one_way_only():
    cells = pa.array(["24-11-30", "99-01-15", "15-01-99", "12/31/24", "1/2/25", "30.11.24", "2024-11-30"])
    # 99-01-15 first only; 15-01-99 and 12/31/24 last only; 24-11-30 and 1/2/25 both; dotted and ISO none
    assert year_place(cells) == {"first": 1, "last": 2, "both": 2}


def test_yy_mm_dd_dates_that_do_not_tell_are_read_year_last_with_a_warning_naming_the_other_reading():
    manifest, dates = cleaned("yymmdd", REVIEW)
    # today's reading, day first (24 > 12): 24 Nov 2030, 24 Dec 2015, 25 Jan 2003, 25 May 2020
    assert dates == {"1": date(2030, 11, 24), "2": date(2015, 12, 24), "3": date(2003, 1, 25), "4": date(2020, 5, 25)}
    assert manifest["status"] == "processed_with_warnings"
    said = warning(manifest, "two_digit_year_assumed")
    assert (said["count"], said["example"]) == (4, "24-11-30")
    assert said["text"].endswith("such as “24-11-30”, read as 2030-11-24; year first: 2024-11-30")


def test_a_date_whose_first_field_is_no_day_or_month_reads_the_file_year_first():
    manifest, dates = cleaned("yymmdd-99", REVIEW + "5,5.00,pending,99-01-15\n")
    assert dates == {
        "1": date(2024, 11, 30), "2": date(2024, 12, 15), "3": date(2025, 1, 3), "4": date(2025, 5, 20),
        "5": date(1999, 1, 15),
    }  # fmt: skip
    # orders 2 (pending since 15 Dec 2024) and 5 are stale: 10 + 30 + 40 counted
    assert (Decimal(manifest["amount_counted"]), manifest["rows_stale"]) == (Decimal("80.00"), 2)
    assert (manifest["date_order"], manifest["date_format"], manifest["date_order_assumed"]) == (
        "YMD",
        "yy-mm-dd",
        False,
    )
    assert (manifest["status"], manifest["warnings"]) == ("processed", [])


def test_a_last_field_that_is_no_day_decides_year_last_without_a_warning():
    text = "order_id,amount,status,order_date\n1,10.00,shipped,30-11-24\n2,20.00,shipped,15-01-99\n"
    manifest, dates = cleaned("ddmmyy-99", text)
    assert dates == {"1": date(2024, 11, 30), "2": date(1999, 1, 15)}
    assert (manifest["status"], manifest["warnings"]) == ("processed", [])


def test_one_year_first_date_among_more_year_last_ones_is_rejected_not_a_decision():
    text = "order_id,amount,status,order_date\n1,10.00,shipped,15-01-99\n2,20.00,shipped,16-01-98\n"
    text += "3,30.00,shipped,99-01-15\n"
    manifest, dates = cleaned("ddmmyy-98", text)
    assert dates == {"1": date(1999, 1, 15), "2": date(1998, 1, 16)}
    assert (manifest["rows_rejected"], [r["code"] for r in manifest["reasons"]]) == (1, ["bad_order_date"])
