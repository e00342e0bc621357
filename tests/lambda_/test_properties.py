"""Property-based tests: whatever staff upload, the cleaner accounts for every row and never crashes."""

import csv
import io
import re
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filter_and_process_orders import decide
from filter_and_process_orders import text as text_module
from filter_and_process_orders.amount_memo import GeneralMemo
from filter_and_process_orders.amounts import LINE_AMOUNT_TYPE, amount_is_too_large, amounts
from filter_and_process_orders.cleaning import Rules, clean_stream
from filter_and_process_orders.contract import PLACEHOLDERS
from filter_and_process_orders.csv_records import csv_module_parse
from filter_and_process_orders.dates import DateMemo, date_votes, dates
from filter_and_process_orders.doubts import doubts
from filter_and_process_orders.records import parse_chunk
from filter_and_process_orders.rejects import _longer, _mangled
from filter_and_process_orders.separators import _shape_votes, separator_votes
from filter_and_process_orders.spreadsheet import formula_safe
from filter_and_process_orders.text import UnreadableFile
from filter_and_process_orders.values import (
    canonical_status,
    cleaned_codes,
    cleaned_text,
    integers,
    parse_amount,
    parse_date,
    status_words,
    statuses,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

RULES = Rules(date(2025, 6, 1), frozenset({"pending", "cancelled"}), 30)
HEADERS = ["order_id", "Customer", "Total", "Status", "Order Date", "note"]
# The trim's rule (trim.py), restated: Python's whitespace and the zero-width characters U+200B,
# U+200C, U+200D, U+2060, U+FEFF, at either end of a cell.
TRIMMED = "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"


def trim(text: str) -> str:
    return text.strip(TRIMMED)


# README "Placeholders": empty in every mapped column (whole cell, any case, trimmed).
PLACEHOLDER_WORDS = {"null", "n/a", "na", "none", "-", "—", "#n/a", "nan"}

amount_text = st.one_of(
    st.from_regex(r"\A[ ]?[-(]?[$€]?[0-9]{1,7}([.,][0-9]{1,3})?[)]?[ ]?\Z"),
    st.from_regex(r"\A-?[0-9]{1,3}(,[0-9]{3}){1,3}(\.[0-9]{1,2})?\Z"),
    st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{3}){1,2},[0-9]{2}\Z"),
    st.text(max_size=8),
)
date_text = st.one_of(
    st.from_regex(r"\A[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?\Z"),
    st.from_regex(r"\A[0-9]{1,2}[/.-][0-9]{1,2}[/.-]([0-9]{2}|[0-9]{4})\Z"),
    st.from_regex(r"\A[0-9]{1,2}[ -](Jan|May|Dec|foo)[ -][0-9]{2,4}\Z"),
    st.dates(min_value=date(1900, 1, 1)).map(str),
    st.text(max_size=12),
)
cell = st.one_of(amount_text, date_text, st.sampled_from(["", " ", "pending", "CANCELLED", 'a"b', "x\ny"]))
rows = st.lists(st.lists(cell, min_size=0, max_size=8), max_size=25)


def clean(body: bytes, workdir: str):
    return clean_stream(
        io.BytesIO(body),
        rules=RULES,
        workdir=Path(workdir),
        source_key="raw/p.csv",
        ingested_at=datetime(2025, 6, 1, tzinfo=UTC),
    )


def run(body: bytes):
    with tempfile.TemporaryDirectory() as workdir:
        try:
            result = clean(body, workdir)
        except UnreadableFile as exc:
            assert str(exc)
            return None
        parts = (result.rows_rejected, result.duplicates, result.superseded, result.merged, result.orders)
        assert result.rows_in == sum(parts)
        assert result.rows_rejected == sum(result.rejected_reasons.values())
        return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_arbitrary_bytes_are_either_cleaned_and_accounted_for_or_rejected_with_a_reason(body):
    run(body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["\n", "\r\n"]))
