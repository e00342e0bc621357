"""Cell values shared by every column: trimming, placeholders, statuses; amounts and dates live in
`amounts` and `dates` (re-exported here for callers that read single values)."""

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profile
from .amounts import LINE_SCALE, amounts, parse_amount  # noqa: F401
from .arrow_buffers import bitmap, bool_mask, decimal_words, string_offsets, valid_mask
from .contract import PLACEHOLDERS
from .dates import parse_date  # noqa: F401
from .trim import trim, trimmed


def _case_variants(word: str) -> set[str]:
    variants = {""}
    for ch in word:
        variants = {v + c for v in variants for c in {ch.lower(), ch.upper()}}
    return variants


# Every upper/lower-case spelling, so a cell is checked with one hash lookup and no lower-casing.
_PLACEHOLDER_SET = pa.array(sorted(set().union(*(_case_variants(p) for p in PLACEHOLDERS))), pa.string())
_LONGEST_PLACEHOLDER = max(len(p.encode()) for p in PLACEHOLDERS)
_PLACEHOLDER_LEAD = np.zeros(256, dtype=bool)  # the first bytes of the placeholders' spellings
_PLACEHOLDER_LEAD[[p.encode()[0] for p in _PLACEHOLDER_SET.to_pylist()]] = True


@profile.timed("clean.trim and placeholders")
def cleaned_text(column: pa.Array) -> pa.Array:
    """Text trimmed of whitespace and zero-width characters (`trim`); null where the cell is empty or a
    placeholder (`NULL`, `N/A`, `-`, …, whole cell, any case). Nulls cost no copy: the trimmed text
    with a validity bitmap."""
    text = trimmed(column)
    offsets = string_offsets(text)
    length = np.diff(offsets)  # bytes per cell, read from the offsets
    short = np.flatnonzero(length <= _LONGEST_PLACEHOLDER)  # few cells in most columns
    if 4 * len(short) > len(text):  # many (codes such as `web`, `DE`): those empty or led like a placeholder
        data = text.buffers()[2]
        first = np.frombuffer(data, np.uint8)[np.minimum(offsets[short], data.size - 1)] if data else 0
        short = short[(length[short] == 0) | _PLACEHOLDER_LEAD[first]]
    if not len(short):
        return text
    placeholder = pc.is_in(pc.take(text, pa.array(short)), value_set=_PLACEHOLDER_SET)
    missing = short[(length[short] == 0) | bool_mask(placeholder)]
    if not len(missing):
        return text
    valid = np.ones(text.offset + len(text), dtype=bool)  # the bitmap starts where the buffers do
    if text.null_count:
        valid[text.offset :] = valid_mask(text)
    valid[text.offset + missing] = False
    return pa.Array.from_buffers(pa.string(), len(text), [bitmap(valid), *text.buffers()[1:]], offset=text.offset)


def cleaned_codes(column: pa.Array) -> pa.DictionaryArray:
    """`cleaned_text(column)` dictionary-encoded, each distinct cell cleaned once: for columns of few
    distinct cells (statuses, quantities), a third cheaper than cleaning every cell and encoding them
    after. An index is null where its cleaned cell is; the dictionary may hold a value twice (` a`, `a`)."""
    encoded = pc.dictionary_encode(column)
    text = cleaned_text(encoded.dictionary)
    indices = encoded.indices
    if text.null_count:
        indices = pc.if_else(pc.take(pc.is_valid(text), indices), indices, pa.scalar(None, indices.type))
    return pa.DictionaryArray.from_arrays(indices, text)


def is_placeholder(text: str) -> bool:
    return trim(text).lower() in PLACEHOLDERS


