"""Dates: the day/month order is decided once per file, then one parser reads every cell.

Shapes, each optionally followed by a time (` 13:00`, `T01:02Z`): `2025-05-30` (also with `/` or
`.`), `30/05/2025` or `5/30/25` (numeric; the order is the file's, except that dotted dates are
always day first), `05-Dec-17`, `26 May 2023`, `May 26, 2023`, `20250530`. Two-digit years are
1970-2069; years outside 1900-2999 are not dates. A numeric date with a two-digit year may have it
first (`24-11-30`, yy-mm-dd, not dotted): `years.year_place` decides it once per file from the cells
that read only one way (review B14-1); with none, the year is read last and the file says so.
Numeric dates that read only one way (`13/2/2024`) vote for the file's order, one vote a row.
`date_shapes` counts which shapes a file's dates have, so that the detected format names what was
read (e.g. "day month-name year"). A cell of the numeric
shape that reads as no date either way (`00/00/0000`, `31/02/2025`, a year outside) is neither a vote
nor a numeric date seen, nor of that shape (review B9-7: it opened the date order of an ISO file); nor
is a year-month-day or yyyymmdd cell that names no real day (`0000-00-00`) of its shape.
"""

import re
import threading
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profile
from .arrow_buffers import string_offsets, valid_mask
from .digits import fold, folded
from .trim import trim

_TAIL = r"(?:[ T].*)?$"
_YMD = r"^(?P<y>[0-9]{4})(?P<s>[-/.])(?P<m>[0-9]{1,2})(?P=s)(?P<d>[0-9]{1,2})" + _TAIL
_NUMERIC = r"^(?P<a>[0-9]{1,2})(?P<s1>[-/.])(?P<b>[0-9]{1,2})(?P<s2>[-/.])(?P<y>[0-9]{4}|[0-9]{2})" + _TAIL
_DAY_NAME = r"^(?P<d>[0-9]{1,2})[ \-/]+(?P<n>[A-Za-z]{3,9})\.?[ \-/,]+(?P<y>[0-9]{4}|[0-9]{2})" + _TAIL
_NAME_DAY = r"^(?P<n>[A-Za-z]{3,9})\.? +(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?,? +(?P<y>[0-9]{4})" + _TAIL
_COMPACT = r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})$"
_MONTHS = [
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december"),
]  # fmt: skip
MONTHS = {name: i for i, names in enumerate(_MONTHS, start=1) for name in names}
YEARS = (1900, 2999)  # an order outside is a typo or a placeholder (0000-00-00), not a date
_CENTURIES = pa.array(["19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"])
_MONTH_NAMES = pa.array(list(MONTHS))
_MONTH_NUMBERS = pa.array([f"{n:02d}" for n in MONTHS.values()])
# RE2 has no backreference: the YMD separator check is done on the two separators instead.
_YMD_RE2 = r"^(?P<y>[0-9]{4})(?P<s1>[-/.])(?P<m>[0-9]{1,2})(?P<s2>[-/.])(?P<d>[0-9]{1,2})" + _TAIL


def no_votes() -> dict[str, int]:
    """`date_votes`' counts, none yet."""
    return dict.fromkeys(("DMY", "MDY", "DMY_yy", "MDY_yy", "numeric", "numeric_yy"), 0)


