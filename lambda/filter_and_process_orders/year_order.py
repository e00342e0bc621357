"""Two-digit years at either end of a numeric date (`24-11-30`): read with the year last, as every
numeric date is (`dates`), and said when the file's dates could as well put it first (review B14-1:
`24-11-30, 24-12-15, 25-01-03` were silently 2030, 2015, 2003). Pure; the sample's distinct dates.
"""

import re
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from .digits import fold
from .trim import trim

_TAIL = r"(?:[ T].*)?$"  # a time after the date, as `dates` allows
_SHAPED = r"^\p{Nd}{2}[-/.]\p{Nd}{1,2}[-/.]\p{Nd}{2}(?:[ T]|$)"  # RE2: the cells asked in Python


def year_first_doubt(text: pa.Array, day_first: bool, today: date) -> tuple[int, str]:
    """Distinct numeric dates of two two-digit ends (`24-11-30`) that read as real days with the year
    last, as they are read (`day_first`), and also with it first (yy-mm-dd: 2024-11-30): (how many,
    the first), or (0, "") when the dates tell the year last: a date reads only that way (`15-01-99`:
    no day 99), or read year first some would fall after `today` and read year last none does (orders
    are not dated in the future: `30-11-24` would be 2030; review B14-1). The reading stays the year
    last; the manifest says the dates may mean other days (`two_digit_year_assumed`)."""
    shape = re.compile(r"^([0-9]{2})([-/.])([0-9]{1,2})\2([0-9]{2})" + _TAIL)
    both, future_last, future_first = [], False, False
    distinct = pc.unique(text)
    shaped = pc.fill_null(pc.match_substring_regex(distinct, _SHAPED), False)  # in Arrow: few cells are
    for cell in distinct.filter(shaped).to_pylist():
        m = shape.match(fold(trim(cell))) if cell else None
        if not m:
            continue
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        d_first = sep == "." or day_first
        last = _day(_century(y), b if d_first else a, a if d_first else b)
        first = _day(_century(a), b, y)
        if last is None:
            continue  # no date read year last: rejected as it is read
        if first is None:
            return 0, ""
        both.append(cell)
        future_last, future_first = future_last or last > today, future_first or first > today
    if not both or (future_first and not future_last):
        return 0, ""
    return len(both), both[0]


def _century(y: int) -> int:
    return y + (2000 if y < 70 else 1900)


def _day(y: int, month: int, day: int) -> date | None:
    try:
        return date(y, month, day)
    except ValueError:
        return None


def year_first_date(text: str) -> date | None:
    """One numeric date of two two-digit ends read with the year first (`24-11-30` -> 2024-11-30), for
    the warning's text; None when it is not such a date."""
    m = re.match(r"^([0-9]{2})[-/.]([0-9]{1,2})[-/.]([0-9]{2})" + _TAIL, fold(trim(text)))
    return _day(_century(int(m.group(1))), int(m.group(2)), int(m.group(3))) if m else None