# A placeholder alone is a blank row, in a mapped column or not (review B10-2), and blank rows are counted.
@example([["0"], ["NULL"], ["", "", "", "", "", "NULL"], [], ["", "", "", "", "", "x"]], ",", "\n")
def test_arbitrary_rows_account_for_every_row(data, delimiter, newline):
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator=newline)
    writer.writerow(HEADERS)
    writer.writerows(data)
    result = run(text.getvalue().encode())
    # The csv module's reading of the same text is the reference (a bare CR ends a record there too).
    records = list(csv.reader(io.StringIO(text.getvalue(), newline=""), delimiter=delimiter))[1:]

    def filled(c: str) -> bool:
        return bool(trim(c)) and trim(c).lower() not in PLACEHOLDER_WORDS

    non_blank = [r for r in records if any(filled(c) for c in r)]
    if result is not None:
        assert (result.rows_in, result.rows_blank) == (len(non_blank), len(records) - len(non_blank))


# The fast paths' edges: currencies and thousands groups of either convention, 9 to 11 integer digits,
# 6 to 8 integer digits with up to 9 decimals (where the float reading hands over to the decimal
# cast, at 1e7), the shapes only the Python fallback reads (leading zeros, `12,-`, other digits), and
# amounts at and past the largest (9,999,999,999.99), plain, grouped and with up to 20 whole digits.
fast_path_amounts = st.one_of(
    st.from_regex(r"\A[-(]?(9{10}|10{10}|9{11,14}|1[0-9]{10,19})([.,](99|995|994|00|9{9}))?[)]?\Z"),
    st.from_regex(r"\A-?(9([.,]999){3}|10([.,]000){3})([.,](99|995|00))?\Z"),
    st.from_regex(r"\A-?[$€£¥]?-?[0-9]{1,3}([.,][0-9]{3}){1,4}([.,][0-9]{1,9})?( ?(USD|EUR|€))?\Z"),
    st.from_regex(r"\A-?[0-9]{9,11}([.,][0-9]{1,9})?\Z"),
    st.from_regex(r"\A-?[$€]?[0-9]{6,8}[.,][0-9]{1,9}\Z"),
    st.from_regex(r"\A0{1,4}[0-9]{1,10}([.,][0-9]{1,3})?\Z"),
    st.from_regex(r"\A[0-9]{1,3}([.,][0-9]{3})?[.,]-\Z"),
    st.from_regex(r"\A[0-9٠-٩]{1,4}([.,][0-9٠-٩]{1,2})?\Z"),
    # the Arabic decimal separator and thousands mark, U+066B and U+066C, beside ASCII marks
    st.from_regex(r"\A[-(]?[0-9٠-٩]{1,4}([\u066c,. ][0-9٠-٩]{1,3}){0,3}([\u066b.,][0-9٠-٩]{1,3})?[)]?\Z"),
    # spaces, apostrophes and currency signs around and inside the digits (review B9-1)
    st.from_regex(r"\A[-(]?[$€ ]{0,2}[-+]?[0-9]{1,4}([ '\u00a0\u202f$€,.][0-9]{1,3}){0,3}[ €$]{0,2}(-|\)| ?USD)?\Z"),
    # codes (and what is not one) beside every negative form, on either side of it (review B10-7)
    st.from_regex(
        r"\A[-+(]?[ $]?(USD|EUR|ABCD|usd|US\$|R\$)?[ $]?[-+(]?[0-9]{1,4}([.,][0-9]{1,3})?[ $]?[-)]?[ $]?"
        r"(USD|EUR|US\$|usd)?[ ]?[-)]?\Z"
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(amount_text, fast_path_amounts, st.from_regex(r"\A-?\$?[0-9.,]{0,15}\Z")), min_size=1, max_size=20
    ),
    st.booleans(),
)
@example(["9999999.99999999", "10000000.00000001", "-9999999.99999999", "0.00000001", "-0.00000001"], False)
@example(["9999999,99999999", "10000000,00000001", "-1.234.567,12345678", "9.999.999,99999999"], True)
@example(["9999999999.999", "9999999999.99", "00000000000000000012.5", "000000000000000000012.5"], False)
@example(["12345678901.5", "99999999999999999999", "-0000000009999999.99999999", "10000000"], False)
@example(["$-12.5", "-$12.5", "¥1,234", "000000000012.5", "12,-", "1\x0b2", "١٢٣", "1.5e3", "12.3.4"], False)
@example(["9999999999.99", "10000000000.00", "-10000000000.00", "99999999999999.99", "10,000,000,000.00"], False)
@example(["9.999.999.999,99", "10.000.000.000,00", "-10000000000,00", "99999999999999,99", "10000000000,-"], True)
@example(["9999999999.995", "9999999999.9949999999", "(10000000000)", "١٠٠٠٠٠٠٠٠٠٠٠", "0009999999999.99"], False)
@example(["\u200b12.5", "$1,234.50\ufeff", "\u2060 -3\u200d", "1\u200b2"], False)  # trimmed as cells are
@example(
    ["12€50", "5$00", "1 2 3", "1 23.50", "12.50 3", "12 34", "1 234.50", "€\u00a01 234.50", "CHF 1'234.50"], False
)
@example(["1 234,50 €", "1 000,10", "1.234,50-", "1\u202f234,5", "12 €50", "1 234'567", "- 5,00", "5,00 -"], True)
@example(["$1,234.50", "($1,234.50)", "USD -5.00", "-5.00 USD", "1,234 567.00", "1 234 567", "0 123"], False)
@example(["(USD 1234.50)", "-USD 5.00", "(1234.50 USD)", "1234.50 USD-", "-US$5", "(R$ 5)", "-usd 5", "(US 5)"], False)
@example(["١٢\u066b٥٠", "١\u066c٢٣٤\u066b٥", "12\u066c50", "1\u066c234,5", "1.234\u066b5", "$١\u066c٠٠٠"], True)
@example(["(٣\u066b٢٥)", "١\u066c٢٣٤\u066c٥٦٧", "12\u066b5\u066b0", "\u066b5", "5\u066b"], False)
def test_the_kernel_amount_parser_agrees_with_the_pure_python_one(texts, decimal_comma):
    trimmed = [trim(t) for t in texts]
    # A slice, as the chunk's columns often are: the fast paths read the buffers from its offset.
    column = pa.array(["1,5", *trimmed], pa.string()).slice(1)
    values, marks = amounts(column, decimal_comma=decimal_comma)
    assert values.to_pylist() == [parse_amount(t, decimal_comma) if t else None for t in trimmed]
    too_large = marks.get("amount_too_large", np.zeros(len(trimmed), dtype=bool)).tolist()
    assert too_large == [bool(t) and amount_is_too_large(t, decimal_comma) for t in trimmed]