def date_votes(text: pa.Array, counts: pa.Array | None = None) -> tuple[dict[str, int], bool]:
    """Votes of the rows whose numeric date reads one way only ({'DMY': rows, 'MDY': rows}), and
    whether there is any numeric date at all (so that the order matters). Rows, like the decimal
    separator's votes: a day's export whose rows share one date outweighs a few stray ones (review
    B7-2). `text` may be distinct cells with their rows in `counts` (`pc.value_counts`' fields).
    Besides: "DMY_yy", "MDY_yy", the votes' share of two-digit-year dates not dotted (`24-11-30`), which
    vote for no day/month order once their years are read first (`years`, review B15-1); "numeric" and
    "numeric_yy", the rows of numeric dates (read year last) and of those such dates among them."""
    if not _may_be_numeric(text):  # a file of ISO dates: each chunk after the sample asks (`decide.reopen_dates`)
        return no_votes(), False
    if counts is None:
        found = pc.value_counts(text)
        text, counts = found.field("values"), found.field("counts")
    text = folded(text)  # other digit scripts vote as ASCII digits (review B9-3)
    numeric = pc.fill_null(pc.match_substring_regex(text, _NUMERIC), False)
    parts, counts = pc.extract_regex(pc.filter(text, numeric), _NUMERIC), pc.filter(counts, numeric)
    same = pc.fill_null(pc.equal(pc.struct_field(parts, "s1"), pc.struct_field(parts, "s2")), False)
    parts, counts = pc.filter(parts, same), pc.filter(counts, same)
    if len(parts):  # a date either way (rare otherwise: a placeholder)
        real = _either_way(parts)
        parts, counts = (parts, counts) if real.all() else (parts.filter(real), counts.filter(real))
    if not len(parts):
        return no_votes(), False
    a, b = (pc.cast(pc.struct_field(parts, f), pa.int8()) for f in ("a", "b"))
    dotted = pc.equal(pc.struct_field(parts, "s1"), ".")
    dmy = pc.or_(dotted, pc.and_(pc.greater(a, 12), pc.less_equal(b, 12)))
    mdy = pc.and_(pc.invert(dotted), pc.and_(pc.greater(b, 12), pc.less_equal(a, 12)))
    short = pc.and_(pc.equal(pc.utf8_length(pc.struct_field(parts, "y")), 2), pc.invert(dotted))
    rows = lambda mask: pc.sum(pc.filter(counts, mask)).as_py() or 0  # noqa: E731
    votes = {
        "DMY": rows(dmy),
        "MDY": rows(mdy),
        "DMY_yy": rows(pc.and_(dmy, short)),
        "MDY_yy": rows(pc.and_(mdy, short)),
    }
    return votes | {"numeric": pc.sum(counts).as_py() or 0, "numeric_yy": rows(short)}, True


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _either_way(parts: pa.StructArray) -> np.ndarray:
    """Where a numeric date's parts (`_NUMERIC`'s groups) read as a real day with `a` the day or the
    month (a dotted one day first only), in YEARS (two digits: 1970-2069), as `_real_days` reads."""
    a, b, y = (pc.cast(pc.struct_field(parts, f), pa.int32()).to_numpy() for f in ("a", "b", "y"))
    short = pc.utf8_length(pc.struct_field(parts, "y")).to_numpy() == 2
    y = np.where(short, np.where(y < 70, 2000 + y, 1900 + y), y)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    dotted = pc.equal(pc.struct_field(parts, "s1"), ".").to_numpy(zero_copy_only=False)

    def real(day: np.ndarray, month: np.ndarray) -> np.ndarray:
        last = _MONTH_DAYS[np.clip(month, 0, 12)] + (leap & (month == 2))
        return (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)

    return (y >= YEARS[0]) & (y <= YEARS[1]) & (real(a, b) | (real(b, a) & ~dotted))


_OTHER_BYTES = np.arange(256) >= 0x80  # bytes of non-ASCII characters
_MAY_BE_NUMERIC = [_OTHER_BYTES, *[_OTHER_BYTES | np.isin(np.arange(256), list(b"-/."))] * 2]  # by byte position


def _may_be_numeric(text: pa.Array) -> bool:
    """False only when no cell can be a numeric date: none has `-`, `/` or `.` as its second or third
    byte, where `_NUMERIC`'s first separator is (after one or two digits), nor a byte of a non-ASCII
    character (a digit of another script, `digits`) among its first three. Read from the buffers
    (three bytes a cell), not by a kernel."""
    if not isinstance(text, pa.Array) or text.type != pa.string():
        return True  # not read here
    data = text.buffers()[2]
    if data is None or not data.size:
        return False
    offsets = string_offsets(text)
    start, length, raw = offsets[:-1], np.diff(offsets), np.frombuffer(data, np.uint8)
    first, second, third = (
        _MAY_BE_NUMERIC[k][raw[np.minimum(start + k, data.size - 1)]] & (length > k) for k in range(3)
    )
    return bool(((first | second | third) & valid_mask(text)).any())


def _real_ymd(sep: str, pad: str) -> str:
    """A regex of year `sep` month `sep` day that names a real day in YEARS (RE2 has no arithmetic:
    the months' lengths and the leap years are spelled out); `pad` "0?" lets month and day have one
    digit, "0" makes them two. One pass of RE2's automaton, as the shape alone costs."""
    year, leap = r"(?:19|2[0-9])[0-9]{2}", r"(?:(?:19|2[0-9])(?:0[48]|[2468][048]|[13579][26])|2[048]00)"
    d28 = f"(?:{pad}[1-9]|1[0-9]|2[0-8])"
    long, short = f"(?:{pad}[13578]|1[02])", f"(?:{pad}[469]|11)"
    md = f"(?:{long}{sep}(?:{d28}|29|3[01])|{short}{sep}(?:{d28}|29|30)|{pad}2{sep}{d28})"
    return f"(?:{year}{sep}{md}|{leap}{sep}{pad}2{sep}29)"


