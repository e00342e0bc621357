"""The orders the stale rule flagged: how many, and the first SAMPLE_SIZE of the file by line for
its page. The orders themselves are stored once, in the Parquet with `stale` true; the site's
"stale orders" download is derived from there (pipeline_admin.stale_orders)."""

import numpy as np
import pyarrow as pa

from .contract import STALE_COLUMNS
from .spreadsheet import formula_safe

SAMPLE_SIZE = 20


class StaleOrders:
    def __init__(self) -> None:
        self.count = 0
        self._first: pa.Table | None = None  # the SAMPLE_SIZE stale orders of lowest source_line so far

    def add(self, orders: pa.Table, rows: np.ndarray) -> None:
        """The stale ones among `orders` (at least STALE_COLUMNS): their positions `rows`, any order."""
        self.count += len(rows)
        lines = orders.column("source_line").take(pa.array(rows)).to_numpy()
        if self._first is not None and len(self._first) == SAMPLE_SIZE:
            # Only those up to the sample's last line can join it (us 1M rows: of 425k stale orders, a few
            # hundred): the others are not partitioned.
            near = np.flatnonzero(lines <= self._first.column("source_line")[SAMPLE_SIZE - 1].as_py())
            if not len(near):
                return  # nothing before the sample's last line
            rows, lines = rows[near], lines[near]
        # The lowest lines unordered (linear time; sort_by below orders the few kept).
        lowest = np.argpartition(lines, SAMPLE_SIZE - 1)[:SAMPLE_SIZE] if len(lines) > SAMPLE_SIZE else slice(None)
        candidates = orders.select(STALE_COLUMNS).take(pa.array(rows[lowest]))
        both = candidates if self._first is None else pa.concat_tables([self._first, candidates])
        self._first = both.sort_by("source_line").slice(0, SAMPLE_SIZE)

    @property
    def sample(self) -> list[dict]:
        """The first stale orders by line, as text (the cells formula-safe, as every CSV cell is)."""
        if self._first is None:
            return []
        rows = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in self._first.columns]
        rows = [formula_safe(c) if c.type == pa.string() else c for c in rows]
        return [
            {k: "" if v is None else str(v) for k, v in row.items()}
            for row in pa.table(rows, names=list(STALE_COLUMNS)).to_pylist()
        ]
