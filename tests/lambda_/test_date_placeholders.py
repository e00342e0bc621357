"""A cell of the numeric date shape that reads as no date in either day/month order (`00/00/0000`) is
no numeric date: it opens no date order in an ISO file (review B9-7). Expected values by hand."""

import pytest
from filter_and_process_orders import decide
from filter_and_process_orders import text as text_module
from filter_and_process_orders.reasons import warnings_for

from tests.lambda_.test_cleaning import accounted, clean, kept_by_id, lines


@pytest.mark.parametrize("cell", ["00/00/0000", "31/02/2025", "13/13/2025", "01/01/1800"])
def test_a_placeholder_of_the_numeric_shape_is_no_numeric_date(tmp_path, cell):
    # Review B9-7's iso_garbage.csv (and cells of its shape that read as no date in either order, or a
    # year outside 1900-2999): the file's dates are ISO; line 4's cell is rejected bad_order_date and
    # opens no date order. Orders 1 + 2 + 4 = 1.00 + 2.00 + 4.00 = 7.00.
    body = lines(
        "order_id,amount,order_date",
        "1,1.00,2025-05-01",
        "2,2.00,2025-05-02",
        f"3,3.00,{cell}",
        "4,4.00,2025-05-03",
    )
    result = clean(body, tmp_path)
    assert accounted(result)
    assert {k: str(r["amount"]) for k, r in kept_by_id(result).items()} == {"1": "1.00", "2": "2.00", "4": "4.00"}
    assert result.rejected_reasons == {"bad_order_date": 1}
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