# The shapes the kernels read, in the order they are tried, with their names for staff. A cell of
# the year-month-day or yyyymmdd shape counts only when it names a real day (`0000-00-00`,
# `2025-02-30` read as no date: they show no format, as numeric ones, `_either_way`).
SHAPES = {
    "ymd": ("^(?:" + "|".join(_real_ymd(sep, "0?") for sep in ("-", "/", r"\.")) + ")" + _TAIL, "year-month-day"),
    "numeric": (_NUMERIC, "day/month/year or month/day/year"),
    "day_name": (_DAY_NAME, "day month-name year"),
    "name_day": (_NAME_DAY, "month-name day year"),
    "compact": ("^" + _real_ymd("", "0") + "$", "yyyymmdd"),
}


@profile.timed("clean.date")
def dates(text: pa.Array, *, day_first: bool, memo: "DateMemo | None" = None, year_first: bool = False) -> pa.Array:
    """date32 per trimmed cell; null where the cell is empty or not a date. Worked out once per
    distinct value (orders of a file fall on a few hundred days), and with a `memo` once per file.
    `year_first`: a two-digit-year numeric date is yy-mm-dd (`year_place`)."""
    encoded = pc.dictionary_encode(text)
    distinct = encoded.dictionary
    # An ISO date with a time reads as its first ten characters: timestamps of one day share one reading.
    iso_time = pc.match_substring_regex(distinct, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]")
    if pc.any(iso_time).as_py():
        cut = pc.dictionary_encode(pc.if_else(iso_time, pc.utf8_slice_codeunits(distinct, 0, 10), distinct))
        days = pc.take(_read(cut.dictionary, day_first, memo, year_first), cut.indices)
    else:
        days = _read(distinct, day_first, memo, year_first)
    return pc.take(days, encoded.indices)


def _read(distinct: pa.Array, day_first: bool, memo: "DateMemo | None", year_first: bool) -> pa.Array:
    if memo is not None:
        return memo.read(distinct, day_first, year_first)
    return _distinct_dates(distinct, day_first, year_first)


