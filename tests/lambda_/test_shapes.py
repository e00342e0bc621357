"""The export shapes staff really have, each with its right totals worked out by hand (issue 12)."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from filter_and_process_orders import text as text_module
from filter_and_process_orders.blocks import skip_lines
from filter_and_process_orders.cleaning import Rules, clean_stream
from filter_and_process_orders.reasons import warnings_for

RULES = Rules(date(2025, 6, 1), frozenset({"pending", "cancelled"}), 30)


def clean(text: str, tmp_path, rules: Rules = RULES, **kwargs):
    workdir = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    workdir.mkdir()
    body = text.encode() if isinstance(text, str) else text
    result = clean_stream(
        io.BytesIO(body),
        rules=rules,
        workdir=workdir,
        source_key="raw/t.csv",
        ingested_at=datetime(2025, 6, 1, tzinfo=UTC),
        **kwargs,
    )
    parts = (result.rows_rejected, result.duplicates, result.superseded, result.merged, result.orders)
    assert result.rows_in == sum(parts)
    return result


def orders(result) -> dict[str, dict]:
    rows = [r for month in sorted(result.months) for r in pq.read_table(result.months[month]).to_pylist()]
    return {r["order_id"]: r for r in rows}


def total(result) -> Decimal:
    return sum((r["amount"] for r in orders(result).values()), Decimal(0))


def rejected(result) -> list[list[str]]:
    return list(csv.reader(io.StringIO(result.rejected_path.read_text())))[1:] if result.rejected_path else []


LINE_ITEMS = """Row ID,Order ID,Order Date,Customer Name,Product Name,Sales,Quantity
1,US-1001,3/14/2025,Ida Lane,Desk lamp,45.50,1
2,US-1001,3/14/2025,Ida Lane,Paper pack,12.25,5
3,US-1002,3/15/2025,Omar Vale,Monitor arm,89.99,1
4,US-1003,3/16/2025,Ida Lane,Chair mat,30.00,2
5,US-1003,3/16/2025,Ida Lane,Cable ties,4.75,3
"""


def test_a_line_item_export_sums_its_lines_into_three_orders(tmp_path):
    result = clean(LINE_ITEMS, tmp_path)
    assert result.grain == "line_items"
    got = {k: (r["amount"], r["quantity"], r["line_count"], r["source_line"]) for k, r in orders(result).items()}
    assert got == {
        "US-1001": (Decimal("57.75"), 6, 2, 2),  # 45.50 + 12.25, 1 + 5
        "US-1002": (Decimal("89.99"), 1, 1, 4),
        "US-1003": (Decimal("34.75"), 5, 2, 5),  # 30.00 + 4.75, 2 + 3
    }
    assert total(result) == Decimal("182.49") == result.amount_total
    assert (result.rows_in, result.merged, result.orders) == (5, 2, 3)
    assert orders(result)["US-1001"]["order_date"] == date(2025, 3, 14)
    assert result.evidence.orders_with_differing_lines == 2


def test_an_orders_amount_is_the_exact_sum_of_its_lines_rounded_once(tmp_path):
    text = "Order ID,Product,Sales,Order Date\n"
    text += "E-1,Pen,10.005,2025-03-01\nE-1,Ink,20.005,2025-03-01\nE-1,Pad,0.004,2025-03-01\n"  # 30.014
    text += "E-2,Pen,1.005,2025-03-02\n"  # one cell, rounded once: half away from zero
    text += "E-3,Pen,-2.0049,2025-03-03\nE-3,Ink,-0.0001,2025-03-03\n"  # -2.005
    got = {k: r["amount"] for k, r in orders(clean(text, tmp_path)).items()}
    # Line by line it would be 10.01 + 20.01 + 0.00 = 30.02, and -2.00 + -0.00 = -2.00.
    assert got == {"E-1": Decimal("30.01"), "E-2": Decimal("1.01"), "E-3": Decimal("-2.01")}


def test_a_line_item_order_records_every_physical_line_it_summed(tmp_path):
    lines = {k: r["source_lines"] for k, r in orders(clean(LINE_ITEMS, tmp_path)).items()}
    # the header is line 1: US-1001 is lines 2-3, US-1003 lines 5-6; a one-line order has none
    assert lines == {"US-1001": "2,3", "US-1002": None, "US-1003": "5,6"}


def test_staff_can_override_the_grain_of_a_file(tmp_path):
    result = clean(LINE_ITEMS, tmp_path, grain="history")
    assert result.grain == "history" and result.superseded == 2
    assert orders(result)["US-1001"]["amount"] == Decimal("12.25")  # the last line, as asked


def test_an_exact_duplicate_line_counts_once(tmp_path):
    text = "order_id,customer,amount,status,order_date\n"
    text += "A-1,Kim,10.00,shipped,2025-02-01\nA-1,Kim,10.00,shipped,2025-02-01\nA-2,Lee,5.00,shipped,2025-02-02\n"
    result = clean(text, tmp_path)
    assert (len(orders(result)), total(result), result.duplicates, result.grain) == (2, Decimal("15.00"), 1, "order")


def test_rows_alike_in_every_number_but_not_in_their_text_are_not_exact_duplicates(tmp_path):
    text = "order_id,customer,amount,status,order_date\n"
    text += "A-1,Kim,10.00,pending,2025-02-01\nA-1,Kim,10.00,shipped,2025-02-01\nA-1,Kim,10.00,pending,2025-02-01\n"
    text += "B-1,Lee,5.00,shipped,2025-02-02\nB-1,Lea,5.00,shipped,2025-02-02\n"
    result = clean(text, tmp_path)
    # A-1's first line is a copy of its last; B-1's lines differ in the customer only: history, last wins.
    assert (result.grain, result.duplicates, result.superseded, result.orders) == ("history", 1, 2, 2)
    got = {k: (r["customer"], r["status"], r["source_line"]) for k, r in orders(result).items()}
    # A-1 first appears on line 2 (its copy on line 4 is the one kept, as the last).
    assert got == {"A-1": ("Kim", "pending", 2), "B-1": ("Lea", "shipped", 5)}
    assert total(result) == Decimal("15.00")


def test_a_continuation_line_exported_twice_counts_once(tmp_path):
    text = "Order ID,Product,Sales,Order Date\n"
    text += "E-1,Pen,10.00,2025-03-01\nE-1,Ink,,2025-03-01\nE-1,Ink,,2025-03-01\nE-2,Pen,1.00,2025-03-02\n"
    result = clean(text, tmp_path)
    assert (result.grain, result.duplicates, result.merged, result.orders) == ("line_items", 1, 1, 2)
    got = {k: (r["amount"], r["line_count"], r["source_lines"]) for k, r in orders(result).items()}
    assert got == {"E-1": (Decimal("10.00"), 2, "2,3"), "E-2": (Decimal("1.00"), 1, None)}  # Ink first on line 3


def test_a_semicolon_file_with_decimal_commas_reads_thousands_dots_as_thousands(tmp_path):
    text = "Order No;Client;Total;Status;Date\n"
    text += "1;Ann;1.250,00;shipped;2025-05-01\n2;Bob;980;shipped;2025-05-02\n"
    text += "3;Cy;2.005;shipped;2025-05-03\n4;Di;12,40;shipped;2025-05-04\n"
    result = clean(text, tmp_path)
    assert result.decisions.decimal_separator == "," and not result.decisions.decimal_separator_assumed
    assert orders(result)["3"]["amount"] == Decimal("2005.00")  # two thousand and five here
    assert total(result) == Decimal("4247.40")  # 1250 + 980 + 2005 + 12.40


def test_a_thousands_comma_beside_a_decimal_point_is_a_thousand(tmp_path):
    result = clean('order_id,amount,order_date\nA,"1,250",2025-05-01\nB,12.40,2025-05-01\n', tmp_path)
    assert total(result) == Decimal("1262.40")


def test_a_file_with_only_ambiguous_amounts_uses_the_setting_and_says_so(tmp_path):
    text = "order_id,amount,order_date\nA,1.234,2025-05-01\nB,959,2025-05-01\n"
    point = clean(text, tmp_path)
    assert point.decisions.decimal_separator_assumed and total(point) == Decimal("960.23")  # 1.234 -> 1.23
    comma = clean(text, tmp_path, Rules(date(2025, 6, 1), frozenset(), 30, decimal_comma_default=True))
    assert comma.decisions.decimal_separator_assumed and total(comma) == Decimal("2193.00")  # 1234 + 959


def test_cells_that_contradict_the_files_decimal_separator_are_rejected_not_reread(tmp_path):
    text = 'order_id,amount,order_date\nA,"3610,848",2025-05-01\nB,"959,984",2025-05-01\nC,"4626,15",2025-05-01\n'
    text += "D,12.5,2025-05-01\n"
    result = clean(text, tmp_path)
    assert result.decisions.decimal_separator == ","
    assert total(result) == Decimal("9196.98")  # 3610.85 + 959.98 + 4626.15, cents rounded half away from zero
    assert [r[:3] for r in rejected(result)] == [
        ["5", "amount_format", "amount written with the other decimal separator than the rest of the file: 12.5"]
    ]


def test_a_deciding_amount_after_the_sample_still_decides_the_files_separator(tmp_path, monkeypatch):
    monkeypatch.setattr(text_module, "CHUNK_BYTES", 90)  # the sample (4 chunks) ends near line 12
    text = "Order ID;Customer;Status;Order Date;Total\n"
    text += "".join(f"N{i};Kim;shipped;2025-01-02;{i + 1}.{i:03d}\n" for i in range(12))  # 1.000 .. 12.011
    text += "L1;Kim;shipped;2025-01-02;12,50\nL2;Kim;shipped;2025-01-02;7,25\n"  # lines 14-15 decide
    result = clean(text, tmp_path)
    assert result.decisions.decimal_separator == "," and not result.decisions.decimal_separator_assumed
    # By hand: sum(i + 1 for i < 12) * 1000 + sum(i) = 78000 + 66 thousands-dotted, + 12.50 + 7.25.
    assert (result.orders, total(result), rejected(result)) == (14, Decimal("78085.75"), [])


def test_a_deciding_date_after_the_sample_still_decides_the_files_date_order(tmp_path, monkeypatch):
    monkeypatch.setattr(text_module, "CHUNK_BYTES", 90)
    text = "Order ID,Customer,Status,Order Date,Total\n"
    text += "".join(f"N{i},Kim,shipped,{i + 1:02d}/02/2025,1.00\n" for i in range(12))  # both readings valid
    text += "L1,Kim,shipped,25/03/2025,1.00\n"  # line 14: day first only
    result = clean(text, tmp_path)
    assert result.decisions.date_order == "DMY" and not result.decisions.date_order_assumed
    found = orders(result)
    assert (found["N0"]["order_date"], found["N11"]["order_date"]) == (date(2025, 2, 1), date(2025, 2, 12))
    assert found["L1"]["order_date"] == date(2025, 3, 25) and rejected(result) == []


def test_numeric_dates_that_first_appear_after_an_iso_sample_are_decided_by_their_own_deciding_cell(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(text_module, "CHUNK_BYTES", 90)
    text = "Order ID,Customer,Status,Order Date,Total\n"
    text += "".join(f"I{i},Kim,shipped,2025-05-{i + 1:02d},1.00\n" for i in range(14))  # the sample: ISO only
    text += "A1,Kim,shipped,05/06/2025,1.00\nA2,Kim,shipped,07/04/2025,1.00\n"  # both readings valid
    text += "".join(f"J{i},Kim,shipped,2025-05-{i + 1:02d},1.00\n" for i in range(6))
    text += "L1,Kim,shipped,13/05/2025,1.00\n"  # day first only: decides A1, A2 too
    result = clean(text, tmp_path)
    assert result.decisions.date_order == "DMY" and not result.decisions.date_order_assumed
    found = orders(result)
    assert (found["A1"]["order_date"], found["A2"]["order_date"]) == (date(2025, 6, 5), date(2025, 4, 7))
    assert (found["L1"]["order_date"], found["I0"]["order_date"]) == (date(2025, 5, 13), date(2025, 5, 1))
    assert rejected(result) == [] and result.orders == 23


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_title_and_a_blank_line_before_the_header_are_skipped_and_line_numbers_stay(tmp_path, newline):
    text = newline.join(
        [
            "Orders export — generated 2025-03-05 10:00",
            "",
            "order_id,customer,amount,order_date",
            "A1,Ann,10.00,2025-03-01",
            "A2,Bob,oops,2025-03-02",
            "A3,Cy,2.50,2025-03-03",
            "",
        ]
    )
    result = clean(text, tmp_path)
    assert (result.header_line, [s["line"] for s in result.skipped_lines]) == (3, [1, 2])
    assert {k: r["source_line"] for k, r in orders(result).items()} == {"A1": 4, "A3": 6}
    assert [r[:2] for r in rejected(result)] == [["5", "bad_amount"]]
    assert total(result) == Decimal("12.50")


def test_a_title_ended_by_a_bare_cr_is_a_line_of_its_own(tmp_path):
    # "Export\r" is line 1 (a bare CR ends a line, as for the csv module and source_line): the
    # header is line 2, the orders lines 3 and 4. Before, the title and the header were one line,
    # and the file was rejected for a missing column.
    result = clean("Export\rorder_id,amount,order_date\nA1,1.00,2025-05-20\nA2,2.00,2025-05-20\n", tmp_path)
    assert (result.header_line, [s["line"] for s in result.skipped_lines]) == (2, [1])
    assert {k: r["source_line"] for k, r in orders(result).items()} == {"A1": 3, "A2": 4}
    assert total(result) == Decimal("3.00")


@pytest.mark.parametrize(
    "blocks",
    [[b"Title\r\nSub\rH\nA"], [b"Title\r", b"\nSub\r", b"H\nA"], [b"Title\r", b"\n", b"Sub\r", b"\r", b"H\nA"]],
    ids=["one block", "a CRLF cut at a block's end", "a CRLF cut, then two bare CRs"],
)
def test_skipping_the_preamble_counts_a_crlf_cut_at_a_block_end_once(blocks):
    count = 2 if len(blocks) < 5 else 3  # the last case has an empty line (the second bare CR)
    assert b"".join(skip_lines(iter(blocks), count)) == b"H\nA"


def test_an_excel_sep_hint_fixes_the_delimiter_and_is_skipped(tmp_path):
    text = "sep=|\norder_id|amount|order_date|note\nA1|1,5|2025-03-01|a;b\nA2|2|2025-03-02|c,d\n"
    result = clean(text, tmp_path)
    assert (result.delimiter, result.header_line, result.unmapped) == ("|", 2, ["note"])
    assert total(result) == Decimal("3.50")


def test_placeholders_are_empty_and_a_placeholder_amount_is_a_missing_amount(tmp_path):
    text = "order_id,customer,amount,status,order_date\nA1,#N/A,10.00,None,2025-05-01\nA2,NULL,-,shipped,2025-05-01\n"
    result = clean(text, tmp_path)
    assert {k: (r["customer"], r["status"]) for k, r in orders(result).items()} == {"A1": (None, None)}
    assert [r[:3] for r in rejected(result)] == [["3", "missing_amount", "missing amount"]]


def test_ids_mangled_by_a_spreadsheet_are_rejected_and_never_deduplicated(tmp_path):
    text = "order_id,customer,amount,order_date\n4.40213E+11,Ann,1.00,2025-05-01\n4.40213E+11,Bob,2.00,2025-05-01\n"
    text += "440213000001,Cy,3.00,2025-05-01\n"
    result = clean(text, tmp_path)
    assert list(orders(result)) == ["440213000001"]
    assert [r[:2] for r in rejected(result)] == [["2", "mangled_id"], ["3", "mangled_id"]]
    assert (result.duplicates, result.superseded) == (0, 0)


def test_shopify_continuation_lines_without_an_amount_belong_to_their_order(tmp_path):
    text = "Name,Email,Financial Status,Total,Created at,Lineitem quantity,Lineitem name\n"
    text += "#1001,a@x.io,paid,30.00,2025-05-01 10:00:00 +0200,1,Mug\n"
    text += "#1001,a@x.io,,,2025-05-01 10:00:00 +0200,2,Tea\n"
    text += "#1002,b@x.io,paid,12.00,2025-05-02 11:00:00 +0200,1,Mug\n"
    text += "#1003,c@x.io,paid,,2025-05-03 11:00:00 +0200,1,Mug\n"
    mapping = {"order_id": "Name", "amount": "Total", "order_date": "Created at"}
    result = clean(text, tmp_path, explicit_mapping=mapping)
    assert result.grain == "line_items"
    got = {k: (r["amount"], r["quantity"], r["line_count"], r["status"]) for k, r in orders(result).items()}
    assert got == {"#1001": (Decimal("30.00"), 3, 2, "paid"), "#1002": (Decimal("12.00"), 1, 1, "paid")}
    assert [r[:2] for r in rejected(result)] == [["5", "missing_amount"]]  # no line of #1003 has an amount


@pytest.mark.parametrize("chunk_bytes", [None, 90])
def test_rejected_rows_are_written_in_physical_line_order(tmp_path, monkeypatch, chunk_bytes):
    if chunk_bytes:  # several chunks: a continuation line rejected at the end lands between them
        monkeypatch.setattr(text_module, "CHUNK_BYTES", chunk_bytes)
    text = "Order ID,Total,Order Date,Product\n"
    text += "#1,10.00,2025-05-01,Mug\n#1,,2025-05-01,Tea\n"  # lines 2-3: one order
    text += "#2,,2025-05-02,Mug\n"  # line 4: no line of #2 has an amount, known only at the end
    text += "#3,abc,2025-05-03,Mug\n#4,5.00,2025-05-04,Mug\n#4,6.00,2025-05-04,Tea\n"  # line 5: bad amount
    text += "#5,,2025-05-05,Mug\n#6,1.00,,Mug\n"  # line 8 held back, line 9 without a date
    result = clean(text, tmp_path)
    assert [r[:2] for r in rejected(result)] == [
        ["4", "missing_amount"],
        ["5", "bad_amount"],
        ["8", "missing_amount"],
        ["9", "missing_order_date"],
    ]
    assert [r["line"] for r in result.rejected_sample] == [4, 5, 8, 9]


def test_doubtful_values_are_kept_and_warned_about_with_counts_and_lines(tmp_path):
    wild = Path(__file__).resolve().parents[1] / "data" / "wild" / "9124205067-cmyk__dbt-dq-monitor__data_orders.csv"
    # Ids 1.0-8.0 on lines 2-9, -50 on line 4, status INVALID on line 6; line 10 has no id (rejected).
    # Line 11 (no date) is held back as a possible line of order 9, then rejected `missing_order_date` (9 has
    # no date on any line): it is in no order, so its id and status are not counted (review B9-8).
    extra = b"9.0,Judy,10,BOGUS,\n10.0,Ken,20,Invalid,2024-01-10\n"
    result = clean(wild.read_bytes() + extra, tmp_path)
    assert (result.orders, result.amount_total) == (9, Decimal("3270.00"))  # 3250 by hand (-50 counted), + 20
    warnings = {w["code"]: w for w in warnings_for(result)}
    assert {k: (w["count"], w["lines"]) for k, w in warnings.items() if "lines" in w} == {
        "negative_amounts": (1, [4]),
        "float_like_ids": (9, [2, 3, 4, 5, 6]),
        "unknown_statuses": (2, [6, 12]),  # each its order's only line
    }
    assert warnings["unknown_statuses"]["words"] == {"invalid": 2}  # INVALID and Invalid
    said_text = "kept as written: 1 word on 2 lines: invalid (2 lines); e.g. lines 6, 12"
    assert warnings["unknown_statuses"]["text"].endswith(said_text)
    assert dict(result.rejected_reasons) == {"missing_order_id": 1, "missing_order_date": 1}


def test_an_orders_history_keeps_its_last_row_so_a_later_cancellation_wins(tmp_path):
    text = "order_id,amount,status,order_date\nA1,10.00,shipped,2025-01-10\nA2,4.00,shipped,2025-01-11\n"
    text += "A1,10.00,cancelled,2025-01-20\n"
    result = clean(text, tmp_path)
    got = {k: (r["status"], r["stale"], r["source_line"]) for k, r in orders(result).items()}
    assert result.grain == "history" and result.superseded == 1
    # The cancellation supersedes first, then the stale rule flags it (it is not dropped).
    assert got == {"A1": ("cancelled", True, 2), "A2": ("shipped", False, 3)}
    assert (result.rows_out, result.orders_stale, result.amount_counted) == (1, 1, Decimal("4.00"))


def test_optional_dimensions_are_kept_when_an_export_has_them(tmp_path):
    text = "Order ID,Order Date,Sales,Category,Region,Country,Channel\nX1,2025-05-01,5,Office,West,US,web\n"
    row = orders(clean(text, tmp_path))["X1"]
    assert (row["category"], row["region"], row["country"], row["channel"]) == ("Office", "West", "US", "web")


TOO_LARGE = "amount past 9,999,999,999.99, the most an amount holds (one line, or an order's lines summed)"
BAD = "unparseable amount"


@pytest.mark.parametrize(
    ("text", "grain", "kept", "rejects"),
    [
        (  # one row per order, decimal point: a cent past the largest amount, either sign
            "order_id,amount,status,order_date\nA1,10000000000.00,shipped,2025-01-02\n"
            "A2,9999999999.99,shipped,2025-01-02\nA3,12.3.4,shipped,2025-01-02\nA4,-10000000000.00,shipped,2025-01-02\n",
            "order",
            {"A2": "9999999999.99"},
            [("2", TOO_LARGE, "10000000000.00"), ("4", BAD, "12.3.4"), ("5", TOO_LARGE, "-10000000000.00")],
        ),
        (  # decimal comma (1.234,56 decides it), thousands dots
            "order_id;amount;status;order_date\nB1;10.000.000.000,00;shipped;2025-01-02\n"
            "B2;1.234,56;shipped;2025-01-02\nB3;12,5x;shipped;2025-01-02\n",
            "order",
            {"B2": "1234.56"},
            [("2", TOO_LARGE, "10.000.000.000,00"), ("4", BAD, "12,5x")],
        ),
        (  # line items: that line is rejected, as any line is, and its order keeps its other lines
            "Order ID,Product,Sales,Order Date\nL1,p1,99999999999999.99,2025-01-02\nL1,p2,5.00,2025-01-02\n"
            "L2,p1,1.00,2025-01-02\nL2,p2,2.00,2025-01-02\n",
            "line_items",
            {"L1": "5.00", "L2": "3.00"},
            [("2", TOO_LARGE, "99999999999999.99")],
        ),
        (  # an order's history: the row is rejected, its order's earlier row stays the latest
            "order_id,amount,status,order_date\nH1,5.00,processing,2025-01-02\nH1,10000000000.00,shipped,2025-01-03\n"
            "H2,1.00,processing,2025-01-02\nH2,2.00,shipped,2025-01-05\n",
            "history",
            {"H1": "5.00", "H2": "2.00"},
            [("3", TOO_LARGE, "10000000000.00")],
        ),
    ],
)
def test_a_well_formed_amount_past_the_largest_is_rejected_as_too_large_with_its_line_in_every_grain(
    tmp_path, text, grain, kept, rejects
):
    result = clean(text, tmp_path)
    assert result.grain == grain
    assert {k: v["amount"] for k, v in orders(result).items()} == {k: Decimal(v) for k, v in kept.items()}
    codes = {TOO_LARGE: "amount_too_large", BAD: "bad_amount"}
    assert [r[:3] for r in rejected(result)] == [[line, codes[why], f"{why}: {cell}"] for line, why, cell in rejects]
    counted = {code: [codes[why] for _, why, _ in rejects].count(code) for code in codes.values()}
    assert dict(result.rejected_reasons) == {code: n for code, n in counted.items() if n}


def test_an_order_whose_lines_sum_past_the_largest_amount_is_rejected_and_the_file_goes_on(tmp_path):
    text = "Order ID,Customer,Status,Order Date,Product,Total\n"
    text += "O1,x,shipped,2025-01-02,p1,9999999999.99\nO1,x,shipped,2025-01-02,p2,1.00\n"  # lines 2-3: 1e10 + 0.99
    text += "O2,x,shipped,2025-01-02,p1,5.00\nO2,x,shipped,2025-01-02,p2,2.50\n"
    result = clean(text, tmp_path)
    assert {k: v["amount"] for k, v in orders(result).items()} == {"O2": Decimal("7.50")}
    assert [r[:3] + r[3:4] + r[-1:] for r in rejected(result)] == [
        [
            "2",
            "amount_too_large",
            TOO_LARGE,
            "O1",
            "9999999999.99",  # as written, not the exact type's 8 decimals
        ],
        [
            "3",
            "amount_too_large",
            TOO_LARGE,
            "O1",
            "1.00",
        ],
    ]
    assert result.rejected_reasons["amount_too_large"] == 2 and (result.orders, result.merged) == (1, 1)


def test_staff_who_choose_line_items_get_the_lines_summed_even_where_the_amounts_look_like_order_totals(tmp_path):
    text = "Row ID,Order ID,Order Date,Customer,Product,Order Total\n1,A,2025-03-14,Ida,Widget,9.99\n"
    text += "2,A,2025-03-14,Ida,Gadget,9.99\n3,B,2025-03-15,Omar,Widget,5.00\n4,B,2025-03-15,Omar,Gizmo,5.00\n"
    text += "5,C,2025-03-16,Ida,Hat,7.00\n"
    guessed = clean(text, tmp_path)  # every multi-line order repeats one "Order Total": read as its total, and said
    assert total(guessed) == Decimal("21.99")  # 9.99 + 5.00 + 7.00
    assert "amount_repeated_per_order" in {w["code"] for w in warnings_for(guessed)}
    chosen = clean(text, tmp_path, grain="line_items")
    assert total(chosen) == Decimal("36.98")  # 9.99 * 2 + 5.00 * 2 + 7.00, by hand
    assert "amount_repeated_per_order" not in {w["code"] for w in warnings_for(chosen)}
    plain = clean(text.replace("Order Total", "Sales"), tmp_path)  # a line's sales: equal amounts are no evidence
    assert total(plain) == Decimal("36.98") and "amount_repeated_per_order" not in {
        w["code"] for w in warnings_for(plain)
    }


def test_a_cell_with_more_than_eight_decimals_is_rounded_to_cents_once(tmp_path):
    text = "order_id,customer,status,order_date,amount\nA,x,shipped,2025-01-02,1.004999999\n"
    text += "B,x,shipped,2025-01-02,0.0049999999\nC,x,shipped,2025-01-02,2.0050000001\n"
    found = {k: v["amount"] for k, v in orders(clean(text, tmp_path)).items()}
    # Decimal(cell).quantize(0.01, ROUND_HALF_UP) of each exact value, by hand: below, below, above a half cent.
    assert found == {"A": Decimal("1.00"), "B": Decimal("0.00"), "C": Decimal("2.01")}
