"""Amounts: the decimal separator is decided once per file, then one parser reads every cell.

A cell is unambiguous when only one convention reads it: `1.234,56`, `12,50`, `3610,848` and
`1.234.567` are decimal-comma cells; `1,234.56`, `12.5` and `1,234,567` are decimal-point cells.
`1.234` and `959,984` read both ways (a thousands group or three decimals). The file's unambiguous
cells decide (`separators.separator_votes`); a file with only ambiguous cells uses the setting and says so.
Cells that only the other convention reads are rejected (`amount_format`), never reinterpreted.
A cell is read exactly, to LINE_SCALE decimal places (the pure-Python fallback cuts longer ones
there, toward zero: a cut never crosses a half cent, so a one-line order is still rounded once from
the cell's exact value); an order's amount is the exact sum of its lines rounded once to cents, half away from zero
(`to_cents`), as in bookkeeping: never line by line. A cell in the file's convention whose cents would not
fit decimal(12,2) (from 9,999,999,999.995 up in size) is `amount_too_large`; one no convention reads, `bad_amount`.
What an amount may look like (signs, currencies, thousands marks, other digit scripts) is `amount_cell`'s.
"""

import functools
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profile
from .amount_cell import (  # noqa: F401 (parse_amount, amount_is_too_large: the one-cell reading)
    ARABIC_MARKS,
    CODES,
    CODES_KEPT,
    COMMA,
    EDGE,
    GROUPS,
    LINE_SCALE,
    POINT,
    TOO_BIG,
    amount_is_too_large,
    fitting,
    parse_amount,
    read,
    too_large,
)
from .amount_memo import GeneralMemo
from .arrow_buffers import bitmap, bool_mask, decimal_words, one_array, string_offsets, valid_mask, without_byte
from .byte_shapes import only, plain_decimals
from .digits import folded

AMOUNT_TYPE = pa.decimal128(12, 2)  # an order's amount (the contract's)
LINE_AMOUNT_TYPE = pa.decimal128(18, LINE_SCALE)  # a cell as read: exact, summed per order, then rounded
MAX_AMOUNT = Decimal("9999999999.99")
MARKS = ("amount_format", "amount_too_large")  # the problems of a cell without a value that `amounts` names
_WIDE = pa.decimal128(20, LINE_SCALE)

_SHAPE = (  # the number and what may stand around it (`amount_cell`), in one RE2 pattern
    f"^{EDGE}*(?P<open>\\(?){EDGE}*(?P<sign>[-+]?){EDGE}*(?P<num>[0-9](?:[0-9.,{GROUPS}]*[0-9])?)"
    f"{EDGE}*(?P<trail>-?){EDGE}*(?P<close>\\)?){EDGE}*$"
)
_FITS = r"^[0-9]{1,10}(\.[0-9]{1,8})?$"
_BIG = r"^0*[1-9][0-9]{10}"  # 11 whole digits or more, leading zeros aside: too large in any case
_PYTHON_ONLY = r"[^\x21-\x7e]|[.,]-|[0-9]{9}"  # a cell only `parse_amount` may read has one of these
# Fast paths, each a subset of what the general path reads to the same value (a property test holds
# them to `parse_amount`): at most 10 integer digits, and at most 2 decimals with 10 of them, so that
# every match fits decimal(18,8) below TOO_BIG. `_PLAIN` is cast as it is (`1234.5`, `-12,50`);
# `_TIDY` after a leading currency sign is trimmed and the thousands groups removed (`$1,234.50`,
# `$-12.5`, `1.234,56`); other shapes (`-$5`, `12,50 €`, `USD 10`, `(12.00)`) go through `_general`.
_PLAIN_NUMBER = r"[0-9]{1,9}(?:{d}[0-9]{1,8})?|[0-9]{10}(?:{d}[0-9]{1,2})?"
_GROUPED_NUMBER = r"[1-9][0-9]{0,2}(?:{g}[0-9]{3}){1,2}(?:{d}[0-9]{1,8})?"
_SEPARATORS = {False: (r"\.", ","), True: (",", r"\.")}  # (decimal, thousands) per convention
_PLAIN = {c: "^-?(?:" + _PLAIN_NUMBER.replace("{d}", d) + ")$" for c, (d, _) in _SEPARATORS.items()}
# The cheaper shape the plain cells are first picked with (`byte_shapes.plain_decimals` reads it from
# the buffers): what it picks beyond `_PLAIN` (from 1e7 up, leading zeros) is checked in `_exact`.
_DIGITS = {c: "^-?[0-9]{1,20}(?:" + d + "[0-9]{1,8})?$" for c, (d, _) in _SEPARATORS.items()}
_SIGNS = "$€£¥₹₽¢"  # a currency sign before the number, taken off by a trim
_TIDY = {
    c: f"^[{_SIGNS}]?-?(?:"
    + _PLAIN_NUMBER.replace("{d}", d)
    + "|"
    + _GROUPED_NUMBER.replace("{d}", d).replace("{g}", g)
    + ")$"
    for c, (d, g) in _SEPARATORS.items()
}