# An amount rendered from its value (review B9-1): thousands marks of the convention, a currency sign or
# code before or after, a sign, parentheses or a trailing minus inside or around them (review B10-7); or
# in Arabic-Indic digits with the Arabic decimal separator (U+066B) and, for the convention's mark, the
# Arabic thousands mark (U+066C), which read the same in either convention. And three ways to break one,
# each no amount: a currency sign in place of the decimal separator (`12€50`), a group after the decimals
# (`12.50 3`), groups of two (`1 23 45.00`).
MARKS = {False: [",", " ", "\u00a0", "\u202f", "\u2009", "'"], True: [".", " ", "\u00a0", "\u202f", "\u2009", "'"]}
NEGATIVE = [("-", ""), ("(", ")"), ("", "-")]


def grouped(digits: str, size: int, mark: str) -> str:
    groups = []
    while digits:
        groups.insert(0, digits[-size:])
        digits = digits[:-size]
    return mark.join(groups)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 999_999_999_999),
    st.booleans(),
    st.integers(0, 5),
    st.sampled_from(["", "$", "€", "€ ", "£", "USD ", "CHF "]),
    st.sampled_from(["", " €", "€", " EUR", " $"]),
    st.sampled_from([None, *NEGATIVE]),
    st.sampled_from([None, "sign", "after_decimals", "pairs"]),
    st.booleans(),
    st.booleans(),
)
def test_an_amount_rendered_from_its_value_reads_as_that_value_and_a_broken_one_not_at_all(
    cents, decimal_comma, mark, before, after, negative, broken, arabic, outside
):
    whole, fraction = str(cents // 100), f"{cents % 100:02d}"
    point = "\u066b" if arabic else "," if decimal_comma else "."
    mark = "\u066c" if arabic and mark == 0 else MARKS[decimal_comma][mark]
    if arabic:
        whole, fraction = (part.translate(str.maketrans("0123456789", DIGIT_SCRIPTS[0])) for part in (whole, fraction))
    number = grouped(whole, 3, mark) + point + fraction
    value = Decimal(cents).scaleb(-2)
    if broken == "sign":
        number, value = whole + "€" + fraction, None
    elif broken == "after_decimals":
        number, value = number + " 3", None
    elif broken == "pairs" and cents >= 10000:
        number, value = grouped(whole, 2, " ") + point + fraction, None
    text = before + number + after
    if negative is not None:  # the sign or parentheses inside the currency and code, or around them (review B10-7)
        text = negative[0] + text + negative[1] if outside else before + negative[0] + number + negative[1] + after
        value = None if value is None else -value
    assert parse_amount(text, decimal_comma) == value, text
    column = pa.array(["1,5", text], pa.string()).slice(1)
    assert amounts(column, decimal_comma=decimal_comma)[0].to_pylist() == [value], text


DIGIT_SCRIPTS = [
    "٠١٢٣٤٥٦٧٨٩",
    "۰۱۲۳۴۵۶۷۸۹",
    "०१२३४५६७८९",
    "০১২৩৪৫৬৭৮৯",
    "０１２３４５６７８９",
]  # Arabic-Indic, Persian, ...


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(date_text, amount_text, fast_path_amounts), max_size=12),
    st.sampled_from(DIGIT_SCRIPTS),
    st.integers(0, 2**12 - 1),
)
def test_cells_in_other_digit_scripts_vote_as_their_ascii_equivalents(texts, script, which):
    # Review B9-3: the date-order and the separator votes of a column with some cells written in another
    # script's digits are those of the same column in ASCII digits.
    ascii_cells = [trim(t) for t in texts]
    table = str.maketrans("0123456789", script)
    other = [t.translate(table) if which >> i & 1 else t for i, t in enumerate(ascii_cells)]
    assert date_votes(pa.array(other, pa.string())) == date_votes(pa.array(ascii_cells, pa.string()))
    assert separator_votes(pa.array(other, pa.string())) == separator_votes(pa.array(ascii_cells, pa.string()))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(amount_text, fast_path_amounts, st.sampled_from(["abc", "#VALUE!", "--5"])), max_size=12),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
    st.sampled_from([(4096, 4096), (2, 4096), (4096, 2)]),
)
def test_amounts_a_file_has_read_before_read_the_same_again(chunks, decimal_comma, limits):
    memo = GeneralMemo()
    memo.SMALL, memo.LIMIT = limits  # also chunks read past the memo, and a memo that is full
    for texts in chunks + chunks[::-1]:
        column = pa.array([trim(t) for t in texts], pa.string())
        values, marks = amounts(column, decimal_comma=decimal_comma, memo=memo)
        alone, alone_marks = amounts(column, decimal_comma=decimal_comma)
        assert values.to_pylist() == alone.to_pylist()
        assert {code: mask.tolist() for code, mask in marks.items()} == {
            code: mask.tolist() for code, mask in alone_marks.items()
        }


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            amount_text,
            fast_path_amounts,
            st.from_regex(r"\A[-$€£]{0,2}[0-9]{0,4}([.,][0-9]{0,5}){0,3}-?\Z"),
            st.sampled_from(["", "—", "(1.234)", "1.234,", "0,500", "0.234", "$ 1,234.50", "1,234.50 USD"]),
        ),
        max_size=20,
    )
)
def test_decimal_separator_votes_read_from_shapes_agree_with_the_general_parse(texts):
    column = pa.array([trim(t) for t in texts] + [None], pa.string())
    assert separator_votes(column) == _shape_votes(column)
    # a slice's bytes start and end inside its buffers (the check for a `.` or `,` reads them there)
    sliced = pa.array(["1.5"] + [trim(t) for t in texts] + ["2,5"], pa.string()).slice(1, len(texts))
    assert separator_votes(sliced) == _shape_votes(sliced)