STATUS_SYNONYMS = {
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "cancel": "cancelled",
    "completed": "completed",
    "complete": "completed",
    "done": "completed",
    "shipped": "shipped",
    "delivered": "delivered",
    "pending": "pending",
    "confirmed": "confirmed",
    "refunded": "refunded",
    "returned": "returned",
}
_STATUS_KEYS = pa.array(list(STATUS_SYNONYMS))
_STATUS_VALUES = pa.array(list(STATUS_SYNONYMS.values()))
# Order-lifecycle words of common exports (canonical form): Shopify (financial and fulfillment
# statuses), WooCommerce, Magento (states and statuses), Amazon, and generic shop systems. A status
# outside them is kept as written and warned about (`doubts`): often a wrong column or a test value.
KNOWN_STATUSES = frozenset(STATUS_SYNONYMS.values()) | {
    "new", "open", "placed", "created", "received", "accepted", "processing", "in_progress", "on_hold", "holded",
    "paid", "unpaid", "authorized", "partially_paid", "partially_refunded", "voided", "void", "expired",
    "pending_payment", "awaiting_payment", "payment_review", "awaiting_shipment", "awaiting_fulfillment",
    "fulfilled", "unfulfilled", "partially_fulfilled", "partial", "unshipped", "partially_shipped", "ready",
    "dispatched", "in_transit", "out_for_delivery", "picked_up", "backordered", "scheduled", "restocked",
    "closed", "failed", "declined", "draft", "checkout_draft", "suspected_fraud", "fraud", "disputed",
    "chargeback", "return_requested", "exchanged", "lost", "archived", "unfulfillable", "invoice_unconfirmed",
    "pending_availability", "approved", "rejected", "abandoned", "active", "inactive",
}  # fmt: skip
_KNOWN = pa.array(sorted(KNOWN_STATUSES), pa.string())


# Python's `\s` in canonical_status, in RE2 (whose `\s` is ASCII only, without \v): runs of any
# whitespace (a no-break space pasted from a web page, U+3000) or hyphens join a status's words.
_STATUS_SPACES = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\pZ\-]+"


def canonical_status(text: str) -> str:
    s = re.sub(r"[\s\-]+", "_", trim(text).lower())
    return STATUS_SYNONYMS.get(s, s)


def statuses(text: pa.Array) -> pa.Array:
    """Lower-case canonical words per cleaned cell; null for an empty one. Worked out once per distinct value."""
    return status_words(text)[0].dictionary_decode()


@profile.timed("clean.status")
def status_words(text: pa.Array, rows: np.ndarray | None = None) -> tuple[pa.Array, dict[str, int]]:
    """(canonical word per cleaned cell, dictionary-encoded; {word outside KNOWN_STATUSES: how many of
    `rows` have it, in order of first appearance}). `rows` is a boolean mask of the rows to count
    (default: all). `text` may come dictionary-encoded (`cleaned_codes`). The words stay encoded, each
    once in the dictionary and no null there (a missing word a null index), through the buckets to the
    Parquet writer (`chunk.LINE_SCHEMA`, `months.ENCODED`): the text is never copied per row."""
    encoded = text if pa.types.is_dictionary(text.type) else pc.dictionary_encode(text)
    words = pc.replace_substring_regex(pc.utf8_lower(encoded.dictionary), _STATUS_SPACES, "_")
    canonical = pc.coalesce(pc.take(_STATUS_VALUES, pc.index_in(words, value_set=_STATUS_KEYS)), words)
    canonical = pc.if_else(pc.greater(pc.utf8_length(canonical), 0), canonical, pa.scalar(None, pa.string()))
    unknown = pc.and_(pc.is_valid(canonical), pc.invert(pc.is_in(canonical, value_set=_KNOWN)))
    words_once = pc.dictionary_encode(canonical)  # `Shipped` and `shipped` are one word; `""` none
    result = pa.DictionaryArray.from_arrays(pc.take(words_once.indices, encoded.indices), words_once.dictionary)
    counts: dict[str, int] = {}
    if pc.any(unknown).as_py():  # rare: only then the rows are counted, per distinct cell
        size = len(encoded.dictionary)
        indices = pc.fill_null(encoded.indices, size).to_numpy(zero_copy_only=False)  # null cells: `size`
        indices = indices if rows is None else indices[rows]
        per_cell = np.bincount(indices, minlength=size + 1)
        cells = [c for c in np.flatnonzero(bool_mask(unknown)) if per_cell[c]]
        for cell in sorted(cells, key=lambda c: np.argmax(indices == c)):  # a few distinct cells
            word = canonical[int(cell)].as_py()
            counts[word] = counts.get(word, 0) + int(per_cell[cell])
    return result, counts


