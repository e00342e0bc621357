"""How many distinct date cells a file's sample has of each shape (`dates.SHAPES`): the manifest's
`date_format` names the shapes found, most common first (`decide.Decisions.date_format`)."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .dates import SHAPES, _either_way
from .digits import folded


def date_shapes(text: pa.Array) -> dict[str, int]:
    """How many distinct cells have each shape of SHAPES (the first that matches), e.g.
    {"ymd": 0, "numeric": 0, "day_name": 143, "name_day": 0, "compact": 0}. Empty cells have none."""
    distinct = folded(pc.unique(text))
    left = pc.filter(distinct, pc.greater(pc.utf8_length(distinct), 0))  # nulls go too
    counts = {}
    for name, (pattern, _) in SHAPES.items():  # each on the cells the shapes before it left
        match = pc.match_substring_regex(left, pattern)
        if name == "numeric" and pc.any(match).as_py():  # of a date either way only (`_either_way`)
            at = np.flatnonzero(match.to_numpy(zero_copy_only=False))
            read = _either_way(pc.extract_regex(left.take(pa.array(at)), pattern))
            if not read.all():
                keep = np.zeros(len(left), bool)
                keep[at[read]] = True
                match = pa.array(keep)
        counts[name] = pc.sum(pc.cast(match, pa.int64())).as_py() or 0
        left = pc.filter(left, pc.invert(match))
    return counts