# A numeric date, restated from dates.py's docstring: one or two digits, `-`, `/` or `.`, one or two
# digits, the same separator, a year of two or four digits; then nothing, or a space or `T` and more.
NUMERIC_DATE = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})(?:[ T].*)?\Z")


def is_numeric_date(cell: str) -> bool:
    """The shape, and a real day either way (dotted: day first) in 1900-2999, two-digit years 1970-2069
    (review B9-7: `00/00/0000` is no numeric date), by the standard library's calendar."""
    m = NUMERIC_DATE.match(cell)
    if not m:
        return False
    a, b, y = int(m[1]), int(m[3]), int(m[4])
    y = (2000 + y if y < 70 else 1900 + y) if len(m[4]) == 2 else y
    readings = [(b, a)] if m[2] == "." else [(b, a), (a, b)]  # (month, day)
    for month, day in readings:
        try:
            if 1900 <= y <= 2999 and date(y, month, day):
                return True
        except ValueError:
            pass
    return False


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(date_text, st.none()), max_size=12), st.booleans())
def test_a_chunk_has_numeric_dates_exactly_when_a_cell_has_the_shape(texts, sliced):
    cells = [None if t is None else trim(t) for t in texts]
    column = pa.array(["1/2/25"] + cells + ["3/4/25"], pa.string()).slice(1, len(cells)) if sliced else pa.array(cells)
    expected = any(c is not None and is_numeric_date(c) for c in cells)
    assert date_votes(column.cast(pa.string()))[1] == expected