@profile.timed("clean.quantity")
def integers(text: pa.Array, decimal_comma: bool = False) -> pa.Array:
    """int64 per cleaned cell (`3`, `+3`, `3.0`, `1,200`; in a file of decimal commas, as its amounts
    are decided, `3,0`, `1.200`); null where empty or not a whole number of at most 15 digits. Other
    cells are read as the file's amounts are (`amounts.amounts`: other digit scripts `３`, spaces and
    apostrophes grouping thousands `1 000`, a currency, `(3)`; review B8-6) when that is a whole number
    and the cell has at most 8 decimals (an amount's are cut there). A column of few distinct cells
    (quantities mostly are) is read once per distinct cell; `text` may come dictionary-encoded
    (`cleaned_codes`)."""
    if pa.types.is_dictionary(text.type):
        return pc.take(_integers(text.dictionary, decimal_comma), text.indices)
    encoded = pc.dictionary_encode(text)
    if len(encoded.dictionary) * 4 <= len(text):
        return pc.take(_integers(encoded.dictionary, decimal_comma), encoded.indices)
    return _integers(text, decimal_comma)


def _integers(text: pa.Array, decimal_comma: bool) -> pa.Array:
    plain = pc.match_substring_regex(text, _PLAIN_INTEGER)  # most cells: cast as they are
    result = pc.cast(pc.if_else(plain, text, pa.scalar(None, pa.string())), pa.int64())
    rest = pc.fill_null(pc.and_(pc.invert(plain), pc.greater(pc.binary_length(text), 0)), False)
    if not pc.any(rest).as_py():
        return result
    written = _written_integers(pc.filter(text, rest), decimal_comma)
    if written.null_count:  # rare: the cells no integer shape reads, read as amounts
        written = _amount_integers(pc.filter(text, rest), written, decimal_comma)
    return pc.replace_with_mask(result, rest, written)


_UNIT = 10**LINE_SCALE  # an amount's units of 1e-8 in a whole one
# More decimals than an amount keeps (it cuts them): `3.0000000001` is no whole number.
_LONG_FRACTION = {False: r"\.\p{Nd}{9}", True: r",\p{Nd}{9}"}


def _amount_integers(text: pa.Array, written: pa.Array, decimal_comma: bool) -> pa.Array:
    """`written` (int64 per cell of `text`, null where no integer shape reads it) with the null ones
    read as amounts (`amounts.amounts`, no memo), where that gives a whole number."""
    left = np.flatnonzero(
        ~valid_mask(written) & ~bool_mask(pc.match_substring_regex(text, _LONG_FRACTION[decimal_comma]))
    )
    if not len(left):
        return written
    value, _ = amounts(pc.take(text, pa.array(left)), decimal_comma=decimal_comma)
    units = decimal_words(value)[:, 0]
    whole = valid_mask(value) & (units % _UNIT == 0)
    read = np.zeros(len(text), bool)
    read[left[whole]] = True
    found = np.zeros(len(text), np.int64)
    found[left[whole]] = units[whole] // _UNIT
    return pc.if_else(pa.array(read), pa.array(found), written)


_PLAIN_INTEGER = r"^-?[0-9]{1,15}$"
# `1,200`, `3.00`; with decimal commas `1.200`, `3,00`
# One sign at most: a `+` (as amounts may have one: `+3`) is left out of the digits (`\1\2`), a `-` kept.
_WRITTEN_INTEGER = {
    False: (r"^(?:\+|(-))?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,15})(?:\.0+)?$", ","),
    True: (r"^(?:\+|(-))?([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,15})(?:,0+)?$", "."),
}


def _written_integers(text: pa.Array, decimal_comma: bool) -> pa.Array:
    pattern, grouping = _WRITTEN_INTEGER[decimal_comma]
    written = pc.match_substring_regex(text, pattern)  # not `1,2`: its comma is no thousands group
    digits = pc.replace_substring(pc.replace_substring_regex(text, pattern, r"\1\2"), grouping, "")
    whole = pc.and_(written, pc.match_substring_regex(digits, _PLAIN_INTEGER))
    return pc.cast(pc.if_else(whole, digits, pa.scalar(None, pa.string())), pa.int64())
