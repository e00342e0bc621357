"""One chunk of records in, its typed lines (by dedup bucket), rejects and counts out. Pure.

A row is blank when every cell, mapped or not, is empty, whitespace or a placeholder (`N/A`, `#N/A`,
`-`, ...: `values.cleaned_text`): not an order, counted apart (`rows_blank`). A row with a usable
id but without an amount (its date empty or readable) or without a date (its amount readable) is held
back ("deferred"): it may be a line of its order (Shopify writes an order's amount, date, status and
customer on its first line only; a status log may write the amount on an order's first row only), so
it goes to the buckets like any row and its raw text is kept until the grain step decides (`grain`:
rejected `missing_amount` or `missing_order_date` only when its order has none on any line).
"""

import functools
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profile
from .amount_memo import GeneralMemo
from .amounts import LINE_AMOUNT_TYPE, amounts
from .arrow_buffers import bool_mask, one_array, valid_mask
from .buckets import nulls, split_by_bucket
from .contract import BY_NAME
from .dates import DateMemo, dates
from .doubts import Doubts, doubts
from .reading import Chunk
from .rejects import reason_numbers, rejected
from .values import cleaned_codes, cleaned_text, integers, status_words

# What a chunk hands to the dedup buckets: the contract's columns read from the file, and the line.
LINE_FIELDS = [
    "order_id", "customer", "amount", "status", "order_date", "product", "category", "region", "country",
    "channel", "quantity", "line_id",
]  # fmt: skip
# Amounts stay exact here (LINE_AMOUNT_TYPE): an order's amount is rounded to cents once, in `grain`.
# Statuses stay dictionary-encoded (`values.status_words`), as the Parquet writer takes them.
_TYPES = {n: LINE_AMOUNT_TYPE if n == "amount" else BY_NAME[n].type for n in LINE_FIELDS}
_TYPES["status"] = pa.dictionary(pa.int32(), _TYPES["status"])
LINE_SCHEMA = pa.schema(list(_TYPES.items()) + [("line", pa.int64())])
# Columns of few distinct cells, read per distinct cell: cleaned that way too (`cleaned_codes`).
_CODED = ("status", "quantity")


@dataclass(frozen=True)
class Formats:
    """What is decided once per file before any row is cleaned."""

    day_first: bool
    decimal_comma: bool
    year_first: bool = False  # two-digit years stand first, yy-mm-dd (`years`)
    dates: DateMemo = field(default_factory=DateMemo, compare=False, repr=False)  # the file's dates read so far
    # and its unreadable ones as the other day/month order reads them (`rejects`: once per file, not per chunk)
    other_dates: DateMemo = field(default_factory=DateMemo, compare=False, repr=False)
    general: GeneralMemo = field(default_factory=GeneralMemo, compare=False, repr=False)  # and odd amounts


@dataclass
class Cleaned:
    rows_in: int = 0
    rows_blank: int = 0
    lines: list[tuple[int, pa.RecordBatch]] = field(default_factory=list)  # (bucket, lines)
    rejected: tuple[pa.Table, np.ndarray, pa.Array, pa.Array] | None = None  # raw, lines, codes, texts
    deferred: tuple[pa.Table, np.ndarray] | None = None  # raw rows without an amount or a date, and their lines
    reason_counts: dict[str, int] = field(default_factory=dict)
    doubts: Doubts = field(default_factory=Doubts)  # kept values that become warnings


def _nonblank(raw: pa.Table, used: dict[str, pa.Array], mapped: set[int], wide: np.ndarray | None) -> pa.Array:
    """The blank rule (above), its one place: per row of `raw`, whether a cell is real. `used`: the cleaned
    columns at the positions `mapped` ({} for none); the others are cleaned here (`cleaned_text`:
    placeholders null), only for the rows whose `used` cells are all empty and that are not `wide`."""
    # Cleaned text is null where empty (coded text: its indices, `cleaned_codes`).
    filled = [pc.is_valid(cell.indices if isinstance(cell, pa.DictionaryArray) else cell) for cell in used.values()]
    nonblank = functools.reduce(pc.or_, filled) if filled else None
    if nonblank is not None and pc.all(nonblank).as_py():
        return one_array(nonblank)
    # The other columns matter only to rows whose mapped cells are all empty (none, mostly): those
    # rows' cells alone are cleaned, placeholders null as in a mapped column; a wide row's extra
    # cells (`Chunk.wide`: one is not empty) make it a row too.
    mask = np.zeros(raw.num_rows, bool) if nonblank is None else bool_mask(nonblank).copy()
    if wide is not None:
        mask |= wide
    empty = np.flatnonzero(~mask)
    for i, column in enumerate(raw.columns):
        if i not in mapped:
            cells = one_array(column) if len(empty) == len(mask) else one_array(column).take(pa.array(empty))
            mask[empty[valid_mask(cleaned_text(cells))]] = True
    return pa.array(mask)