def whole_number(text: str, decimal_comma: bool = False) -> int | None:
    """The quantity rule, one cell: `3`, `+3`, `-3`, `3.00`, `1,200` (decimal comma: `3,00`, `1.200`);
    one sign at most; at most 15 digits. Else what the one-cell amount rule reads to a whole number
    (`３`, `1 000`, `(3)`, `$3`), of a cell with at most 8 decimals (review B8-6)."""
    group, point = (".", ",") if decimal_comma else (",", ".")
    grouped, fraction = rf"[0-9]{{1,3}}(?:{re.escape(group)}[0-9]{{3}})+", rf"(?:{re.escape(point)}0+)?"
    m = re.fullmatch(rf"([+-]?)((?:{grouped}|[0-9]{{1,15}})){fraction}", text)
    digits = m.group(2).replace(group, "") if m else ""
    if m and len(digits) <= 15:
        return int(m.group(1) + digits)
    if re.search(rf"{re.escape(point)}\d{{9}}", text):  # Python's \d: any script's digits
        return None
    value = parse_amount(text, decimal_comma)
    return int(value) if value is not None and value == value.to_integral_value() else None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.from_regex(r"\A[+-]{0,2}[0-9]{0,17}([.,][0-9]{0,4}){0,6}\Z")
        | st.from_regex(r"\A[($]?[-+]?[0-9０-９٣ '\u00a0]{1,8}([.,][0-9０-９]{0,10})?[-)]?\Z")
        | st.text(max_size=5),
        max_size=20,
    ),
    st.booleans(),
)
@example(["３", "1 000", "1 000,10", "(3)", "3-", "$3", "3.0000000001", "3,0000000001", "١٢"], False)
@example(["３", "1 000", "1 000,10", "２,００", "1.000.000,000000000"], True)
def test_the_kernel_quantity_parser_agrees_with_the_one_cell_rule(texts, decimal_comma):
    trimmed = [trim(t) for t in texts]
    expected = [whole_number(t, decimal_comma) if t else None for t in trimmed]
    assert integers(pa.array(trimmed, pa.string()), decimal_comma).to_pylist() == expected
    # Repeated four times the column has few distinct cells: it is read once per distinct cell.
    assert integers(pa.array(trimmed * 4, pa.string()), decimal_comma).to_pylist() == expected * 4


