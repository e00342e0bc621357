"""One chunk of records in, its typed lines (by dedup bucket), rejects and counts out. Pure.

A row is blank when every cell is empty or whitespace: not an order, not counted. A row without an
amount but with a usable id (and a date that is empty or readable) is held back ("deferred"): in a
line-item file it may be a continuation line of its order, and Shopify writes an order's amount,
date, status and customer on its first line only; the grain step decides, see `grain`.
"""

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profile
from .amounts import LINE_AMOUNT_TYPE, amounts
from .buckets import split_by_bucket
from .contract import BY_NAME, MAX_TEXT_LENGTH
from .dates import DateMemo, dates
from .doubts import Doubts, doubts
from .reading import Chunk
from .reasons import ROW_REASONS, WITH_VALUE
from .values import cleaned_text, integers, status_words

# What a chunk hands to the dedup buckets: the contract's columns read from the file, and the line.
LINE_FIELDS = [
    "order_id", "customer", "amount", "status", "order_date", "product", "category", "region", "country",
    "channel", "quantity", "line_id",
]  # fmt: skip
# Amounts stay exact here (LINE_AMOUNT_TYPE): an order's amount is rounded to cents once, in `grain`.
_TYPES = {n: LINE_AMOUNT_TYPE if n == "amount" else BY_NAME[n].type for n in LINE_FIELDS}
LINE_SCHEMA = pa.schema(list(_TYPES.items()) + [("line", pa.int64())])
_MANGLED_ID = r"^[+-]?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+$"


@dataclass(frozen=True)
class Formats:
    """What is decided once per file before any row is cleaned."""

    day_first: bool
    decimal_comma: bool
    dates: DateMemo = field(default_factory=DateMemo, compare=False, repr=False)  # the file's dates read so far


@dataclass
class Cleaned:
    rows_in: int = 0
    lines: list[tuple[int, pa.RecordBatch]] = field(default_factory=list)  # (bucket, lines)
    rejected: tuple[pa.Table, np.ndarray, pa.Array, pa.Array] | None = None  # raw, lines, codes, texts
    deferred: tuple[pa.Table, np.ndarray] | None = None  # raw rows without an amount, and their lines
    reason_counts: dict[str, int] = field(default_factory=dict)
    doubts: Doubts = field(default_factory=Doubts)  # kept values that become warnings


def _mask(array) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _longer(text: pa.Array, limit: int) -> pa.Array:
    """Cells of more than `limit` characters; counted only where the bytes are more (UTF-8: bytes >= characters)."""
    many_bytes = pc.fill_null(pc.greater(pc.binary_length(text), limit), False)
    if not pc.any(many_bytes).as_py():
        return many_bytes
    return pc.and_(many_bytes, pc.fill_null(pc.greater(pc.utf8_length(text), limit), False))


def _mangled(order_id: pa.Array) -> pa.Array:
    """Ids a spreadsheet wrote in scientific notation; the regex runs only when some id holds an e or E."""
    text = order_id.buffers()[2]
    raw = text.to_pybytes() if text is not None else b""
    if b"e" not in raw and b"E" not in raw:
        return pa.array(np.zeros(len(order_id), dtype=bool))
    return pc.fill_null(pc.match_substring_regex(order_id, _MANGLED_ID), False)


def _unread(empty: pa.Array, value: pa.Array, wrong_convention: pa.Array | None) -> pa.Array:
    """Cells with text that is no amount in either convention."""
    unread = pc.and_(pc.invert(empty), pc.is_null(value))
    return unread if wrong_convention is None else pc.and_(unread, pc.invert(wrong_convention))


def _nonblank(raw: pa.Table, used: dict[str, pa.Array], mapped: set[int]) -> pa.Array:
    filled = [pc.is_valid(cell) for cell in used.values()]  # cleaned text is null where empty
    for i, column in enumerate(raw.columns):
        if i not in mapped:
            filled.append(pc.invert(pc.or_(pc.equal(pc.binary_length(column), 0), pc.utf8_is_space(column))))
    nonblank = filled[0]
    for f in filled[1:]:
        nonblank = pc.or_(nonblank, f)
    return nonblank.combine_chunks() if isinstance(nonblank, pa.ChunkedArray) else nonblank


def clean_chunk(chunk: Chunk, mapping: dict[str, int], formats: Formats, buckets: int = 1) -> Cleaned:
    with profile.stage("clean"):
        return _clean(chunk, mapping, formats, buckets)


