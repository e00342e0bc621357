"""Where a two-digit year stands in a numeric date, decided once per file as the day/month order is
(review B14-1): `24-11-30` is 30 Nov 2024 read year first (yy-mm-dd), 24 Nov 2030 read year last.
More cells that read as a real day only year first (`99-01-15`) than only year last (`15-01-99`) read
the file's such dates year first; else the year is read last, and `year_order` says when the dates
could as well mean it first (`two_digit_year_assumed`)."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .dates import _MONTH_DAYS, _NUMERIC, _TAIL, _either_way
from .digits import folded

# A numeric date whose year has two digits, not dotted (dotted dates are always day first): year first or last.
_SHORT_YEAR = r"^[0-9]{1,2}(?:-[0-9]{1,2}-|/[0-9]{1,2}/)[0-9]{2}" + _TAIL


def year_place(text: pa.Array) -> dict[str, int]:
    """Of the distinct cells `text`, how many two-digit-year numeric dates (`_SHORT_YEAR`) read as a
    real day only with the year first (`99-01-15`), only with it last (`15-01-99`, `12/31/24`), or
    both ways (`24-11-30`): {"first": cells, "last": cells, "both": cells} (review B14-1)."""
    text = folded(text)
    short = pc.fill_null(pc.match_substring_regex(text, _SHORT_YEAR), False)
    if not pc.any(short).as_py():
        return {"first": 0, "last": 0, "both": 0}
    parts = pc.extract_regex(pc.filter(text, short), _NUMERIC)
    last = _either_way(parts)
    a, b, y = (pc.cast(pc.struct_field(parts, f), pa.int32()).to_numpy() for f in ("a", "b", "y"))
    year = np.where(a < 70, 2000 + a, 1900 + a)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    first = (b >= 1) & (b <= 12) & (y >= 1) & (y <= _MONTH_DAYS[np.clip(b, 0, 12)] + (leap & (b == 2)))
    return {"first": int((first & ~last).sum()), "last": int((last & ~first).sum()), "both": int((first & last).sum())}