@settings(max_examples=300, deadline=None)
@given(st.lists(date_text, min_size=1, max_size=20), st.booleans())
def test_the_kernel_date_parser_agrees_with_the_pure_python_one(texts, day_first):
    trimmed = [trim(t) for t in texts]
    expected = [parse_date(t, day_first) if t else None for t in trimmed]
    assert dates(pa.array(trimmed, pa.string()), day_first=day_first).to_pylist() == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(date_text, max_size=12), min_size=1, max_size=4), st.booleans())
def test_dates_a_file_has_read_before_read_the_same_again(chunks, day_first):
    memo = DateMemo()
    for texts in chunks + chunks[::-1]:
        column = pa.array([trim(t) or None for t in texts], pa.string())
        assert (
            dates(column, day_first=day_first, memo=memo).to_pylist() == dates(column, day_first=day_first).to_pylist()
        )


def outcome(body: bytes):
    """Everything a run produces, comparable across runs."""
    with tempfile.TemporaryDirectory() as workdir:
        try:
            result = clean(body, workdir)
        except UnreadableFile as exc:
            return str(exc)
        kept = {month: pq.read_table(path).to_pylist() for month, path in result.months.items()}
        rejected = result.rejected_path.read_text() if result.rejected_path else ""
        counts = (result.rows_in, result.duplicates, result.superseded, result.merged, result.orders_stale)
        return counts, result.decisions, result.grain, kept, rejected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.integers(min_value=8, max_value=300), st.sampled_from(["\n", "\r\n"]))
# Found by CI: the evidence sample once ended at the first chunk with votes, so one tiny chunk
# counted one decimal-point cell where the whole file counted two.
@example(data=[["0", "0", "0.0", "", "0/20/00", "0"], ["0", "0", "0.0"]], chunk_bytes=8, newline="\n")
# Found by a run: date votes and shapes were distinct cells per chunk, summed (one date twice = 2).
@example(data=[["", "0", "", "", "00000000"], ["", "0", "", "", "00000000"]], chunk_bytes=8, newline="\n")
# Found by a run: a quoted bare CR is a line of its own to the csv module, and was none to Arrow's reader.
@example(data=[["0", "0", "0", "", "0", "\r"], ["0"]], chunk_bytes=8, newline="\r\n")
def test_chunk_boundaries_never_change_the_outcome(data, chunk_bytes, newline):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator=newline)
    writer.writerow(HEADERS)
    writer.writerows(data)
    body = text.getvalue().encode()
    whole = outcome(body)
    # (With tiny chunks the date-order sample must still cover the whole file, as it does in one chunk.)
    saved = text_module.CHUNK_BYTES, decide.EVIDENCE_CHUNKS
    text_module.CHUNK_BYTES, decide.EVIDENCE_CHUNKS = chunk_bytes, 10**6
    try:
        assert outcome(body) == whole
    finally:
        text_module.CHUNK_BYTES, decide.EVIDENCE_CHUNKS = saved