def _any(text: pa.Array, patterns) -> pa.Array:
    result = None
    for pattern in patterns:
        match = pc.match_substring_regex(text, pattern)
        result = match if result is None else pc.or_(result, match)
    return pc.fill_null(result, False)


def number_parts(text: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """(number part, negative, reads as decimal point, reads as decimal comma) per cell."""
    parts = pc.extract_regex(pc.replace_substring_regex(text, CODES, CODES_KEPT), _SHAPE)
    field = {name: pc.struct_field(parts, name) for name in ("open", "sign", "num", "trail", "close")}
    balanced = pc.fill_null(pc.equal(pc.equal(field["open"], "("), pc.equal(field["close"], ")")), False)
    opened, trailing = pc.equal(field["open"], "("), pc.equal(field["trail"], "-")
    signed = pc.not_equal(field["sign"], "")
    twice = pc.or_(pc.and_(opened, pc.or_(signed, trailing)), pc.and_(signed, trailing))  # `(-5.00)`: no amount
    balanced = pc.and_(balanced, pc.invert(pc.fill_null(twice, True)))
    negative = pc.or_(pc.equal(field["open"], "("), pc.or_(pc.equal(field["sign"], "-"), pc.equal(field["trail"], "-")))
    num = field["num"]
    return num, negative, pc.and_(balanced, _any(num, POINT)), pc.and_(balanced, _any(num, COMMA))


@profile.timed("clean.amount")
def amounts(
    text: pa.Array, *, decimal_comma: bool, memo: GeneralMemo | None = None
) -> tuple[pa.Array, dict[str, np.ndarray]]:
    """(LINE_AMOUNT_TYPE per cell, exact; the cells without a value that have a named problem) for
    trimmed text. The second maps `amount_format` (only the other convention reads the cell) and
    `amount_too_large` (it reads, but past decimal(12,2)) to a numpy boolean mask over the cells, each
    only when some cell has it; a non-empty cell with neither a value nor a mark is a `bad_amount`.
    Each cell is read by the first of `_PLAIN`, `_TIDY` and `_general` that matches it, into one array
    of units of 1e-8; with a `memo` (one per file and separator), `_general` reads a text once."""
    plain = plain_decimals(text, "," if decimal_comma else ".", 20, 8)  # `_DIGITS`: most cells, read as they are
    units, valid = _units(only(text, plain), decimal_comma, grouped=False)
    rest = ~valid & (np.diff(string_offsets(text)) > 0) & valid_mask(text)  # not empty, not null
    marks = {}
    if rest.any():
        rows = np.flatnonzero(rest)
        units[rows], valid[rows], found = _tidy(pc.take(text, rows), decimal_comma, memo)
        for code, at in found.items():
            marks[code] = np.zeros(len(text), dtype=bool)
            marks[code][rows[at]] = True
    pairs = np.empty((len(units), 2), np.int64)  # a decimal128 is a little-endian (low, high) pair of words
    pairs[:, 0], pairs[:, 1] = units, units >> 63
    validity = None if valid.all() else bitmap(valid)
    return pa.Array.from_buffers(LINE_AMOUNT_TYPE, len(units), [validity, pa.py_buffer(pairs)]), marks


_NO_TEXT = pa.scalar(None, pa.string())


def _tidy(
    text: pa.Array, decimal_comma: bool, memo: GeneralMemo | None
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(units, valid, {`amount_format` / `amount_too_large`: positions}) of non-empty cells that are not
    plain: a currency sign first or thousands groups (`$1,234.50`, `1.234,56`) the fast way, the rest `_general`."""
    tidy = pc.match_substring_regex(text, _TIDY[decimal_comma])
    stripped = pc.utf8_ltrim(pc.if_else(tidy, text, _NO_TEXT), characters=_SIGNS)
    units, valid = _units(stripped, decimal_comma, grouped=True)
    if pc.all(tidy).as_py():
        return units, valid, {}
    others = np.flatnonzero(~bool_mask(tidy))  # `text` has no null
    odd = pc.take(text, others)
    general = functools.partial(_general, decimal_comma=decimal_comma)
    value, problem = memo.read(odd, general) if memo is not None else general(odd)
    units[others], valid[others] = _low_words(value), valid_mask(value)
    found = {code: others[bool_mask(pc.equal(problem, code))] for code in MARKS}
    return units, valid, {code: at for code, at in found.items() if len(at)}


def _low_words(decimals: pa.Array) -> np.ndarray:
    """The units of 1e-8 of LINE_AMOUNT_TYPE values (each below 1e18 in size: its low 64-bit word)."""
    return decimal_words(decimals)[:, 0]


def _units(number: pa.Array, decimal_comma: bool, *, grouped: bool) -> tuple[np.ndarray, np.ndarray]:
    """A fast path's matches (null elsewhere) as (units of 1e-8, valid): thousands groups out, a point
    for the decimal, then `_exact`."""
    if grouped:
        number = without_byte(number, ord("." if decimal_comma else ","))
    if decimal_comma:
        number = _comma_to_point(number)
    return _exact(number)


def _comma_to_point(text: pa.Array) -> pa.Array:
    """`replace_substring(text, ",", ".")` on the bytes: a comma is one byte in UTF-8 and no part of
    another character, so every comma byte of the data buffer is one comma (a copy of the buffer, not
    a kernel pass over the cells)."""
    validity, offsets, data = text.buffers()
    if data is None:
        return text
    swapped = pa.py_buffer(data.to_pybytes().translate(COMMA_TOPOINT))
    return pa.Array.from_buffers(pa.string(), len(text), [validity, offsets, swapped], offset=text.offset)


COMMA_TOPOINT = bytes.maketrans(b",", b".")


_FLOAT_EXACT = 1e7  # below it, a decimal of at most 8 places comes back exactly from its float (see `_exact`)


def _exact(number: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Decimal text with a point (`-1234.5`: `_DIGITS`' shape; null elsewhere) as (units of 1e-8,
    valid); not valid where it is null or does not fit `_PLAIN`. Arrow's float parse is correctly
    rounded, so for |d| < 1e7 with at most 8 decimals (at most 15 digits) the float f of d is within
    2^-53·|d| of it, and rint(f · 1e8) is off d's units by at most about 2.3e-16 · 1e15 < 0.5:
    exactly those units. Cells from 1e7 up are cast as decimals. About twice as fast as Arrow's cast
    of the text to decimal."""
    floats = pc.cast(number, pa.float64())
    n = len(floats)
    units = np.empty(n, np.int64)
    scaled = np.frombuffer(floats.buffers()[1], np.float64, n, 8 * floats.offset) * 10.0**LINE_SCALE
    with np.errstate(invalid="ignore"):  # a null's slot may hold anything: its value is never read
        np.rint(scaled, out=units, casting="unsafe")
        big = np.flatnonzero(~(np.abs(scaled) < _FLOAT_EXACT * 10.0**LINE_SCALE))  # NaN and inf too
    valid = valid_mask(floats)
    if len(big):  # cast exactly when they have `_PLAIN`'s shape (it fits decimal(18,8)); the rest are not read here
        some = pc.take(number, pa.array(big))
        fits = bool_mask(pc.match_substring_regex(some, _PLAIN[False]))
        if fits.any():
            units[big[fits]] = _low_words(pc.cast(pc.filter(some, pa.array(fits)), LINE_AMOUNT_TYPE))
        valid[big[~fits]] = False
    return units, valid


def _general(text: pa.Array, decimal_comma: bool) -> tuple[pa.Array, pa.Array]:
    # Other digit scripts as ASCII digits (`１２,５０` is a decimal comma's: amount_format), and the Arabic
    # decimal and thousands marks as the convention's (`amount_cell`): only non-ASCII cells, in Python.
    ascii_text = folded(text, ARABIC_MARKS[decimal_comma])
    num, negative, point, comma = number_parts(ascii_text)
    ours, theirs = (comma, point) if decimal_comma else (point, comma)
    if ascii_text is not text:  # a cell with an Arabic mark reads in neither convention or in both: never the other's
        theirs = pc.and_(theirs, pc.invert(pc.fill_null(pc.match_substring_regex(text, "[\u066b\u066c]"), False)))
    text = ascii_text
    num = pc.replace_substring_regex(num, f"[{GROUPS}]", "")
    digits = pc.replace_substring(pc.replace_substring(num, ".", ""), ",", ".") if decimal_comma else num
    digits = pc.replace_substring(digits, ",", "")
    ok = pc.and_(ours, pc.fill_null(pc.match_substring_regex(digits, _FITS), False))
    wide = pc.cast(pc.if_else(ok, digits, pa.scalar(None, pa.string())), _WIDE)
    wide = pc.if_else(pc.fill_null(negative, False), pc.negate(wide), wide)
    fits = pc.less(pc.abs(wide), pa.scalar(TOO_BIG, _WIDE))
    value = pc.cast(pc.if_else(fits, wide, pa.scalar(None, _WIDE)), LINE_AMOUNT_TYPE)
    # In this convention but too large: read past TOO_BIG, or more whole digits than _FITS lets be read.
    long = pc.and_(ours, pc.fill_null(pc.match_substring_regex(digits, _BIG), False))
    big = pc.or_(pc.fill_null(pc.invert(fits), False), long)
    problem = pc.if_else(pc.and_(pc.invert(ours), theirs), "amount_format", "bad_amount")
    problem = pc.if_else(pc.is_valid(value), _NO_TEXT, pc.if_else(big, "amount_too_large", problem))
    # Rare shapes get one more try in Python: spaces around the number that RE2's \s leaves (Python's is
    # wider), `12,-`, more than 8 decimals or leading zeros past 10 digits. Only they: `12.3.4` is bad either way.
    odd = pc.and_(pc.equal(problem, "bad_amount"), pc.match_substring_regex(text, _PYTHON_ONLY))
    if pc.any(odd).as_py():
        distinct = pc.unique(pc.filter(text, odd))
        readings = [read(t, decimal_comma) for t in distinct.to_pylist()]
        at = pc.index_in(text, value_set=distinct)
        found = pc.take(pa.array([fitting(r) for r in readings], LINE_AMOUNT_TYPE), at)
        value = pc.coalesce(value, found)
        too_big = pc.fill_null(pc.take(pa.array([too_large(r) for r in readings]), at), False)
        problem = pc.if_else(pc.is_valid(found), _NO_TEXT, pc.if_else(too_big, "amount_too_large", problem))
    return value, problem


def to_cents(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Decimals of scale LINE_SCALE (a cell, or an order's sum of cells: decimal128(18..38, 8)) as
    decimal(12,2), rounded half away from zero once. Works on the decimals' integers (one numpy pass
    instead of Arrow's slower decimal rounding). Raises OverflowError when a value has more cents
    than decimal(12,2) holds (an order summing past MAX_AMOUNT)."""
    values = one_array(values)
    assert values.type.scale == LINE_SCALE, values.type
    valid = pc.is_valid(values) if values.null_count else None
    if valid is not None:
        values = pc.fill_null(values, pa.scalar(Decimal(0), values.type))
    n = len(values)
    words = decimal_words(values)
    units = words[:, 0]
    sign = np.sign(units)
    cents = (np.abs(units) + 5 * 10 ** (LINE_SCALE - 3)) // 10 ** (LINE_SCALE - 2) * sign
    if not np.array_equal(words[:, 1], units >> 63) or (n and np.abs(cents).max() > 999_999_999_999):
        raise OverflowError(f"an order's amount exceeds {MAX_AMOUNT}, the most decimal(12,2) holds")
    pairs = np.empty((n, 2), np.int64)  # a decimal128 is a little-endian (low, high) pair of words
    pairs[:, 0], pairs[:, 1] = cents, cents >> 63
    out = pa.Array.from_buffers(AMOUNT_TYPE, n, [None, pa.py_buffer(pairs)])
    return out if valid is None else pc.if_else(valid, out, pa.scalar(None, AMOUNT_TYPE))
