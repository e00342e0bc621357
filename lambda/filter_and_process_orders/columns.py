"""Whole columns of values at once, with pyarrow.compute.

The vectorised path reads the common shapes (plain and `$1,234.50` amounts, ISO and numeric dates);
every other non-empty cell goes through the single-value parsers in `values`, so both paths give
the same answer for the same text.
"""

import functools
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .values import STATUS_SYNONYMS, parse_amount, parse_date

AMOUNT_TYPE = pa.decimal128(12, 2)

_PLAIN_AMOUNT = r"^-?\d{1,10}(\.\d{1,2})?$"
_THOUSANDS_AMOUNT = r"^-?\d{1,3}(,\d{3}){1,3}(\.\d{1,2})?$"
# `123.45`, `-$1,234.50`: at most 10 digits before the point (so decimal(12,2) holds them), plain
# or in groups of three, after an optional minus sign and dollar sign.
_COMMON_AMOUNT = r"^-?\$?(\d{1,10}|\d{1,3}(,\d{3}){1,2}|\d(,\d{3}){3})(\.\d{1,2})?$"
_ISO_DATE = r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?:[ T].*)?$"
_NUMERIC_DATE = r"^(?P<a>\d{1,2})(?P<s1>[/.-])(?P<b>\d{1,2})(?P<s2>[/.-])(?P<y>\d{4}|\d{2})(?:[ T].*)?$"
_NULL_TEXT = pa.scalar(None, pa.string())
_STATUS_KEYS = pa.array(list(STATUS_SYNONYMS))
_STATUS_VALUES = pa.array(list(STATUS_SYNONYMS.values()))


def string_bytes(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(data, starts, lengths) of a string array's cells as numpy views; None when no cell has a byte."""
    data_buffer = text.buffers()[2]
    if data_buffer is None or not data_buffer.size:
        return None
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32, count=len(text) + 1, offset=text.offset * 4)
    return np.frombuffer(data_buffer, dtype=np.uint8), offsets[:-1], np.diff(offsets)