def _either(wide: np.ndarray | None, unclosed: np.ndarray | None) -> np.ndarray | None:
    """The records that are rows whatever their cells: wide ones, and an unclosed quote's (a line of `"` alone)."""
    if wide is None or unclosed is None:
        return unclosed if wide is None else wide
    return wide | unclosed


def count_blank(chunk: Chunk) -> int:
    """The blank records of a chunk (`_nonblank`'s rule, every column cleaned), for a file rejected as a
    whole that is read only to count them."""
    nonblank = _nonblank(chunk.table, {}, set(), _either(chunk.wide, chunk.unclosed))
    return chunk.table.num_rows - int(np.count_nonzero(bool_mask(nonblank)))


def cleaned_column(chunk: Chunk, i: int) -> pa.Array:
    """`cleaned_text` of column i, worked out once per chunk (`decide` reads the sample's dates and
    amounts before their rows are cleaned)."""
    text = chunk.cleaned.get(i)
    if text is None:
        text = chunk.cleaned[i] = cleaned_text(chunk.column(i))
    return text


def clean_chunk(
    chunk: Chunk, mapping: dict[str, int], formats: Formats, buckets: int = 1, names: dict[str, str] | None = None
) -> Cleaned:
    """`names`: the header's name of each mapped column, {column: name}: a row of them again is rejected
    `repeated_header` (`rejects`)."""
    with profile.stage("clean"):
        return _clean(chunk, mapping, formats, buckets, names)


def _clean(
    chunk: Chunk, mapping: dict[str, int], formats: Formats, buckets: int, names: dict[str, str] | None
) -> Cleaned:
    cleaned = Cleaned()
    raw, lines = chunk.table, chunk.lines
    used = {
        column: cleaned_codes(chunk.column(i)) if column in _CODED else cleaned_column(chunk, i)
        for column, i in mapping.items()
    }
    with profile.stage("clean.blank rows"):
        wide, unclosed = chunk.wide, chunk.unclosed
        nonblank = _nonblank(raw, used, set(mapping.values()), _either(wide, unclosed))
        if not pc.all(nonblank).as_py():
            raw, lines = raw.filter(nonblank), lines[bool_mask(nonblank)]
            wide, unclosed = (None if m is None else m[bool_mask(nonblank)] for m in (wide, unclosed))
            used = {column: cell.filter(nonblank) for column, cell in used.items()}
    n = cleaned.rows_in = raw.num_rows
    cleaned.rows_blank = chunk.table.num_rows - n
    if not n:
        return cleaned
    # Null columns only for the fields the file lacks: slices of one kept array (`buckets.nulls`).
    cell = {c: used[c] if c in used else nulls(n, pa.string()) for c in LINE_FIELDS}
    amount, amount_marks = amounts(cell["amount"], decimal_comma=formats.decimal_comma, memo=formats.general)
    order_date = dates(
        cell["order_date"], day_first=formats.day_first, memo=formats.dates, year_first=formats.year_first
    )
    with profile.stage("clean.checks"):
        number = reason_numbers(used, cell, amount, amount_marks, order_date, names, raw, wide, unclosed)
        good = number == 0
    if not good.all():
        with profile.stage("clean.reject"):
            cleaned.rejected, cleaned.reason_counts = rejected(
                raw, lines, number, cell, formats.day_first, formats.other_dates, formats.year_first
            )
    with profile.stage("clean.deferred"):
        gaps = [c for c in (cell["amount"], order_date) if c.null_count]  # (dates: null where empty or unread)
        deferred = good & ~np.logical_and.reduce([valid_mask(c) for c in gaps]) if gaps else None
        if deferred is not None and deferred.any():
            rows = np.flatnonzero(deferred)
            cleaned.deferred = (raw.take(pa.array(rows)), lines[rows])
    columns = {name: used[name] for name in used if name in _TYPES and name not in ("status", "quantity")}
    columns.update(order_id=cell["order_id"], amount=amount, order_date=order_date)
    with profile.stage("clean.doubts"):
        cleaned.doubts, columns["order_id"] = doubts(cell["order_id"], amount, good, lines, formats.decimal_comma)
        if wide is not None:
            cleaned.doubts.extra_cells(wide, good, lines)
    if "status" in used:
        columns["status"], cleaned.doubts.statuses = status_words(used["status"], good)
        cleaned.doubts.unknown_statuses(columns["status"], good, lines)
    if "quantity" in used:
        columns["quantity"] = integers(used["quantity"], formats.decimal_comma)
        cleaned.doubts.quantities(columns["quantity"], amount, good, lines, used["quantity"])
    with profile.stage("clean.typed and buckets"):
        # Columns the file does not have stay null without a pass over them.
        filled = [columns[name] if name in columns else nulls(n, _TYPES[name]) for name in LINE_FIELDS]
        typed = pa.table(filled + [pa.array(lines)], schema=LINE_SCHEMA)
        cleaned.lines = split_by_bucket(typed, buckets, good)
    return cleaned
