"""The streaming cleaner on small in-memory files: formats, mapping, values, row rules, outputs."""

import codecs
import csv
import io
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from filter_and_process_orders import decide, header, text, utf8
from filter_and_process_orders.buckets import bucket_numbers
from filter_and_process_orders.cleaning import Rules, clean_stream
from filter_and_process_orders.contract import SCHEMA
from filter_and_process_orders.mapping import map_headers
from filter_and_process_orders.reasons import warnings_for
from filter_and_process_orders.text import UnreadableFile

RULES = Rules(date(2025, 6, 1), frozenset({"pending", "cancelled"}), 30)


def clean(body: bytes, tmp_path, rules: Rules = RULES, **kwargs):
    workdir = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    workdir.mkdir()
    return clean_stream(
        io.BytesIO(body),
        rules=rules,
        workdir=workdir,
        source_key="raw/test.csv",
        ingested_at=datetime(2025, 6, 1, tzinfo=UTC),
        **kwargs,
    )


def kept_rows(result) -> list[dict]:
    """Kept rows by month, in file order within a month."""
    rows = []
    for month in sorted(result.months):
        rows += pq.read_table(result.months[month]).to_pylist()
    return rows


def kept_by_id(result) -> dict[str, dict]:
    return {r["order_id"]: r for r in kept_rows(result)}


def rejected_rows(result) -> list[list[str]]:
    if result.rejected_path is None:
        return []
    return list(csv.reader(io.StringIO(result.rejected_path.read_text(encoding="utf-8"))))


def accounted(result) -> bool:
    parts = (result.rows_rejected, result.duplicates, result.superseded, result.merged, result.orders)
    return result.rows_in == sum(parts) and result.rows_rejected == sum(result.rejected_reasons.values())