def _flat(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def trimmed(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The cells without leading and trailing whitespace. Most exports have none, which is checked
    from each cell's first and last byte (a space, a control character or any non-ASCII byte may
    need trimming) far faster than trimming."""
    column = _flat(column)
    found = string_bytes(column)
    if found is None:
        return column
    data, starts, lengths = found
    if not ((data <= 32) | (data >= 128)).any():  # no space, control or non-ASCII byte at all
        return column
    filled = lengths > 0
    edges = np.concatenate([data[starts[filled]], data[starts[filled] + lengths[filled] - 1]])
    if ((edges <= 32) | (edges >= 128)).any():
        return pc.utf8_trim_whitespace(column)
    return column


def empty(text: pa.Array) -> pa.Array:
    return pc.equal(pc.binary_length(text), 0)


def longer_than(text: pa.Array, limit: int) -> pa.Array:
    """Cells of more than `limit` characters (counted only when some cell has that many bytes)."""
    text = _flat(text)
    found = string_bytes(text)
    if found is None or found[2].max(initial=0) <= limit:
        return pa.array(np.zeros(len(text), dtype=bool))
    return pc.greater(pc.utf8_length(text), limit)


def _subset(text: pa.Array, todo: pa.Array, result: pa.Array, parse) -> pa.Array:
    """Run `parse` over the cells marked `todo` only, and put its results in place."""
    if not pc.any(todo).as_py():
        return result
    return pc.replace_with_mask(result, todo, parse(pc.filter(text, todo)))


def _each_distinct(text: pa.Array, parse, type_: pa.DataType) -> pa.Array:
    """`parse` (a single-value parser) over the cells, called once per distinct value: the cells
    that reach it are the odd ones, and odd values repeat (`n/a`, `TBD`, one broken export format)."""
    encoded = pc.dictionary_encode(text)
    return pc.take(pa.array([parse(s) for s in encoded.dictionary.to_pylist()], type_), encoded.indices)


def amounts(text: pa.Array) -> pa.Array:
    """decimal(12,2) per trimmed cell; null where the cell is empty or not an amount."""
    cents, common = _common_cents(text)
    todo = pc.and_(pa.array(~common), pc.greater(pc.binary_length(text), 0))
    return _subset(text, todo, _decimals(cents, common), _other_amounts)


def _common_cents(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Cells of the _COMMON_AMOUNT shape (`123.45`, `-$1,234.5`), read straight from the bytes as
    `values.parse_amount` reads them: (the amount in cents, mask of the cells this recognised)."""
    cells = _Cells(text, 1)
    length = cells.lengths
    negative = cells.byte(0) == 45
    start = negative.astype(np.int32)
    start += cells.byte(start) == 36  # after '-' and '$'
    last, second = cells.digit(length - 1), cells.digit(length - 2)
    two = (length >= 3) & (cells.byte(length - 3) == 46) & (np.maximum(last, second) <= 9)
    one = ~two & (length >= 2) & (cells.byte(length - 2) == 46) & (last <= 9)
    fraction = np.where(two, second.astype(np.int64) * 10 + last, np.where(one, last.astype(np.int64) * 10, 0))
    end = length - np.where(two, 3, np.where(one, 2, 0))  # where the whole part ends
    size = end - start  # of the whole part: digits, or digits in groups of three after a comma
    grouped = (size >= 5) & (cells.byte(end - 4) == 44)
    ok = cells.ok & (size >= 1) & np.where(grouped, (size <= 13) & (size % 4 != 0), size <= 10)
    whole = np.zeros(len(length), dtype=np.int64)
    scale = np.ones(len(length), dtype=np.int64)
    for k in range(1, int(size.max(initial=0, where=ok)) + 1):
        inside = k <= size
        at = end - k
        if k % 4:
            d = cells.digit(at)
            ok &= ~inside | (d <= 9)
            whole += np.where(inside, d, 0).astype(np.int64) * scale
            scale *= 10
        else:
            comma = cells.byte(at) == 44
            ok &= ~inside | np.where(grouped, comma, cells.digit(at) <= 9)
            d = np.where(inside & ~grouped, cells.digit(at), 0).astype(np.int64)
            whole += d * scale
            scale = np.where(grouped, scale, scale * 10)
    cents = whole * 100 + fraction
    return np.where(negative, -cents, cents), ok


def _decimals(cents: np.ndarray, valid: np.ndarray) -> pa.Array:
    """decimal(12,2) from whole cents (null where not `valid`), built in place: no text, no parsing."""
    cents = np.where(valid, cents, 0)
    words = np.empty((len(cents), 2), dtype=np.int64)  # decimal128: little-endian two's complement
    words[:, 0] = cents
    words[:, 1] = cents >> 63
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(AMOUNT_TYPE, len(cents), [bitmap, pa.py_buffer(words)], null_count=-1)


def _other_amounts(text: pa.Array) -> pa.Array:
    stripped = pc.replace_substring_regex(text, r"[$€£ ]", "")
    digits = pc.replace_substring(stripped, ",", "")
    shaped = pc.or_(
        pc.match_substring_regex(stripped, _PLAIN_AMOUNT), pc.match_substring_regex(stripped, _THOUSANDS_AMOUNT)
    )
    fast = pc.and_(shaped, pc.match_substring_regex(digits, _PLAIN_AMOUNT))  # at most 10 digits: decimal(12,2)
    result = pc.cast(pc.if_else(fast, digits, _NULL_TEXT), AMOUNT_TYPE)
    # Only a cell with a digit can be an amount; the rest stay null without a trip through Python.
    slow = pc.and_(pc.invert(fast), pc.match_substring_regex(text, r"\p{Nd}"))
    return _subset(text, slow, result, lambda t: _each_distinct(t, parse_amount, AMOUNT_TYPE))


def numeric_date_votes(text: pa.Array) -> tuple[Counter, bool]:
    """Votes for day-first ('DMY') and month-first ('MDY') from dates that read only one way,
    and whether there is any numeric date at all (so that the order matters)."""
    text = _flat(text)
    cells = _Cells(text, 5)
    separator = ((cells.byte(1) - np.uint8(45)) <= 2) | ((cells.byte(2) - np.uint8(45)) <= 2)  # - . /
    if not (cells.ok & (cells.digit(0) <= 9) & separator).any():  # an ISO-only column: no regex needed
        return Counter(), False
    parts = pc.extract_regex(text, _NUMERIC_DATE)
    same_sep = pc.fill_null(pc.equal(pc.struct_field(parts, "s1"), pc.struct_field(parts, "s2")), False)
    if not pc.any(same_sep).as_py():
        return Counter(), False
    parts = pc.filter(parts, same_sep)
    a = pc.cast(pc.struct_field(parts, "a"), pa.int8())
    b = pc.cast(pc.struct_field(parts, "b"), pa.int8())
    dotted = pc.equal(pc.struct_field(parts, "s1"), ".")
    dmy = pc.or_(dotted, pc.and_(pc.greater(a, 12), pc.less_equal(b, 12)))
    mdy = pc.and_(pc.invert(dotted), pc.and_(pc.greater(b, 12), pc.less_equal(a, 12)))
    votes = Counter(DMY=pc.sum(pc.cast(dmy, pa.int64())).as_py(), MDY=pc.sum(pc.cast(mdy, pa.int64())).as_py())
    return votes, True


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm), vectorised."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