def _clean(chunk: Chunk, mapping: dict[str, int], formats: Formats, buckets: int) -> Cleaned:
    cleaned = Cleaned()
    raw, lines = chunk.table, chunk.lines
    used = {column: cleaned_text(raw.column(i).combine_chunks()) for column, i in mapping.items()}
    with profile.stage("clean.blank rows"):
        nonblank = _nonblank(raw, used, set(mapping.values()))
        if not pc.all(nonblank).as_py():
            raw, lines = raw.filter(nonblank), lines[_mask(nonblank)]
            used = {column: cell.filter(nonblank) for column, cell in used.items()}
    n = cleaned.rows_in = raw.num_rows
    if not n:
        return cleaned
    with profile.stage("clean.cells"):
        cell = {c: used.get(c, pa.nulls(n, pa.string())) for c in LINE_FIELDS}
        empty = {c: pc.is_null(cell[c]) for c in ("order_id", "amount", "order_date")}
    amount, wrong_convention = amounts(cell["amount"], decimal_comma=formats.decimal_comma)
    order_date = dates(cell["order_date"], day_first=formats.day_first, memo=formats.dates)
    with profile.stage("clean.checks"):
        bad_date = pc.and_(pc.invert(empty["order_date"]), pc.is_null(order_date))
        no = too_long = pa.array(np.zeros(n, dtype=bool))
        for column, limit in MAX_TEXT_LENGTH.items():
            if column in used:
                too_long = pc.or_(too_long, _longer(used[column], limit))
        checks = {
            "value_too_long": too_long,
            "missing_order_id": empty["order_id"],
            "mangled_id": _mangled(cell["order_id"]),
            "missing_amount": pc.and_(empty["amount"], bad_date),
            "bad_amount": _unread(empty["amount"], amount, wrong_convention),
            "amount_format": no if wrong_convention is None else wrong_convention,
            "missing_order_date": pc.and_(pc.invert(empty["amount"]), empty["order_date"]),
            "bad_order_date": bad_date,
        }
        rejected = checks["value_too_long"]
        for mask in list(checks.values())[1:]:
            rejected = pc.or_(rejected, mask)
    with profile.stage("clean.reject"):
        if pc.any(rejected).as_py():
            _reject(cleaned, raw, lines, rejected, checks, cell)
    with profile.stage("clean.deferred"):
        good = pc.invert(rejected)
        deferred = pc.and_(good, empty["amount"])
        if pc.any(deferred).as_py():
            cleaned.deferred = (raw.filter(deferred), lines[_mask(deferred)])
    with profile.stage("clean.columns"):
        # Columns the file does not have stay null without a pass over them.
        columns = {name: pa.nulls(n, LINE_SCHEMA.field(name).type) for name in LINE_FIELDS}
        for name in used:
            if name in columns and name not in ("amount", "order_date", "status", "quantity"):
                columns[name] = used[name]
        columns.update(order_id=cell["order_id"], amount=amount, order_date=order_date)
    with profile.stage("clean.doubts"):
        cleaned.doubts = doubts(cell["order_id"], amount, good, lines)
    if "status" in used:
        columns["status"], cleaned.doubts.statuses = status_words(used["status"], good)
    if "quantity" in used:
        columns["quantity"] = integers(used["quantity"])
    with profile.stage("clean.typed and buckets"):
        typed = pa.table([columns[name] for name in LINE_FIELDS] + [pa.array(lines)], schema=LINE_SCHEMA)
        cleaned.lines = split_by_bucket(typed, buckets, good)
    return cleaned


def _reject(cleaned: Cleaned, raw, lines, rejected, checks: dict, cell: dict) -> None:
    """The first failing check names the reason; bad values are quoted in the text."""
    picked = {code: pc.filter(mask, rejected) for code, mask in checks.items()}
    codes = pc.case_when(pc.make_struct(*picked.values(), field_names=list(picked)), *picked.keys())
    texts = pc.take(pa.array(list(ROW_REASONS.values())), pc.index_in(codes, value_set=pa.array(list(ROW_REASONS))))
    value = pc.if_else(pc.is_in(codes, value_set=pa.array(["mangled_id"])), cell["order_id"].filter(rejected), None)
    value = pc.coalesce(
        value, pc.if_else(pc.starts_with(codes, "bad_order"), cell["order_date"].filter(rejected), None)
    )
    value = pc.coalesce(value, pc.filter(pc.fill_null(cell["amount"], ""), rejected))
    quoted = pc.is_in(codes, value_set=pa.array(sorted(WITH_VALUE)))
    detail = pc.binary_join_element_wise(texts, pc.utf8_slice_codeunits(value, 0, 40), ": ")
    texts = pc.if_else(quoted, detail, texts)
    counts = pc.value_counts(codes).to_pylist()
    cleaned.reason_counts = {r["values"]: r["counts"] for r in counts}
    cleaned.rejected = (raw.filter(rejected), lines[_mask(rejected)], codes, texts)