def lines(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


SIMPLE = (
    "order_id,customer,amount,status,order_date\nA1,Ann,10.00,shipped,2025-05-30\nA2,Bob,5.50,completed,2025-05-02\n"
)


# -- formats -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda t: t.encode("utf-8"), "utf-8"),
        (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
        (lambda t: t.encode("utf-16"), "utf-16"),
        (lambda t: t.encode("cp1252"), "cp1252"),
    ],
)
def test_text_encodings_staff_send_all_read_the_same_rows(tmp_path, encode, encoding):
    text = SIMPLE.replace("Ann", "Zoë Müller")
    result = clean(encode(text), tmp_path)
    assert result.encoding == encoding
    assert [r["customer"] for r in kept_rows(result)] == ["Zoë Müller", "Bob"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_delimiters_and_line_endings_are_detected(tmp_path, delimiter, newline):
    text = SIMPLE.replace(",", delimiter).replace("\n", newline)
    result = clean(text.encode(), tmp_path)
    assert result.delimiter == delimiter
    assert [(r["order_id"], r["amount"]) for r in kept_rows(result)] == [
        ("A1", Decimal("10.00")),
        ("A2", Decimal("5.50")),
    ]


def test_quoted_fields_keep_delimiters_doubled_quotes_and_line_breaks(tmp_path):
    body = (
        b"order_id;customer;amount;order_date\r\n"
        b'A1;"Smith; John";"1.234,50";2025-05-30\r\n'
        b'A2;"The ""Big"" Shop";7;2025-05-30\r\n'
        b'A3;"Line one\r\nline two";8;2025-05-30\r\n'
        b"A4;;oops;2025-05-30\r\n"
    )
    result = clean(body, tmp_path)
    assert [r["customer"] for r in kept_rows(result)] == ["Smith; John", 'The "Big" Shop', "Line one\r\nline two"]
    assert kept_rows(result)[0]["amount"] == Decimal("1234.50")
    # Line numbers are physical lines where the record starts: A3 spans lines 4 and 5, so A4 is on 6.
    assert rejected_rows(result)[1][:3] == ["6", "bad_amount", "unparseable amount: oops"]


def test_blank_and_all_empty_rows_are_not_orders(tmp_path):
    body = b"order_id,amount,order_date\n\nA1,1,2025-05-30\n,,\n  ,  , \nA2,2,2025-05-30\n\n"
    result = clean(body, tmp_path)
    assert (result.rows_in, result.rows_out, result.rows_rejected) == (2, 2, 0)
    assert result.rows_blank == 4  # lines 2, 4, 5 and 7: 1 header + 4 blank + 2 rows = the 7 lines
    assert accounted(result)


def test_a_row_of_placeholders_is_blank_whether_its_columns_are_mapped_or_not_and_blank_rows_are_counted(tmp_path):
    # Review B10-2, on /tmp/bk10/cases/placeholder_rows.csv: lines 3-6 hold only placeholders, so they
    # are blank, and counted: 1 header line + 4 blank + 2 rows in = the file's 7 lines.
    body = lines(
        "order_id,customer,amount,order_date,status", "1,Ann,1.00,2025-05-01,shipped", "#N/A,#N/A,#N/A,#N/A,#N/A",
        "N/A,N/A,N/A,N/A,N/A", "-,-,-,-,-", "null,NULL,None,nan,NA", "2,Bob,2.00,2025-05-01,shipped",
    )  # fmt: skip
    result = clean(body, tmp_path)
    assert (result.rows_in, result.rows_blank, result.rows_rejected, result.orders) == (2, 4, 0, 2)
    # /tmp/bk10/cases/blank_like.csv: the same rule with an unmapped column (note). Blank, by hand: lines 3
    # (,,,), 4 (spaces), 5 (N/A in the note too: blank as line 4 of the file above, no longer rejected), 7,
    # 8 (a zero-width space), 9 (quoted empties), 10 and 11 (short, long), 12 (null) = 9. Rows in: lines 2
    # and 14 (orders), 6 (only a note) and 13 (only a date), both missing_order_id. 1 + 9 + 4 = 14 lines.
    body = lines(
        "order_id,amount,order_date,note", "1,1.00,2025-05-01,a", ",,,", " , , , ", "N/A,N/A,N/A,N/A",
        ",,,only a note", "-,-,-,-", "\u200b,,,", '"","","",""', ",,", ",,,,,", "null,,,", ",,2025-05-01,",
        "2,2.00,2025-05-01,b",
    )  # fmt: skip
    result = clean(body, tmp_path)
    assert (result.rows_in, result.rows_blank, result.orders) == (4, 9, 2)
    assert [row[:2] for row in rejected_rows(result)[1:]] == [["6", "missing_order_id"], ["13", "missing_order_id"]]
    assert accounted(result)


def test_a_row_with_only_an_unmapped_cell_is_a_row_and_one_blank_in_every_column_is_not(tmp_path):
    body = b"order_id,amount,order_date,note\nA1,1,2025-05-30,\n,, ,call back\n , ,, \t\nA2,2,2025-05-30,x\n"
    result = clean(body, tmp_path)
    assert (result.rows_in, result.rows_out, result.rows_rejected) == (3, 2, 1)
    assert rejected_rows(result)[1] == ["3", "missing_order_id", "missing order_id", "", "", " ", "call back"]
    assert accounted(result)


def test_a_truncated_last_line_is_rejected_and_the_rest_kept(tmp_path):
    body = b"order_id,amount,order_date\nA1,1,2025-05-30\nA2,2,2025-05-30\nA3,3"
    result = clean(body, tmp_path)
    assert result.rows_out == 2
    assert rejected_rows(result)[1] == ["4", "missing_order_date", "missing order_date", "A3", "3", ""]


def test_a_quote_left_open_on_the_last_line_loses_no_other_row(tmp_path):
    body = b'order_id,customer,amount,order_date\nA1,Ann,1,2025-05-30\nA2,"Bob,2,2025-05-30\n'
    result = clean(body, tmp_path)
    assert result.rows_out == 1
    assert result.rows_rejected == 1
    assert accounted(result)


def test_rows_longer_or_shorter_than_the_header_are_read_by_position(tmp_path):
    body = b"order_id,amount,order_date\nA1,1,2025-05-30,extra,more\nA2,2\nA3,3,2025-05-30\n"
    result = clean(body, tmp_path)
    assert [r["order_id"] for r in kept_rows(result)] == ["A1", "A3"]
    assert rejected_rows(result)[1][:2] == ["3", "missing_order_date"]


def test_small_chunks_give_the_same_rows_and_line_numbers_as_one_chunk(tmp_path, monkeypatch):
    lines = ["order_id,customer,amount,status,order_date"]
    for i in range(300):
        customer = f'"Name {i}\nsecond line"' if i % 7 == 0 else f'"Shop, {i}"' if i % 5 == 0 else f"C{i}"
        amount = "n/a" if i % 11 == 0 else f"{i}.25"
        lines.append(f"O{i % 250},{customer},{amount},{'pending' if i % 3 else 'shipped'},2025-05-{i % 28 + 1:02d}")
    body = ("\r\n".join(lines) + "\r\n").encode()
    whole = clean(body, tmp_path)
    monkeypatch.setattr(text, "CHUNK_BYTES", 97)
    chunked = clean(body, tmp_path)
    assert kept_rows(chunked) == kept_rows(whole)
    assert rejected_rows(chunked) == rejected_rows(whole)
    assert (chunked.rows_in, chunked.superseded, chunked.orders_stale) == (300, whole.superseded, whole.orders_stale)
    assert whole.superseded > 0 and accounted(chunked)


# -- mapping ---------------------------------------------------------------------------------------
def test_header_synonyms_and_explicit_mappings_are_recorded(tmp_path):
    body = b"\xef\xbb\xbfid_orders ;Customer Name;Total_Amount;Order_Status;Data_order\nA1;Ann;3;DONE;2025-05-30\n"
    result = clean(body, tmp_path)
    assert result.mapping == {
        "order_id": "id_orders",
        "customer": "Customer Name",
        "amount": "Total_Amount",
        "status": "Order_Status",
        "order_date": "Data_order",
    }
    explicit = clean(
        b"ref,when,gross\nA1,2025-05-30,9\n",
        tmp_path,
        explicit_mapping={"order_id": "ref", "order_date": "when", "amount": "gross"},
    )
    assert explicit.mapping == {"order_id": "ref", "order_date": "when", "amount": "gross"}
    assert kept_rows(explicit)[0]["amount"] == Decimal("9.00")


# -- values ----------------------------------------------------------------------------------------
def test_amount_shapes_parse_in_a_whole_file_under_its_decimal_separator(tmp_path):
    amounts = ['"$1,234.50"', '"4626,15"', "(12.00)", "  € 99 ", '"1.234,50"', "446.5", "USD 10", "-3"]
    body = "order_id,amount,order_date\n" + "".join(f"A{i},{a},2025-05-30\n" for i, a in enumerate(amounts))
    result = clean(body.encode(), tmp_path)
    # Three cells read only with a decimal point, two only with a decimal comma: the point wins,
    # and the two comma cells are rejected, not read some other way.
    assert result.decisions.decimal_separator == "." and not result.decisions.decimal_separator_assumed
    assert [r["amount"] for r in kept_rows(result)] == [
        Decimal(v) for v in ["1234.50", "-12.00", "99.00", "446.50", "10.00", "-3.00"]
    ]
    assert [r[:2] for r in rejected_rows(result)[1:]] == [["3", "amount_format"], ["6", "amount_format"]]


def test_date_shapes_parse_in_a_whole_file(tmp_path):
    dates = [
        "2025-05-30",
        "2025-05-29 13:00:00",
        "2025-05-28T01:02",
        "05-Dec-17",
        "26 May 2023",
        "31.12.24",
        "20250102",
    ]
    body = "order_id,amount,order_date\n" + "".join(f"A{i},1,{d}\n" for i, d in enumerate(dates))
    result = clean(body.encode(), tmp_path)
    assert [r["order_date"] for r in sorted(kept_rows(result), key=lambda r: r["order_id"])] == [
        date(2025, 5, 30),
        date(2025, 5, 29),
        date(2025, 5, 28),
        date(2017, 12, 5),
        date(2023, 5, 26),
        date(2024, 12, 31),
        date(2025, 1, 2),
    ]


@pytest.mark.parametrize(
    ("dates", "day_first_default", "order", "assumed", "first", "label"),
    [
        (["1/2/2025", "13/2/2025"], False, "DMY", False, date(2025, 2, 1), "day/month/year"),
        (["1/2/2025", "2/13/2025"], True, "MDY", False, date(2025, 1, 2), "month/day/year"),
        (["1/2/2025", "3/4/2025"], False, "MDY", True, date(2025, 1, 2), "month/day/year"),
        (["1/2/2025", "3/4/2025"], True, "DMY", True, date(2025, 2, 1), "day/month/year"),
        (["2025-01-02"], True, "ISO", False, date(2025, 1, 2), "year-month-day"),
        (["26 May 2023", "2 Jun 2023"], False, "ISO", False, date(2023, 5, 26), "day month-name year"),
        (["May 26 2023", "2025-01-02", "2025-01-03"], False, "ISO", False, date(2023, 5, 26), None),
        (["20230526", "13/2/2025", "14/2/2025"], False, "DMY", False, date(2023, 5, 26), None),
    ],
)
def test_day_or_month_first_is_decided_once_per_file_from_evidence(
    tmp_path, dates, day_first_default, order, assumed, first, label
):
    rules = Rules(date(2025, 6, 1), frozenset(), 30, day_first_default)
    body = "order_id,amount,order_date\n" + "".join(f"A{i},1,{d}\n" for i, d in enumerate(dates))
    result = clean(body.encode(), tmp_path, rules)
    assert (result.decisions.date_order, result.decisions.date_order_assumed) == (order, assumed)
    assert kept_rows(result)[0]["order_date"] == first
    # The detected format names the shapes read, most common first.
    expected = {
        "May 26 2023": "year-month-day, month-name day year",
        "20230526": "day/month/year, yyyymmdd",
    }.get(dates[0], label)
    assert result.decisions.date_format == expected


def test_the_detected_date_format_of_a_real_export_names_its_day_month_name_year_shape(tmp_path):
    wild = Path(__file__).resolve().parents[1] / "data" / "wild" / "AjayyMohite__Online_Book_Store-SQL__Orders.csv"
    result = clean(wild.read_bytes(), tmp_path)  # dates such as `26 May 2023`, `23 January 2023`
    assert result.decisions.date_format == "day month-name year"
    assert result.decisions.date_shapes["day_name"] > 0 and result.rows_rejected == 0


def test_date_evidence_in_a_later_chunk_still_decides_the_order(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "CHUNK_BYTES", 64)
    monkeypatch.setattr(decide, "EVIDENCE_CHUNKS", 1000)
    body = "order_id,amount,order_date\n" + "".join(f"A{i},1,{i % 12 + 1}/2/2025\n" for i in range(30))
    result = clean((body + "Z,1,25/12/2024\n").encode(), tmp_path, Rules(date(2025, 6, 1), frozenset(), 30))
    assert result.decisions.date_order == "DMY" and not result.decisions.date_order_assumed
    assert kept_by_id(result)["A0"]["order_date"] == date(2025, 2, 1)


# A day's export whose rows share one date (review B7-2): by distinct values 13/02 was 1 vote to 2.
DAY_EXPORT = ["13/02/2025", "13/02/2025", "13/02/2025", "02/14/2025", "02/15/2025"]


def test_the_date_order_is_voted_by_rows_so_one_date_on_many_rows_outvotes_a_few_stray_ones(tmp_path):
    body = "order_id,amount,order_date\n" + "".join(f"{i},{i}.00,{d}\n" for i, d in enumerate(DAY_EXPORT, 1))
    result = clean(body.encode(), tmp_path)  # the setting is month first (RULES)
    d = result.decisions
    assert (d.date_order, d.date_order_assumed, d.date_order_votes) == ("DMY", False, {"DMY": 3, "MDY": 2})
    kept = kept_by_id(result)
    assert sorted(kept) == ["1", "2", "3"] and {r["order_date"] for r in kept.values()} == {date(2025, 2, 13)}
    assert sum(r["amount"] for r in kept.values()) == Decimal("6.00")  # 1.00 + 2.00 + 3.00
    # Rejected as before (the site matches the code), with a text that says why.
    assert [r[:3] for r in rejected_rows(result)[1:]] == [
        ["5", "bad_order_date", "order_date 02/14/2025 reads only month first; this file's dates are day first"],
        ["6", "bad_order_date", "order_date 02/15/2025 reads only month first; this file's dates are day first"],
    ]
    assert d.date_shapes["numeric"] == 3  # the shapes still count distinct cells


def test_a_tie_of_rows_keeps_the_setting_and_says_so(tmp_path):
    rows = ["13/02/2025", "13/02/2025", "02/14/2025", "02/15/2025"]  # 2 rows each way (by values: 1 to 2)
    body = "order_id,amount,order_date\n" + "".join(f"{i},1.00,{d}\n" for i, d in enumerate(rows, 1))
    result = clean(body.encode(), tmp_path)
    d = result.decisions
    assert (d.date_order, d.date_order_assumed, d.date_order_votes) == ("MDY", True, {"DMY": 2, "MDY": 2})
    assert sorted(kept_by_id(result)) == ["3", "4"]
    why = "order_date 13/02/2025 reads only day first; this file's dates are month first"
    assert [r[:3] for r in rejected_rows(result)[1:]] == [["2", "bad_order_date", why], ["3", "bad_order_date", why]]
    (warning,) = [w for w in warnings_for(result) if w["code"] == "date_order_assumed"]
    told = "as many rows have a date read only day first as only month first (2 each); read as MDY"
    assert warning["text"].endswith(": " + told)


def test_numeric_dates_first_found_after_a_sample_without_any_are_voted_by_rows_too(tmp_path, monkeypatch):
    # Chunk 1 (exactly the first 256-byte block): the header and 11 ISO rows (lines 1-12); chunk 2: the
    # day's export on lines 13-17.
    monkeypatch.setattr(text, "CHUNK_BYTES", 256)
    monkeypatch.setattr(decide, "EVIDENCE_CHUNKS", 1)
    head = "order_id,amount,order_date\n" + "".join(f"I{i:02},1.00,2025-01-{i:02}\n" for i in range(1, 11))
    head += "I" + "x" * (256 - len(head) - len(",1.00,2025-01-11\n") - 1) + ",1.00,2025-01-11\n"
    assert len(head) == 256
    tail = "".join(f"D{i},{i}.00,{d}\n" for i, d in enumerate(DAY_EXPORT, 1))
    result = clean((head + tail).encode(), tmp_path)
    d = result.decisions
    assert (d.date_order, d.date_order_assumed, d.date_order_votes) == ("DMY", False, {"DMY": 3, "MDY": 2})
    assert [r[:2] for r in rejected_rows(result)[1:]] == [["16", "bad_order_date"], ["17", "bad_order_date"]]
    assert kept_by_id(result)["D1"]["order_date"] == date(2025, 2, 13) and result.orders == 11 + 3


def test_a_sample_chunk_cleaned_with_its_own_evidence_is_cleaned_again_when_the_sample_decides_otherwise(
    tmp_path, monkeypatch
):
    # The first chunk alone votes for decimal commas and day first (and is cleaned that way while
    # the sample is read); the sample as a whole decides decimal points and month first.
    monkeypatch.setattr(text, "CHUNK_BYTES", 64)
    first = 'A0,"1,5",3/4/2025\nA1,7,13/4/2025\n'
    later = "".join(f"A{i},{i}.25,4/{12 + i}/2025\n" for i in range(2, 6))
    result = clean(("order_id,amount,order_date\n" + first + later).encode(), tmp_path)
    assert (result.decisions.decimal_separator, result.decisions.date_order) == (".", "MDY")
    assert [r[:2] for r in rejected_rows(result)[1:]] == [["2", "amount_format"], ["3", "bad_order_date"]]
    assert [(r["order_id"], r["amount"], r["order_date"]) for r in kept_rows(result)] == [
        (f"A{i}", Decimal(f"{i}.25"), date(2025, 4, 12 + i)) for i in range(2, 6)
    ]


def test_statuses_become_canonical_words(tmp_path):
    body = lines(
        "order_id,amount,order_date,status",
        "A1,1,2025-05-30,CANCELLED",
        "A2,1,2025-05-30,canceled",
        "A3,1,2025-05-30, In Transit ",
        "A4,1,2025-05-30,",
    )
    result = clean(body, tmp_path)
    assert [r["status"] for r in kept_rows(result)] == ["cancelled", "cancelled", "in_transit", None]


# -- row rules -----------------------------------------------------------------------------------
def test_rows_without_id_date_or_amount_are_rejected_with_reasons(tmp_path):
    body = lines(
        "order_id,amount,order_date",
        "A1,1,2025-05-30",
        ",2,2025-05-30",
        "A3,,2025-05-30",
        "A4,x1,2025-05-30",
        "A5,5,",
        "A6,6,2025-02-30",
    )
    result = clean(body, tmp_path)
    assert dict(result.rejected_reasons) == {
        "missing_order_id": 1,
        "missing_amount": 1,
        "bad_amount": 1,
        "missing_order_date": 1,
        "bad_order_date": 1,
    }
    assert sorted(r[:3] for r in rejected_rows(result)[1:]) == [
        ["3", "missing_order_id", "missing order_id"],
        ["4", "missing_amount", "missing amount"],
        ["5", "bad_amount", "unparseable amount: x1"],
        ["6", "missing_order_date", "missing order_date"],
        ["7", "bad_order_date", "unparseable order_date: 2025-02-30"],
    ]
    assert rejected_rows(result)[0] == ["line", "code", "reason", "order_id", "amount", "order_date"]
    assert [r["line"] for r in result.rejected_sample] == [3, 4, 5, 6, 7]


@pytest.mark.parametrize("buckets", [1, 3])
def test_a_repeated_order_id_without_line_columns_is_history_and_the_last_row_wins(tmp_path, buckets):
    body = lines(
        "order_id,amount,order_date",
        "A1,1,2025-05-30",
        "B1,2,2025-04-10",
        "A1,3,2025-03-01",
        "A1,4,2025-04-02",
        "C1,5,2025-05-30",
    )
    result = clean(body, tmp_path, buckets=buckets)
    rows = kept_by_id(result)
    assert rows["A1"]["amount"] == Decimal("4.00") and rows["A1"]["order_date"] == date(2025, 4, 2)
    assert (result.grain, result.rows_out, result.superseded, result.duplicates) == ("history", 3, 2, 0)
    assert rows["A1"]["source_line"] == 2 and rows["A1"]["line_count"] == 1
    assert sorted(result.months) == ["2025-04", "2025-05"]  # the superseded March row leaves no file behind


def test_an_order_id_goes_to_one_bucket_wherever_it_sits_and_ids_spread_over_every_bucket():
    ids = [f"SO-{i:08d}" for i in range(0, 40_000, 7)] + ["", "x", "ab", "Zoë-1", "ORD-000000042"]
    whole = bucket_numbers(pa.array(ids), 9)
    assert list(bucket_numbers(pa.array(ids[1000:] + ids[:1000])[len(ids) - 1000 :], 9)) == list(whole[:1000])
    by_id = {}
    for chunk in (pa.array(ids[:3000]), pa.array(["pad"] + ids)[1:]):
        for i, b in zip(chunk.to_pylist(), bucket_numbers(chunk, 9)):
            assert by_id.setdefault(i, b) == b
    counts = sorted(Counter(whole.tolist()).values())
    assert len(counts) == 9 and counts[0] > 0.8 * counts[-1]


def test_the_stale_rule_flags_old_pending_and_cancelled_orders_and_keeps_them(tmp_path):
    body = lines(
        "order_id,amount,order_date,status",
        "A1,1,2025-05-03,pending",
        "A2,1,2025-05-02,pending",
        "A3,1,2025-01-01,Canceled",
        "A4,1,2025-01-01,shipped",
    )
    result = clean(body, tmp_path)
    stale = {order_id: row["stale"] for order_id, row in kept_by_id(result).items()}
    assert stale == {"A1": False, "A2": True, "A3": True, "A4": False}  # A2 is exactly 30 days old
    assert (result.orders, result.orders_stale, result.rows_out) == (4, 2, 2)
    assert [r["order_id"] for r in result.stale_sample] == ["A2", "A3"]
    assert result.stale_sample[0] == {
        "order_id": "A2",
        "customer": "",
        "amount": "1.00",
        "status": "pending",
        "order_date": "2025-05-02",
        "source_line": "3",
    }
    later = clean(body, tmp_path, Rules(date(2025, 6, 2), frozenset({"pending"}), 30))
    assert sorted(k for k, r in kept_by_id(later).items() if not r["stale"]) == ["A3", "A4"]


# -- outputs -------------------------------------------------------------------------------------
def test_kept_rows_are_snappy_parquet_per_month_with_the_canonical_columns(tmp_path):
    result = clean(SIMPLE.encode(), tmp_path)
    parquet = pq.ParquetFile(result.months["2025-05"])
    assert parquet.schema_arrow == SCHEMA
    assert SCHEMA.names == [
        "order_id", "customer", "amount", "status", "order_date", "product", "category", "region", "country",
        "channel", "quantity", "line_count", "stale", "source_line", "source_lines", "source_key",
        "ingested_at",
    ]  # fmt: skip
    assert str(parquet.schema_arrow.field("amount").type) == "decimal128(12, 2)"
    assert parquet.metadata.row_group(0).column(0).compression == "SNAPPY"
    assert {r["source_key"] for r in kept_rows(result)} == {"raw/test.csv"}


# -- whole-file rejections -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "the file is empty"),
        (b"\r\n\r\n", "the file is empty"),
        (b"order_id,amount,order_date\r\n", "header row but no order rows"),
        (b"order_id,amount,order_date\n,,\n\n", "header row but no order rows"),
        (b"PK\x03\x04" + bytes(200), "Excel workbook or zip archive"),
        (b"\xd0\xcf\x11\xe0" + bytes(200), "old Excel (.xls)"),
        (b"%PDF-1.7\n" + bytes(200), "PDF document"),
        (b"\x00\x01\x02\x03" * 50, "binary file"),
        (b"order_id,date,time\n1,2025-01-01,10:00\n", "no amount column; headers were: order_id, date, time"),
        (b"name,price\nx,1\n", "no order id, order date column"),
    ],
)
def test_unusable_files_are_rejected_with_a_reason_staff_can_act_on(tmp_path, body, reason):
    with pytest.raises(UnreadableFile, match=reason.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        clean(body, tmp_path)


@pytest.mark.parametrize(
    ("column", "names"),
    [
        ("order_id", ["Order ID", "order_id", "Order_Id", "id_orders", " ORDER.ID "]),
        ("customer", ["Customer", "Customer Name", "CustomerID", "customer_id"]),
        ("amount", ["Amount", "Total", "Total_Amount", "Sales", "OrderValue", "Order_Amount", "total_amount"]),
        ("status", ["Status", "Order_Status"]),
        ("order_date", ["OrderDate", "Order Date", "order_date", "Data_order", "Date", "\ufeffOrder Date "]),
    ],
)
def test_header_names_staff_use_map_onto_the_canonical_columns(column, names):
    for name in names:
        assert map_headers(["unrelated", name]).get(column) == 1, name


def test_the_header_preview_finds_the_same_header_as_the_lambda():
    found = header.inspect("Orders\r\n\r\nid;amount;date;x\r\n1;2;2025-01-01;3\r\n".encode("utf-16"))
    assert (found.line, found.delimiter, found.names) == (3, ";", ["id", "amount", "date", "x"])
    assert [s["line"] for s in found.skipped] == [1, 2]


def test_a_windows_1252_byte_later_in_a_utf8_file_changes_only_itself(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "CHUNK_BYTES", 16 << 10)
    rows = [f"é-{i % 10},Zoë,{1 + i % 7}.00,2025-05-01".encode() for i in range(4000)]
    # é pasted from a Windows-1252 program, past the first 64 KB (the encoding is told from those)
    rows[3990] = "é-0,Zo".encode() + b"\xe9" + b",1.00,2025-05-01"
    result = clean(b"order_id,customer,amount,order_date\n" + b"\n".join(rows) + b"\n", tmp_path)
    assert result.encoding.startswith("utf-8")
    orders = {row["order_id"]: row for row in kept_rows(result)}
    assert sorted(orders) == [f"é-{i}" for i in range(10)]  # by hand: ten ids, every one still spelt é-
    assert orders["é-0"]["customer"] == "Zoé"  # the last row of é-0 has the stray byte


def _stray_bytes_export(quoted_break: bool) -> tuple[bytes, dict[int, int]]:
    """A UTF-8 export of 4,000 orders (é, ü, €), each customer quoted over two lines when
    `quoted_break`; (its bytes, the row index -> stray bytes for the rows that get Windows-1252
    bytes pasted in, all past the first 64 KB)."""
    stray = {2600: 1, 3700: 2}  # row 2600: "Ren\xe9e"; row 3700: "\x80 Caf\xe9"
    rows = []
    for i in range(4000):
        customer = f"Zoë Müller {i} €" + ("\nDept. 2" if quoted_break else "")
        if i == 2600:
            customer = b"Ren\xe9e"
        elif i == 3700:
            customer = b"\x80 Caf\xe9" + (b"\nDept. 2" if quoted_break else b"")
        name = customer if isinstance(customer, bytes) else customer.encode()
        rows.append(f"é-{i},".encode() + b'"' + name + b'"' + f",{1 + i % 7}.25,2025-05-01".encode())
    return b"order_id,customer,amount,order_date\n" + b"\n".join(rows) + b"\n", stray


def _cp1252_for_bad_bytes(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("cp1252"), error.end


codecs.register_error("test-cp1252-for-bad-bytes", _cp1252_for_bad_bytes)


@pytest.mark.parametrize("quoted_break", [False, True], ids=["one line per row", "a quoted line break in every row"])
def test_bytes_that_are_not_utf8_are_read_as_windows_1252_and_warned_of_with_their_first_line(
    tmp_path, monkeypatch, quoted_break
):
    monkeypatch.setattr(text, "CHUNK_BYTES", 16 << 10)  # many chunks: the lines add up across them
    body, stray = _stray_bytes_export(quoted_break)
    first_row = body.index("é-2600,".encode())
    assert first_row > 64 << 10  # detection reads the first 64 KB only: it says UTF-8
    first_line = body[:first_row].count(b"\n") + 1  # physical lines, counted by hand
    second_line = body[: body.index("é-3700,".encode())].count(b"\n") + 1
    result = clean(body, tmp_path)
    assert result.encoding == "utf-8"
    (warning,) = [w for w in warnings_for(result) if w["code"] == "stray_bytes_read_as_cp1252"]
    assert (warning["count"], warning["line_count"], warning["lines"]) == (3, 2, [first_line, second_line])
    assert warning["text"].endswith(f": 3 bytes on 2 lines, first on line {first_line}")
    oracle = list(csv.DictReader(io.StringIO(body.decode("utf-8", errors="test-cp1252-for-bad-bytes"), newline="")))
    assert len(oracle) == 4000 and sum(stray.values()) == 3
    expected = {row["order_id"]: row["customer"] for row in oracle}
    assert expected["é-2600"] == "Renée" and expected["é-3700"].startswith("€ Café")  # what 0xE9 and 0x80 are
    assert {r["order_id"]: r["customer"] for r in kept_rows(result)} == expected
    assert accounted(result) and result.rows_rejected == 0


def test_the_stray_bytes_warning_counts_a_bare_cr_as_a_line_end_as_the_rows_line_numbers_do(tmp_path):
    # Line 2 holds a quoted bare CR, so A1 spans lines 2 and 3 and A2 starts on line 4 (by hand).
    body = 'order_id,customer,amount,order_date\nA1,"Zoë\rMüller",1.00,2025-05-01\n'.encode()
    body += b"A2,Caf\xe9,2.00,2025-05-01\n"
    result = clean(body, tmp_path)
    assert {r["order_id"]: r["source_line"] for r in kept_rows(result)} == {"A1": 2, "A2": 4}
    (warning,) = [w for w in warnings_for(result) if w["code"] == "stray_bytes_read_as_cp1252"]
    assert (warning["count"], warning["lines"]) == (1, [4])


def test_stray_bytes_after_bare_crs_are_placed_on_their_physical_lines_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "CHUNK_BYTES", 16 << 10)  # chunks cut inside records: text pending between them
    monkeypatch.setattr(utf8, "SAMPLE_LINES", 10**6)  # every line holding a stray byte is named
    # Each row is three physical lines: "…Zo" CR "ë" LF "Caf\xe9…" LF; row i starts on line 2 + 3i
    # and its stray byte 0xE9 is on its third line, 4 + 3i (by hand).
    rows = [f'A{i},"Zo\rë\nCaf'.encode() + b'\xe9",' + f"{1 + i % 7}.00,2025-05-01\n".encode() for i in range(3000)]
    result = clean(b"order_id,customer,amount,order_date\n" + b"".join(rows), tmp_path)
    assert {r["order_id"]: r["source_line"] for r in kept_rows(result)} == {f"A{i}": 2 + 3 * i for i in range(3000)}
    (warning,) = [w for w in warnings_for(result) if w["code"] == "stray_bytes_read_as_cp1252"]
    assert (warning["count"], warning["line_count"]) == (3000, 3000)
    assert warning["lines"] == [4 + 3 * i for i in range(3000)]


def test_a_windows_1252_byte_in_the_first_64_kb_of_a_utf8_file_is_read_alone_and_warned_of(tmp_path):
    # The encoding is told from the first 64 KB: there, "Zoë", "Müller", "Renée" are well-formed
    # UTF-8 and one byte is not. Read as Windows-1252, the whole file would become "ZoÃ«".
    body = "order_id,customer,amount,order_date\nA1,Zoë Müller,1.00,2025-05-01\nA2,Renée,2.00,2025-05-01\n".encode()
    body += b"A3,Caf\xe9,3.00,2025-05-01\n"
    result = clean(body, tmp_path)
    oracle = csv.DictReader(io.StringIO(body.decode("utf-8", errors="test-cp1252-for-bad-bytes"), newline=""))
    expected = {row["order_id"]: row["customer"] for row in oracle}
    assert expected == {"A1": "Zoë Müller", "A2": "Renée", "A3": "Café"}
    assert {r["order_id"]: r["customer"] for r in kept_rows(result)} == expected
    (warning,) = [w for w in warnings_for(result) if w["code"] == "stray_bytes_read_as_cp1252"]
    assert (warning["count"], warning["lines"]) == (1, [4])


@pytest.mark.parametrize(
    ("name", "stray", "count", "read"),
    [("Zoë", b"\xe9", 1, "é"), ("Zoë Müller", b"\x80 Caf\xe9", 2, "€ Café")],
    ids=["one well-formed character, one byte that is not UTF-8", "two and two"],
)
def test_as_many_well_formed_utf8_characters_as_bytes_that_are_not_make_the_file_utf8(
    tmp_path, name, stray, count, read
):
    # The sample's well-formed multi-byte characters ("ë", "ü") are as many as its bytes that are not
    # UTF-8. Read as Windows-1252, "Zoë" would become "ZoÃ«" and no warning would say so.
    body = f"order_id,customer,amount,order_date\nA1,{name},1.00,2025-05-01\n".encode()
    body += b"A2," + stray + b",2.00,2025-05-01\n"
    result = clean(body, tmp_path)
    assert result.encoding == "utf-8"
    oracle = csv.DictReader(io.StringIO(body.decode("utf-8", errors="test-cp1252-for-bad-bytes"), newline=""))
    expected = {row["order_id"]: row["customer"] for row in oracle}
    assert expected == {"A1": name, "A2": read}  # 0xE9 is é, 0x80 is € in Windows-1252
    assert {r["order_id"]: r["customer"] for r in kept_rows(result)} == expected
    (warning,) = [w for w in warnings_for(result) if w["code"] == "stray_bytes_read_as_cp1252"]
    assert (warning["count"], warning["lines"]) == (count, [3])


def test_a_windows_1252_file_with_one_accidental_utf8_shaped_pair_stays_windows_1252(tmp_path):
    # "É" then a no-break space (C9 A0) is also the UTF-8 of "ɠ"; the file's other accented letters
    # (é, «, », é, ô) are not UTF-8: five against one, so the whole file is Windows-1252.
    rows = {"A1": "Café «CHEZ RENÉ\xa0»", "A2": "Année", "A3": "Hôtel"}
    body = "order_id;customer;amount;order_date\n" + "".join(f"{k};{v};1,50;2025-05-20\n" for k, v in rows.items())
    result = clean(body.encode("cp1252"), tmp_path)
    assert result.encoding == "cp1252"
    assert {r["order_id"]: r["customer"] for r in kept_rows(result)} == rows
    assert "stray_bytes_read_as_cp1252" not in [w["code"] for w in warnings_for(result)]


def test_stray_bytes_before_the_rows_are_read_as_windows_1252_and_counted_too(tmp_path):
    # Line 1, a title, holds 0x97 (an em dash in Windows-1252); line 3, the header, 0xE9 (é); line 5,
    # a row, 0xE9. Before, the title and the header lost theirs (the sample was decoded ignoring them)
    # and the warning did not count the title's. Well-formed ü, ë, ü against 3 stray bytes: UTF-8.
    body = b"Export \x97 Z\xc3\xbcrich\n\norder_id,customer,amount,order_date,Notiz\xe9\n"
    body += "A1,Zoë Müller,1.00,2025-05-20,x\n".encode() + b"A2,Caf\xe9,2.00,2025-05-20,y\n"
    result = clean(body, tmp_path)
    assert result.encoding == "utf-8"
    assert result.skipped_lines[0] == {"line": 1, "text": "Export \u2014 Zürich"}
    assert result.unmapped == ["Notizé"]
    assert {r["order_id"]: r["customer"] for r in kept_rows(result)} == {"A1": "Zoë Müller", "A2": "Café"}
    (warning,) = [w for w in warnings_for(result) if w["code"] == "stray_bytes_read_as_cp1252"]
    assert (warning["count"], warning["lines"]) == (3, [1, 3, 5])


def test_a_file_written_in_windows_1252_is_still_read_as_windows_1252(tmp_path):
    body = "order_id,customer,amount,order_date\nA1,Zoë Müller,1.00,2025-05-01\nA2,Café,2.00,2025-05-01\n"
    result = clean(body.encode("cp1252"), tmp_path)
    assert result.encoding == "cp1252"
    assert {r["order_id"]: r["customer"] for r in kept_rows(result)} == {"A1": "Zoë Müller", "A2": "Café"}
    assert "stray_bytes_read_as_cp1252" not in [w["code"] for w in warnings_for(result)]


def test_a_clean_utf8_export_has_no_stray_bytes_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "CHUNK_BYTES", 16 << 10)
    body, _ = _stray_bytes_export(False)
    body = body.replace(b"Ren\xe9e", "Renée".encode()).replace(b"\x80 Caf\xe9", "€ Café".encode())
    result = clean(body, tmp_path)
    assert result.orders == 4000
    assert "stray_bytes_read_as_cp1252" not in [w["code"] for w in warnings_for(result)]