class _Cells:
    """Bytes of a string array's cells read at (per-cell) positions, for fixed-shape values.

    `byte` and `digit` may read past a short cell's end (into the next cell): a shape is recognised
    only where the cell's length covers every position read for it (`ends_at` checks the end)."""

    def __init__(self, text: pa.Array, min_length: int):
        text = _flat(text)
        found = string_bytes(text)
        if found is None:
            found = np.zeros(1, np.uint8), np.zeros(len(text), np.int32), np.zeros(len(text), np.int32)
        self.data, starts, self.lengths = found
        self.ok = self.lengths >= min_length
        if text.null_count:
            self.ok &= text.is_valid().to_numpy(zero_copy_only=False)
        self.starts = np.where(self.ok, starts, 0)
        self.last = len(self.data) - 1
        self.text = text

    def byte(self, k) -> np.ndarray:
        """The byte at position k (a number, or one per cell)."""
        return self.data[np.clip(self.starts + k, 0, self.last)]

    def digit(self, k) -> np.ndarray:
        """The digit at position k as 0-9; above 9 where that byte is not a digit."""
        return self.byte(k) - np.uint8(48)  # wraps below '0', so one comparison checks the range

    def ends_at(self, k) -> np.ndarray:
        """The cell is k bytes long, or goes on with ' ' or 'T' and anything but a line break."""
        tail = self.byte(k)
        goes_on = (self.lengths > k) & ((tail == 32) | (tail == 84))
        if self._has_newline is not None:
            goes_on &= ~self._has_newline
        return (self.lengths == k) | goes_on

    @functools.cached_property
    def _has_newline(self) -> np.ndarray | None:
        """`.` in the single-value parsers' patterns stops at a line break, so a tail may not hold one.
        Only the shapes with a tail (dates) need this; None when no cell holds a line break."""
        if not (self.data == 10).any():
            return None
        return pc.match_substring(self.text, "\n").to_numpy(zero_copy_only=False)


def _number(*digits: np.ndarray) -> np.ndarray:
    value = np.zeros(len(digits[0]), np.int32)
    for d in digits:
        value = value * 10 + d
    return value