text_cell = st.lists(st.sampled_from(["a", " ", ",", ";", '"', "\n", "\r\n", "é"]), max_size=6).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(text_cell, min_size=3, max_size=3), min_size=1, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.integers(min_value=0, max_value=400),
)
@example([["", "", "\n"]], "\n", 3)  # cut inside the last record's quotes: as many records as lines
@example([["a", "b\nc", "d"], ["e", "f", "g"]], "\n", 400)
def test_the_arrow_reading_of_records_and_their_lines_agrees_with_the_csv_module(data, newline, cut):
    text = io.StringIO()
    csv.writer(text, lineterminator=newline).writerows(data)
    body = text.getvalue().encode()
    # A chunk ends after some LF, possibly inside a quoted field (then the csv module's reading
    # leaves the cut record pending for the next chunk).
    end = body.rfind(b"\n", 0, cut + 1) + 1 or len(body)
    chunk, final = body[:end], end == len(body)
    fast, consumed, pending = parse_chunk(chunk, final, 3, ",", 7)
    table, lines, ref_consumed, ref_pending, _, _ = csv_module_parse(chunk, final, ["c0", "c1", "c2"], ",", 7)
    assert fast.table.to_pylist() == table.to_pylist()
    assert fast.lines.tolist() == lines.tolist()
    assert (consumed, pending) == (ref_consumed, ref_pending)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.from_regex(r"\A[+-]?[0-9]{1,3}([.,][0-9]{1,3})?[eE][+-]?[0-9]{1,2}\Z"),
            st.from_regex(r"\A[0-9+-][0-9a-zA-Z.,+-]{0,6}\Z"),
            st.text(max_size=6),
            st.sampled_from(["", "SO-1", "DE-2E3", "4.40213E+11", "-1e5x"]),
        ),
        max_size=20,
    )
)
def test_spreadsheet_mangled_ids_are_found_exactly_where_the_pattern_matches(ids):
    # The regex runs only on ids whose first byte is a digit or a sign; a slice, as chunk columns are.
    found = _mangled(pa.array(["9E9", *ids], pa.string()).slice(1))
    expected = [re.fullmatch(r"[+-]?[0-9]([.,][0-9]+)?[eE][+-][0-9]+", i) is not None for i in ids]
    assert (found.tolist() if found is not None else [False] * len(ids)) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(alphabet="=+-@\t\r\n0123456789.,eE a'", max_size=7), st.text(max_size=4)),
        max_size=20,
    )
)
def test_exactly_the_cells_a_spreadsheet_would_run_as_formulas_get_the_quote_prefix(cells):
    # A slice, as the rejected rows' columns are; nulls stay null.
    safe = formula_safe(pa.array(["=x", *cells], pa.string()).slice(1)).to_pylist()
    number = re.compile(r"-?([0-9][0-9,]*(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
    risky = [c is not None and c[:1] != "" and c[0] in "=+-@\t\r" and not number.fullmatch(c) for c in cells]
    assert safe == [("'" + c if r else c) for c, r in zip(cells, risky)]
    # Nulls whose slots still hold text (as `cleaned_text` leaves a placeholder's bytes) stay null.
    filled = pa.array([c if c is not None else "=1+" for c in cells], pa.string())
    validity = pa.array([c is not None for c in cells], pa.bool_()).buffers()[1]
    masked = pa.Array.from_buffers(pa.string(), len(cells), [validity, *filled.buffers()[1:]])
    assert formula_safe(masked).to_pylist() == safe


# Whitespace (ASCII, information separators, Unicode), zero-width characters, letters and placeholder pieces.
_CELL_PIECES = [*" \t\r\x1c\x1f\xa0\u3000\u2009", *"\u200b\u200c\u200d\u2060\ufeff", *"aéNn/A-—#"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.sampled_from(_CELL_PIECES), max_size=6).map("".join)), max_size=12))
# ASCII text and zero-width characters only: no whitespace beyond ASCII for the kernels to see.
@example(["1001\u200b", "\ufeff1001", "\u20601\u2060", " \u200dN/A\u200c ", "a\u200bb", "\ufeff", None])
def test_the_kernel_text_cleaning_agrees_with_the_trim_rule_and_the_placeholders(cells):
    # The whitespace of Python's str.strip() and of Arrow's utf8 trim, and the zero-width characters;
    # a slice, as chunk columns are.
    cleaned = cleaned_text(pa.array(["x", *cells], pa.string()).slice(1)).to_pylist()
    expected = [None if c is None or not trim(c) or trim(c).lower() in PLACEHOLDERS else trim(c) for c in cells]
    assert cleaned == expected


