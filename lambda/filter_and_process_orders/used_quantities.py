"""Which unreadable quantities an order would have used (review B7-9): the `unreadable_quantities`
warning (`doubts`) names only them. Every line of a line-item order and an order's only line count; of
an order's history, only the line whose quantity the order takes: its last line with a quantity cell (a
line whose cell is empty leaves the order the one before, `grain._gaps`); the earlier ones are
superseded. An exact duplicate counts once, named by its first copy's line (`copies.Copies`).

Phase 1 finds the cells (every line, in chunks); each dedup bucket is looked at as it is sifted
(`evidence.sift`), for both answers, as the grain may not be known yet; the file's grain picks one at
the end. A file without such a cell costs one test per bucket; one with m such cells, a binary search
of them per bucket and a look at the lines of their orders.
"""

import numpy as np
import pyarrow.compute as pc

from . import profile
from .arrow_buffers import one_array
from .doubts import SAMPLE_LINES, Doubts
from .evidence import Sifted

CODE = "unreadable_quantities"


class UsedQuantities:
    def __init__(self, doubts: Doubts) -> None:
        found = doubts.quantity_lines
        self.lines = np.sort(np.concatenate(found)) if found else None  # every unreadable cell's line
        self.every: list[np.ndarray] = []  # used by line items and orders of one line: every such line
        self.last: list[np.ndarray] = []  # used where the last line wins (histories)

    def sift(self, sifted: Sifted) -> None:
        """A bucket's lines whose unreadable quantity is used, by either answer (from worker threads:
        only appends)."""
        if self.lines is not None:
            with profile.stage("dedup.quantities"):
                self._sift(sifted)

    def _sift(self, sifted: Sifted) -> None:
        line = one_array(sifted.lines.column("line")).to_numpy()
        if not len(line):
            return
        at = np.minimum(np.searchsorted(line, self.lines), len(line) - 1)  # a bucket's lines ascend
        hit = np.zeros(len(line), bool)
        hit[at[line[at] == self.lines]] = True
        if not hit.any():
            return
        repeated = sifted.repeated
        alone = np.flatnonzero(hit if sifted.single is None else hit & sifted.single)  # ids that come once
        every = last = alone
        if repeated is not None:
            rows, group = repeated.rows, repeated.group  # exact duplicates out: the last copy stays
            every = np.union1d(alone, rows[hit[rows]])
            wanted = np.zeros(int(group.max()) + 1, bool)
            wanted[group[hit[rows]]] = True  # the orders with such a line
            rows, group = rows[wanted[group]], group[wanted[group]]
            quantity = pc.is_valid(sifted.lines.column("quantity").take(rows)).to_numpy(zero_copy_only=False)
            cell = quantity | hit[rows]
            taken = np.full(len(wanted), -1, np.int64)
            taken[group[cell]] = rows[cell]  # a scatter in file order leaves each order's last
            taken = taken[taken >= 0]
            last = np.union1d(alone, taken[hit[taken]])
        self.every.append(_named(line, every, sifted.copies))
        self.last.append(_named(line, last, sifted.copies))

    def settle(self, doubts: Doubts, grain: str) -> None:
        """The warning's count and first lines, under the file's `grain`."""
        if self.lines is None:
            return
        found = self.every if grain == "line_items" else self.last  # staff's `order` grain: the last wins
        used = np.sort(np.concatenate(found)) if found else np.empty(0, np.int64)
        doubts.rows[CODE] = len(used)
        doubts.lines[CODE] = used[:SAMPLE_LINES].tolist()


def _named(line: np.ndarray, rows: np.ndarray, copies) -> np.ndarray:
    """The lines of the bucket's positions `rows` (ascending), a kept copy's named by its first copy's."""
    return line[rows] if copies is None else copies.named(line[rows], rows)