def _iso_prefix(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Cells that are `YYYY-MM-DD`, alone or followed by ' ' or 'T' (and anything), read straight from
    the bytes: (date32 with nulls elsewhere, mask of the cells this recognised as ISO)."""
    cells = _Cells(text, 10)
    y0, y1, y2, y3, m0, m1, d0, d1 = (cells.digit(k) for k in (0, 1, 2, 3, 5, 6, 8, 9))
    ok = cells.ok & (np.maximum.reduce([y0, y1, y2, y3, m0, m1, d0, d1]) <= 9)
    ok &= (cells.byte(4) == 45) & (cells.byte(7) == 45) & cells.ends_at(10)
    return _civil_dates(_number(y0, y1, y2, y3), _number(m0, m1), _number(d0, d1), ok), ok


def _numeric_prefix(text: pa.Array, day_first: bool) -> tuple[pa.Array, np.ndarray]:
    """Cells that are `a/b/y` (a and b of 1-2 digits, y of 2 or 4, one separator of `/`, `.` or `-`),
    alone or followed by ' ' or 'T' (and anything), read straight from the bytes as `values.parse_date`
    reads them: (date32 with nulls elsewhere, mask of the cells this recognised)."""
    cells = _Cells(text, 5)
    a0, a1 = cells.digit(0), cells.digit(1)
    a_two = a1 <= 9
    s1 = np.where(a_two, 2, 1)  # where the first separator is
    sep = cells.byte(s1)
    b0, b1 = cells.digit(s1 + 1), cells.digit(s1 + 2)
    b_two = b1 <= 9
    s2 = s1 + np.where(b_two, 3, 2)
    ok = cells.ok & (a0 <= 9) & (b0 <= 9) & ((sep == 47) | (sep == 46) | (sep == 45)) & (cells.byte(s2) == sep)
    y0, y1, y2, y3 = (cells.digit(s2 + k) for k in (1, 2, 3, 4))
    short = (np.maximum(y0, y1) <= 9) & cells.ends_at(s2 + 3)
    full = (np.maximum.reduce([y0, y1, y2, y3]) <= 9) & cells.ends_at(s2 + 5)
    ok &= short | full
    two_digit_year = _number(y0, y1)
    year = np.where(full, _number(y0, y1, y2, y3), two_digit_year + np.where(two_digit_year < 70, 2000, 1900))
    a = np.where(a_two, _number(a0, a1), a0)
    b = np.where(b_two, _number(b0, b1), b0)
    d_first = (sep == 46) | day_first
    return _civil_dates(year, np.where(d_first, b, a), np.where(d_first, a, b), ok), ok


def _civil_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray, ok: np.ndarray) -> pa.Array:
    """date32 from integer parts where `ok`; null where not, or where the parts name no real day."""
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = _DAYS_IN_MONTH[np.clip(m, 0, 12)] + ((m == 2) & leap)
    real = ok & (y >= 1) & (y <= 9999) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= month_days)
    days = _days_from_civil(y, m, d).astype(np.int32)
    return pa.array(days, pa.int32(), mask=~real).cast(pa.date32())


def _ints(parts: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.cast(parts, pa.int32()), 0).to_numpy()


def dates(text: pa.Array, *, day_first: bool) -> pa.Array:
    """date32 per trimmed cell; null where the cell is empty or not a date. Worked out once per
    distinct value: orders of a file fall on a few hundred days."""
    encoded = pc.dictionary_encode(text)
    return pc.take(_distinct_dates(encoded.dictionary, day_first), encoded.indices)


def _distinct_dates(text: pa.Array, day_first: bool) -> pa.Array:
    result, iso = _iso_prefix(text)
    todo = pc.and_(pa.array(~iso), pc.greater(pc.binary_length(text), 0))
    return _subset(text, todo, result, lambda t: _not_iso_dates(t, day_first))


def _not_iso_dates(text: pa.Array, day_first: bool) -> pa.Array:
    result, numeric = _numeric_prefix(text, day_first)
    return _subset(text, pa.array(~numeric), result, lambda t: _other_dates(t, day_first))


def _other_dates(text: pa.Array, day_first: bool) -> pa.Array:
    num = pc.extract_regex(text, _NUMERIC_DATE)
    s1 = pc.struct_field(num, "s1")
    numeric = pc.fill_null(pc.equal(s1, pc.struct_field(num, "s2")), False)
    a, b, y_text = (pc.struct_field(num, f) for f in ("a", "b", "y"))
    y = _ints(y_text)
    short = pc.fill_null(pc.equal(pc.utf8_length(y_text), 2), False).to_numpy(zero_copy_only=False)
    y = np.where(short, y + np.where(y < 70, 2000, 1900), y)
    d_first = pc.fill_null(pc.equal(s1, "."), False).to_numpy(zero_copy_only=False) | day_first
    m = np.where(d_first, _ints(b), _ints(a))
    d = np.where(d_first, _ints(a), _ints(b))
    numeric_np = numeric.to_numpy(zero_copy_only=False)
    result = _civil_dates(y, m, d, numeric_np)
    if not numeric_np.all():
        iso = pc.extract_regex(text, _ISO_DATE)
        is_iso = pc.is_valid(iso).to_numpy(zero_copy_only=False) & ~numeric_np
        if is_iso.any():
            parts = [_ints(pc.struct_field(iso, f)) for f in ("y", "m", "d")]
            result = pc.if_else(pa.array(is_iso), _civil_dates(*parts, is_iso), result)
        numeric = pa.array(numeric_np | is_iso)
    slow = pc.and_(pc.invert(numeric), pc.match_substring_regex(text, r"\p{Nd}"))
    return _subset(text, slow, result, lambda t: _each_distinct(t, lambda s: parse_date(s, day_first), pa.date32()))


def statuses(text: pa.Array) -> pa.DictionaryArray:
    """Lower-case canonical words; null for an empty cell. Worked out once per distinct value, and
    returned dictionary-encoded so that callers can do the same."""
    encoded = pc.dictionary_encode(text)
    words = pc.replace_substring_regex(pc.utf8_lower(encoded.dictionary), r"[\s\-]+", "_")
    canonical = pc.coalesce(pc.take(_STATUS_VALUES, pc.index_in(words, value_set=_STATUS_KEYS)), words)
    canonical = pc.if_else(pc.greater(pc.utf8_length(canonical), 0), canonical, _NULL_TEXT)
    return pa.DictionaryArray.from_arrays(encoded.indices, canonical)
