"""Values that are read and kept but look doubtful: they become manifest warnings, never rejects,
and change no number (issue 12: "warnings for doubts").

- `negative_amounts`: an amount below zero (a refund, a credit note, or a sign error).
- `float_like_ids`: an order id such as `1.0` (a spreadsheet stored the id as a number).
- `unknown_statuses`: a status word outside `values.KNOWN_STATUSES` (see `values.status_words`).
- `lines_without_amount`: a line item whose amount is blank or a placeholder, counted as a line of
  its order (Shopify writes the amount on an order's first line only), adding nothing to its amount.

Counted on the rows a chunk keeps (not rejected), the last one per bucket (`grain`); each code keeps
its first SAMPLE_LINES lines.
"""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import bool_mask, decimal_words

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

    def add_lines(self, code: str, lines: np.ndarray) -> None:
        """Rows of `code` found at `lines` (physical lines, in any order, e.g. a dedup bucket's)."""
        if len(lines):
            self.rows[code] += len(lines)
            first = np.sort(lines)[:SAMPLE_LINES].tolist()
            self.lines[code] = sorted(self.lines.get(code, []) + first)[:SAMPLE_LINES]

    def _found(self, code: str, mask: np.ndarray, lines: np.ndarray) -> None:
        count = int(np.count_nonzero(mask))
        if count:
            self.rows[code] += count
            self.lines[code] = lines[mask][:SAMPLE_LINES].tolist()


def doubts(order_id: pa.Array, amount: pa.Array, good: np.ndarray, lines: np.ndarray) -> Doubts:
    """Negative amounts and float-like ids among the `good` rows (numpy masks over the chunk's rows).
    `amount` is LINE_AMOUNT_TYPE (`amounts.amounts`): each value fits its low 64-bit word, so its high
    word is -1 exactly when it is below zero (read from the buffers: no decimal comparison)."""
    found = Doubts()
    negative = good & (decimal_words(amount)[:, 1] < 0)
    if amount.null_count:
        negative &= amount.is_valid().to_numpy(zero_copy_only=False)
    found._found("negative_amounts", negative, lines)
    dotted = pc.fill_null(pc.ends_with(order_id, ".0"), False)  # cheap first look, then the exact shape
    if pc.any(dotted).as_py():
        float_like = pc.and_(dotted, pc.fill_null(pc.match_substring_regex(order_id, _FLOAT_ID), False))
        found._found("float_like_ids", good & bool_mask(float_like), lines)
    return found
