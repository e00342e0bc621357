"""Whole columns of values at once, with pyarrow.compute.

The vectorised path reads the common shapes (plain and `$1,234.50` amounts, ISO and numeric dates);
every other non-empty cell goes through the single-value parsers in `values`, so both paths give
the same answer for the same text.
"""

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from .values import STATUS_SYNONYMS, parse_amount, parse_date

AMOUNT_TYPE = pa.decimal128(12, 2)

_PLAIN_AMOUNT = r"^-?\d{1,10}(\.\d{1,2})?$"
_THOUSANDS_AMOUNT = r"^-?\d{1,3}(,\d{3}){1,3}(\.\d{1,2})?$"
_ISO_DATE = r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?:[ T].*)?$"
_NUMERIC_DATE = r"^(?P<a>\d{1,2})(?P<s1>[/.-])(?P<b>\d{1,2})(?P<s2>[/.-])(?P<y>\d{4}|\d{2})(?:[ T].*)?$"
_STATUS_KEYS = pa.array(list(STATUS_SYNONYMS))
_STATUS_VALUES = pa.array(list(STATUS_SYNONYMS.values()))


def trimmed(column: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(column)


def amounts(text: pa.Array) -> pa.Array:
    """decimal(12,2) per trimmed cell; null where the cell is empty or not an amount."""
    stripped = pc.replace_substring_regex(text, r"[$€£ ]", "")
    plain = pc.match_substring_regex(stripped, _PLAIN_AMOUNT)
    thousands = pc.match_substring_regex(stripped, _THOUSANDS_AMOUNT)
    fast = pc.or_(plain, thousands)
    digits = pc.if_else(thousands, pc.replace_substring(stripped, ",", ""), stripped)
    result = pc.cast(pc.if_else(fast, digits, pa.scalar(None, pa.string())), AMOUNT_TYPE)
    slow = pc.and_(pc.invert(fast), pc.greater(pc.utf8_length(text), 0))
    if pc.any(slow).as_py():
        parsed = pa.array([parse_amount(t) for t in pc.filter(text, slow).to_pylist()], AMOUNT_TYPE)
        result = pc.replace_with_mask(result, slow, parsed)
    return result


def numeric_date_votes(text: pa.Array) -> tuple[Counter, bool]:
    """Votes for day-first ('DMY') and month-first ('MDY') from dates that read only one way,
    and whether there is any numeric date at all (so that the order matters)."""
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


def _ymd(y: pa.Array, m: pa.Array, d: pa.Array) -> pa.Array:
    """date32 from string parts; null where the parts name no real day (Feb 30)."""
    text = pc.binary_join_element_wise(pc.utf8_lpad(y, 4, "0"), pc.utf8_lpad(m, 2, "0"), pc.utf8_lpad(d, 2, "0"), "-")
    stamp = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    real = pc.and_(pc.equal(pc.day(stamp), pc.cast(d, pa.int64())), pc.equal(pc.month(stamp), pc.cast(m, pa.int64())))
    return pc.if_else(real, pc.cast(stamp, pa.date32()), pa.scalar(None, pa.date32()))


def dates(text: pa.Array, *, day_first: bool) -> pa.Array:
    """date32 per trimmed cell; null where the cell is empty or not a date."""
    iso = pc.extract_regex(text, _ISO_DATE)
    result = _ymd(pc.struct_field(iso, "y"), pc.struct_field(iso, "m"), pc.struct_field(iso, "d"))
    num = pc.extract_regex(text, _NUMERIC_DATE)
    s1 = pc.struct_field(num, "s1")
    same_sep = pc.fill_null(pc.equal(s1, pc.struct_field(num, "s2")), False)
    if pc.any(same_sep).as_py():
        a, b, y = (pc.struct_field(num, f) for f in ("a", "b", "y"))
        year = pc.cast(y, pa.int32())
        year = pc.if_else(
            pc.equal(pc.utf8_length(y), 2),
            pc.add(year, pc.if_else(pc.less(year, 70), 2000, 1900)),
            year,
        )
        d_first = pc.or_(pc.equal(s1, "."), pa.scalar(day_first))
        numeric = _ymd(pc.cast(year, pa.string()), pc.if_else(d_first, b, a), pc.if_else(d_first, a, b))
        result = pc.if_else(same_sep, numeric, result)
    done = pc.or_(pc.is_valid(iso), same_sep)
    slow = pc.and_(pc.invert(done), pc.greater(pc.utf8_length(text), 0))
    if pc.any(slow).as_py():
        parsed = pa.array([parse_date(t, day_first) for t in pc.filter(text, slow).to_pylist()], pa.date32())
        result = pc.replace_with_mask(result, slow, parsed)
    return result


def statuses(text: pa.Array) -> pa.Array:
    """Lower-case canonical words; null for an empty cell."""
    words = pc.replace_substring_regex(pc.utf8_lower(text), r"[\s\-]+", "_")
    canonical = pc.coalesce(pc.take(_STATUS_VALUES, pc.index_in(words, value_set=_STATUS_KEYS)), words)
    return pc.if_else(pc.greater(pc.utf8_length(canonical), 0), canonical, pa.scalar(None, pa.string()))
