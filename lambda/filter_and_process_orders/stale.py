"""The orders the stale rule flagged, as a CSV beside the Parquet (for the file's page and its
download) and a sample of the first SAMPLE_SIZE."""

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from .spreadsheet import formula_safe

STALE_COLUMNS = ["order_id", "customer", "amount", "status", "order_date", "source_line"]
SAMPLE_SIZE = 20


class StaleOrders:
    def __init__(self, workdir: Path, on_write: Callable[[Path, bool], None] | None = None):
        self.workdir = workdir
        self.on_write = on_write  # (path, closed) after each batch written and at the close
        self.count = 0
        self.path: Path | None = None  # written once there is a stale order
        self.sample: list[dict] = []
        self._writer: pacsv.CSVWriter | None = None

    def add(self, stale: pa.Table) -> None:
        """Stale orders with at least STALE_COLUMNS."""
        rows = stale.select(STALE_COLUMNS)
        # Opened in a spreadsheet: text cells that would run as formulas are made inert.
        rows = pa.table([formula_safe(c) if c.type == pa.string() else c for c in rows.columns], names=STALE_COLUMNS)
        self.count += rows.num_rows
        if self._writer is None:
            self.path = self.workdir / "stale_orders.csv"
            self._writer = pacsv.CSVWriter(
                self.path, rows.schema, write_options=pacsv.WriteOptions(quoting_style="needed")
            )
        self._writer.write_table(rows)
        if self.on_write:
            self.on_write(self.path, False)
        room = SAMPLE_SIZE - len(self.sample)
        for row in rows.slice(0, max(0, room)).to_pylist():
            self.sample.append({k: "" if v is None else str(v) for k, v in row.items()})

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            if self.on_write and self.path:
                self.on_write(self.path, True)