_STATUS_PIECES = [*" \t\xa0-", "Shipped", "done", "N/A", "null", "weird", "in transit", "3", "1,200", "x" * 60]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_STATUS_PIECES), max_size=3).map("".join), max_size=16),
    st.lists(st.booleans(), min_size=16, max_size=16),
    st.booleans(),
)
def test_cells_cleaned_once_per_distinct_cell_read_as_every_cell_cleaned_alone(cells, counted, decimal_comma):
    # Statuses, quantities and the length check on dictionary-encoded cleaned cells (`cleaned_codes`),
    # against every cell cleaned alone (statuses: the column kernels, which other tests hold to
    # canonical_status; quantities and lengths: the one-cell rules); a slice, as chunk columns are.
    column = pa.array(["x", *cells], pa.string()).slice(1)
    coded, rows = cleaned_codes(column), np.array(counted[: len(cells)], dtype=bool)
    kept = [None if not trim(c) or trim(c).lower() in PLACEHOLDERS else trim(c) for c in cells]
    assert cleaned_text(column).to_pylist() == kept
    assert pc.is_valid(coded).to_pylist() == [k is not None for k in kept]  # blank rows see the nulls
    words, unknown = status_words(coded, rows)
    plain_words, plain_unknown = status_words(cleaned_text(column), rows)
    assert words.to_pylist() == plain_words.to_pylist()
    for encoded in (words, plain_words):  # grouped by their indices later (exact duplicates): each word once
        dictionary = encoded.dictionary.to_pylist()
        assert None not in dictionary and len(set(dictionary)) == len(dictionary)
        assert pc.is_valid(encoded).to_pylist() == [w is not None for w in encoded.to_pylist()]
    assert unknown == plain_unknown and list(unknown) == list(plain_unknown)  # counts in order of first appearance
    assert integers(coded, decimal_comma).to_pylist() == [
        None if k is None else whole_number(k, decimal_comma) for k in kept
    ]
    longer = _longer(coded, 100)
    assert (longer.tolist() if longer is not None else [False] * len(cells)) == [len(k or "") > 100 for k in kept]


_STATUS_SPACES = [*" \t\xa0\u3000\u2009\u202f\x1c\x1f\x85-", "Shipped", "ON", "hold", "in", "transit", "É", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_STATUS_SPACES), min_size=1, max_size=5).map("".join), max_size=12))
def test_the_status_kernel_reads_every_cell_as_canonical_status_does(cells):
    # Unicode spaces inside a status (a no-break space pasted from a web page) join its words as
    # ASCII ones do: "on\xa0hold" is on_hold in the Lambda's column kernel and in the site's filter.
    kept = [trim(c) for c in cells if trim(c) and trim(c).lower() not in PLACEHOLDERS]
    words = statuses(cleaned_text(pa.array(kept, pa.string()))).to_pylist()
    assert words == [canonical_status(c) for c in kept]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.decimals(min_value=Decimal("-9999999999.99"), max_value=Decimal("9999999999.99"), places=8),
            st.sampled_from(["0", "-0.00000001", "0.00000001", "-9999999999.99999999"]).map(Decimal),
        ),
        max_size=30,
    ),
    st.lists(st.booleans(), min_size=30, max_size=30),
)
def test_negative_amounts_read_from_the_words_are_the_kept_values_below_zero(values, kept):
    # The oracle: Python's Decimal comparison, per kept row. A null's slot holds a negative number,
    # as `amounts` may leave there; a slice, as a chunk's columns can be.
    filled = pa.array([Decimal(1), *(Decimal(-1) if v is None else v for v in values)], LINE_AMOUNT_TYPE)
    validity = pa.array([True, *(v is not None for v in values)]).buffers()[1]
    amount = pa.Array.from_buffers(LINE_AMOUNT_TYPE, len(values) + 1, [validity, filled.buffers()[1]]).slice(1)
    good = np.array(kept[: len(values)], dtype=bool)
    found, _ = doubts(pa.array(["A"] * len(values), pa.string()), amount, good, np.arange(len(values)) + 2)
    negative = [i + 2 for i, (v, k) in enumerate(zip(values, kept)) if k and v is not None and v < 0]
    assert found.rows["negative_amounts"] == len(negative)
    assert found.lines.get("negative_amounts", []) == negative[:5]
