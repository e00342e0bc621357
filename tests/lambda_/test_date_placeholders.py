"""A cell of the numeric date shape that reads as no date in either day/month order (`00/00/0000`) is
no numeric date: it opens no date order in an ISO file (review B9-7); nor is a cell of the
year-month-day shape that names no real day (`0000-00-00`) of that shape. Expected values by hand."""

from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from filter_and_process_orders import decide
from filter_and_process_orders import text as text_module
from filter_and_process_orders.dates import SHAPES
from filter_and_process_orders.reasons import warnings_for

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines


def placeholder_among(tmp_path, dates: tuple[str, str, str], cell: str):
    """A file of three orders dated `dates` and, on line 4, order 3 dated `cell`, a cell that reads as
    no date: it is rejected bad_order_date. Orders 1 + 2 + 4 = 1.00 + 2.00 + 4.00 = 7.00."""
    body = lines(
        "order_id,amount,order_date",
        f"1,1.00,{dates[0]}",
        f"2,2.00,{dates[1]}",
        f"3,3.00,{cell}",
        f"4,4.00,{dates[2]}",
    )
    result = clean(body, tmp_path)
    assert accounted(result)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"1": "1.00", "2": "2.00", "4": "4.00"}
    assert result.rejected_reasons == {"bad_order_date": 1}
    return result


@pytest.mark.parametrize("cell", ["00/00/0000", "31/02/2025", "13/13/2025", "01/01/1800"])
def test_a_placeholder_of_the_numeric_shape_is_no_numeric_date(tmp_path, cell):
    # Review B9-7's iso_garbage.csv (and cells of its shape that read as no date in either order, or a
    # year outside 1900-2999): the file's dates are ISO; the cell opens no date order.
    result = placeholder_among(tmp_path, ("2025-05-01", "2025-05-02", "2025-05-03"), cell)
    d = result.decisions
    assert (d.date_order, d.date_order_assumed, d.numeric_dates) == ("ISO", False, False)
    assert d.date_format == "year-month-day"
    assert "date_order_assumed" not in {w["code"] for w in warnings_for(result)}


def test_a_placeholder_after_the_sample_reopens_no_date_order(tmp_path, monkeypatch):
    # The same with the placeholder past the date sample (tiny chunks, a one-chunk sample): ISO stays.
    monkeypatch.setattr(text_module, "CHUNK_BYTES", 64)
    monkeypatch.setattr(decide, "EVIDENCE_CHUNKS", 1)
    rows = [f"{k},1.00,2025-05-{k:02}" for k in range(1, 21)]
    result = clean(lines("order_id,amount,order_date", *rows, "21,1.00,00/00/0000"), tmp_path)
    assert accounted(result) and result.orders == 20 and result.rejected_reasons == {"bad_order_date": 1}
    d = result.decisions
    assert (d.date_order, d.date_order_assumed, d.date_format) == ("ISO", False, "year-month-day")


@pytest.mark.parametrize("cell", ["0000-00-00", "2025-02-30", "2025-13-01", "1800-01-01", "2025-02-29", "00000000"])
def test_a_placeholder_of_the_year_month_day_shape_shows_no_format(tmp_path, cell):
    # A day-first file (13/02/2025 reads day first only: 3 DMY votes) with one cell of the
    # year-month-day (or yyyymmdd) shape that names no real day: the format shown is that of the dates
    # read only, "day/month/year" (not "..., year-month-day").
    d = placeholder_among(tmp_path, ("13/02/2025", "14/02/2025", "15/02/2025"), cell).decisions
    assert (d.date_order, d.date_order_votes) == ("DMY", {"DMY": 3, "MDY": 0})
    assert d.date_format == "day/month/year"


def test_a_real_day_of_the_year_month_day_shape_shows_its_format(tmp_path):
    # The counterpart: 2024-02-29 (a leap day) and 20240229 are real days, read and shown (most common
    # shape first: two day/month/year cells, one of each other).
    body = lines(
        "order_id,amount,order_date", "1,1.00,13/02/2025", "2,2.00,2024-02-29", "3,3.00,20240229", "4,4.00,14/02/2025"
    )
    result = clean(body, tmp_path)
    assert accounted(result) and result.orders == 4 and not result.rejected_reasons
    assert result.decisions.date_format == "day/month/year, year-month-day, yyyymmdd"


def test_the_year_month_day_shapes_are_real_days_by_the_calendar():
    # Every year 1890-3010, month 0-13 and day 0-32, padded or not, with each separator (and without
    # one, two digits each): a shape's cell counts exactly when the standard library's calendar has
    # that day in 1900-2999.
    cells, real = [], []
    for y in range(1890, 3011):
        for m in range(14):
            for d in range(33):
                try:
                    ok = 1900 <= y <= 2999 and bool(date(y, m, d))
                except ValueError:
                    ok = False
                for sep, month, day in (("-", f"{m:02}", f"{d:02}"), ("/", str(m), str(d)), (".", f"{m}", f"{d:02}")):
                    cells.append(f"{y}{sep}{month}{sep}{day}")
                    real.append(ok)
                cells.append(f"{y}{m:02}{d:02}")
                real.append(ok)
    column = pa.array(cells)
    found = pc.or_(*(pc.match_substring_regex(column, SHAPES[n][0]) for n in ("ymd", "compact")))
    assert found.to_pylist() == real
