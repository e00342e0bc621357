"""Values that are read and kept but look doubtful: they become manifest warnings, never rejects,
and change no number (issue 12: "warnings for doubts").

- `negative_amounts`: an amount below zero (a refund, a credit note, or a sign error).
- `float_like_ids`: an order id such as `1.0` (a spreadsheet stored the id as a number).
- `unknown_statuses`: a status word outside `values.KNOWN_STATUSES` (see `values.status_words`).

Counted on the rows a chunk keeps (not rejected); each code keeps its first SAMPLE_LINES lines.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import bool_mask

SAMPLE_LINES = 5
_FLOAT_ID = r"^[0-9]+\.0+$"


@dataclass
class Doubts:
    rows: Counter = field(default_factory=Counter)  # code -> rows
    lines: dict[str, list[int]] = field(default_factory=dict)  # code -> its first physical lines
    statuses: Counter = field(default_factory=Counter)  # unknown status word -> rows

    def add(self, other: "Doubts") -> None:
        """Another chunk's doubts (chunks come in file order)."""
        self.rows.update(other.rows)
        self.statuses.update(other.statuses)
        for code, lines in other.lines.items():
            self.lines[code] = (self.lines.get(code, []) + lines)[:SAMPLE_LINES]

    def _found(self, code: str, mask: pa.Array, lines: np.ndarray) -> None:
        count = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
        if count:
            self.rows[code] += count
            self.lines[code] = lines[bool_mask(mask)][:SAMPLE_LINES].tolist()


def doubts(order_id: pa.Array, amount: pa.Array, good: pa.Array, lines: np.ndarray) -> Doubts:
    """Negative amounts and float-like ids among the `good` rows (masks over the chunk's rows)."""
    found = Doubts()
    negative = pc.fill_null(pc.less(amount, pa.scalar(Decimal(0), amount.type)), False)
    found._found("negative_amounts", pc.and_(good, negative), lines)
    dotted = pc.fill_null(pc.ends_with(order_id, ".0"), False)  # cheap first look, then the exact shape
    if pc.any(dotted).as_py():
        float_like = pc.and_(dotted, pc.fill_null(pc.match_substring_regex(order_id, _FLOAT_ID), False))
        found._found("float_like_ids", pc.and_(good, float_like), lines)
    return found