class DateMemo:
    """The dates one file's chunks have read so far (distinct text -> date32), shared by the threads
    that clean them; at most LIMIT texts (files of timestamps read the rest chunk by chunk)."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # One tuple, replaced whole: a reader on another thread sees texts and dates of the same state.
        self._memo = (pa.array([], pa.string()), pa.array([], pa.date32()))

    def read(self, distinct: pa.Array, day_first: bool, year_first: bool = False) -> pa.Array:
        """date32 per distinct text (as `_distinct_dates`); one memo serves one reading only."""
        text, days = self._memo
        at = pc.index_in(distinct, value_set=text)
        new = pc.is_null(at)
        if not pc.any(new).as_py():
            return pc.take(days, at)
        unread = pc.filter(distinct, new)
        read = _distinct_dates(unread, day_first, year_first)
        with self._lock:
            known, known_days = self._memo
            if len(known) < self.LIMIT:
                fresh = pc.invert(pc.is_in(unread, value_set=known))  # another thread may have read some
                added = pa.concat_arrays([known, pc.filter(unread, fresh)])
                self._memo = (added, pa.concat_arrays([known_days, pc.filter(read, fresh)]))
        return pc.replace_with_mask(pc.take(days, at), new, read)


def _year(y: pa.Array) -> pa.Array:
    short = pc.equal(pc.utf8_length(y), 2)
    century = pc.if_else(pc.less(pc.cast(pc.if_else(short, y, "99"), pa.int16()), 70), "20", "19")
    return pc.if_else(short, pc.binary_join_element_wise(century, y, ""), y)


def _iso(y, m, d) -> pa.Array:
    return pc.binary_join_element_wise(_year(y), pc.utf8_lpad(m, 2, "0"), pc.utf8_lpad(d, 2, "0"), "-")


def _month(name: pa.Array) -> pa.Array:
    return pc.take(_MONTH_NUMBERS, pc.index_in(pc.utf8_lower(name), value_set=_MONTH_NAMES))


def _candidates(text: pa.Array, day_first: bool, year_first: bool = False) -> pa.Array:
    """`YYYY-MM-DD` text for every cell of a known shape (null elsewhere); not yet checked as a real day."""
    iso = pa.nulls(len(text), pa.string())
    ymd = pc.extract_regex(text, _YMD_RE2)
    f = lambda parts, name: pc.struct_field(parts, name)  # noqa: E731
    same = pc.equal(f(ymd, "s1"), f(ymd, "s2"))
    iso = pc.coalesce(iso, pc.if_else(same, _iso(f(ymd, "y"), f(ymd, "m"), f(ymd, "d")), None))
    num = pc.extract_regex(text, _NUMERIC)
    same = pc.equal(f(num, "s1"), f(num, "s2"))
    d_first = pc.or_(pc.equal(f(num, "s1"), "."), pa.scalar(day_first))
    month, day = pc.if_else(d_first, f(num, "b"), f(num, "a")), pc.if_else(d_first, f(num, "a"), f(num, "b"))
    year = f(num, "y")
    if year_first:  # yy-mm-dd: of a two-digit year, not dotted
        ymd = pc.and_(pc.equal(pc.utf8_length(year), 2), pc.invert(pc.equal(f(num, "s1"), ".")))
        month, day = pc.if_else(ymd, f(num, "b"), month), pc.if_else(ymd, year, day)
        year = pc.if_else(ymd, f(num, "a"), year)
    iso = pc.coalesce(iso, pc.if_else(same, _iso(year, month, day), None))
    for pattern in (_DAY_NAME, _NAME_DAY):
        named = pc.extract_regex(text, pattern)
        iso = pc.coalesce(iso, _iso(f(named, "y"), _month(f(named, "n")), f(named, "d")))
    compact = pc.extract_regex(text, _COMPACT)
    return pc.coalesce(iso, _iso(f(compact, "y"), f(compact, "m"), f(compact, "d")))


def _real_days(iso: pa.Array) -> pa.Array:
    """date32 of `YYYY-MM-DD` text; null where it names no real day (strptime would roll 02-30 over)."""
    stamp = pc.strptime(iso, "%Y-%m-%d", "s", error_is_null=True)
    days = pc.cast(stamp, pa.date32())
    same = pc.and_(
        pc.equal(pc.strftime(stamp, "%Y-%m-%d"), iso), pc.is_in(pc.utf8_slice_codeunits(iso, 0, 2), _CENTURIES)
    )
    return pc.if_else(pc.fill_null(same, False), days, pa.scalar(None, pa.date32()))


def _distinct_dates(text: pa.Array, day_first: bool, year_first: bool = False) -> pa.Array:
    result = _real_days(_candidates(text, day_first, year_first)) if len(text) else pa.array([], pa.date32())
    odd = pc.and_(pc.is_null(result), pc.match_substring_regex(text, r"\p{Nd}"))
    if pc.any(odd).as_py():
        found = pa.array([parse_date(t, day_first, year_first) for t in pc.filter(text, odd).to_pylist()], pa.date32())
        result = pc.replace_with_mask(result, odd, found)
    return result


_PY = [re.compile(p) for p in (_YMD, _NUMERIC, _DAY_NAME, _NAME_DAY, _COMPACT)]
_WEEKDAY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)


def parse_date(text: str, day_first: bool = False, year_first: bool = False) -> date | None:
    """One cell, the pure-Python way, for rare shapes: other digits (`٢٠٢٥-٠٥-٣٠`), a weekday first
    (`Fri, 30 May 2025`). Same shapes and rules as `dates`."""
    s = _WEEKDAY.sub("", fold(trim(text)))
    for i, pattern in enumerate(_PY):
        m = pattern.match(s)
        if not m or (i == 1 and m.group("s1") != m.group("s2")):
            continue
        g = m.groupdict()
        y = int(g["y"]) + (0 if len(g["y"]) == 4 else 2000 if int(g["y"]) < 70 else 1900)
        if i == 1:
            d_first = g["s1"] == "." or day_first
            month, day = (int(g["b"]), int(g["a"])) if d_first else (int(g["a"]), int(g["b"]))
            if year_first and len(g["y"]) == 2 and g["s1"] != ".":
                a = int(g["a"])
                y, month, day = a + (2000 if a < 70 else 1900), int(g["b"]), int(g["y"])
        else:
            month, day = MONTHS.get(g["n"].lower(), 0) if "n" in g else int(g["m"]), int(g["d"])
        try:
            return date(y, month, day) if YEARS[0] <= y <= YEARS[1] else None
        except ValueError:
            return None
    return None
