"""Which lines of a dedup bucket are exact duplicates (`duplicates.exact_duplicates` finds them), and
the line each kept copy is named by."""

from dataclasses import dataclass

import numpy as np

from .ascending import positions


@dataclass
class Copies:
    """A bucket's exact duplicates: every copy but the last is dropped; the last stays, where it stands
    deciding which version of an order is the latest, but is named by its first copy's line (the row
    first appears there: `source_line` is the order's first physical line)."""

    dropped: np.ndarray  # positions (ascending) of the copies dropped
    kept: np.ndarray  # positions (ascending) of the last copies of rows that come more than once
    first_line: np.ndarray  # the line of each one's first copy

    def named(self, line: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The lines `line` of the bucket's positions `rows` (default all: `line` is the bucket's) as
        a new array, each kept copy's replaced by its first copy's. Costs a copy of `line`."""
        named = line.copy()
        if rows is None:
            named[self.kept] = self.first_line
            return named
        at, found = positions(self.kept, rows)
        named[at] = self.first_line[found]
        return named
