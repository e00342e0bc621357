"""The processed orders as Snappy Parquet, one file per order month (the stale ones flagged, counted
and sampled in `stale`).

Orders come bucket by bucket, each bucket's copied once by month (`months.by_month`, on any thread: the
dedup workers make it beside the other buckets, `Output.add_months` only buffers its pieces); each
month buffers up to ROW_GROUP rows before writing a row group, so row groups stay large whatever
the number of buckets. Row groups are written by two threads of their own, which share the months,
largest first (pyarrow releases the GIL), one batch at a time, while the caller goes on with the
next bucket (`write.wait` is what the caller still waits). Once the last orders are in (`finish`),
each file is closed as soon as its last row group is written, by the thread that wrote it, also
when that row group is in the batch still being written (the last bucket's flush): a file closes,
and goes up, while the other months' last row groups are encoded. Files only grow; `on_write`
hears of each append and close, so they go up to S3 as they grow and a closed one while the others
are still written (`multipart`). The files hold SCHEMA's columns and types; `status` and `source_key`
reach the writer dictionary-encoded (WRITTEN) and no Arrow schema is stored (see ENCODED). The columns
every order has (SCHEMA's not-null ones) are REQUIRED in the Parquet schema, the others OPTIONAL: no
definition levels are written for those eight (us 1M rows, callgrind: the writer's instructions
1,921 M -> 1,751 M); files written before 2026-12-02 hold every column OPTIONAL and read alike
(README, "Parquet layout").
"""

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profile
from .contract import SCHEMA
from .months import BODY, ENCODED, MADE, Months, by_month
from .stale import StaleOrders

if TYPE_CHECKING:
    import pyarrow.parquet as pq

ROW_GROUP = 128 * 1024
BUFFERED_ROWS = 128 * 1024  # rows held in memory across all months before writing
# order_id is nearly unique: a dictionary for it costs time and bytes and then falls back anyway.
# order_date holds at most 31 days in a month's file: a dictionary of them is smaller and cheaper.
DIMENSIONS = ["customer", "status", "product", "category", "region", "country", "channel"]
DICTIONARY_COLUMNS = [*DIMENSIONS, "order_date", "source_key"]
# A dimension more than half of whose values differ in the file's first row group (customers, in
# some exports) is written without a dictionary: own 1M rows, 0.03 CPU s less and 5 % smaller files.
DISTINCT_SHARE, DISTINCT_SAMPLE = 0.5, 256
# source_line ascends in a month's pieces: its deltas are small, and need no Snappy after them. Snappy
# makes the amounts only 13 % smaller, for 0.02 CPU s at 1M rows (us: the files are 12 % smaller in all).
DELTA_COLUMNS = {"source_line": "DELTA_BINARY_PACKED"}
COMPRESSION = {c: "none" if c in ("amount", "source_line") else "snappy" for c in SCHEMA.names}
# source_key (one value a file) and status (a few words) reach the writer dictionary-encoded: it then
# writes their indices as they come instead of hashing every row's text again and comparing it for the
# statistics (a dictionary's statistics are those of the values rows use: the same min and max). The
# statuses are encoded once per bucket (`months.encoded`), for the stale rule and the copy by month too.
# us 1M rows (callgrind, a whole local run): the writer's instructions 2,294 M -> 1,921 M, the run's
# 12.93 G -> 12.64 G. The Arrow schema stored in a file would then say dictionary, so none is stored:
# each column's type is read from the Parquet schema, which gives SCHEMA back exactly (pyarrow, DuckDB).
WRITTEN = pa.schema([f.with_type(pa.dictionary(pa.int32(), f.type)) if f.name in ENCODED else f for f in SCHEMA])
assert WRITTEN.names == [*BODY.names, *MADE]  # a row group is BODY's columns, then the ones made for it
# Values a column writer encodes at a time (Parquet's default is 1,024): a month's piece of a bucket
# (about 3,800 orders at 1M rows) then goes in one batch, not four (about 2 % of the encoding CPU).
WRITE_BATCH = 8192
STATISTICS_COLUMNS = ["customer", "amount", "status", "order_date", "stale", "source_key", "ingested_at"]


@dataclass
class Month:
    path: Path
    writer: "pq.ParquetWriter | None" = None
    buffered: list = field(default_factory=list)
    buffered_rows: int = 0
    rows: int = 0
    writing: bool = False  # a row group of it is in the batch being written (under Output._lock)


class Output:
    def __init__(
        self,
        workdir: Path,
        *,
        source_key: str,
        ingested_at: datetime,
        on_write: Callable[[Path, bool], None] | None = None,
    ):
        """`on_write(path, closed)` is told of each append to a file (from the writer threads) and of
        its close: the outputs go up to S3 as they grow (`publish.Publication.grew`)."""
        self.workdir = workdir
        self.on_write = on_write
        self.source_key = pa.scalar(source_key, pa.string())
        self.ingested_at = pa.scalar(ingested_at, SCHEMA.field("ingested_at").type)
        self.months: dict[str, Month] = {}
        self._buffered = 0
        self._writing: list[threading.Thread] = []  # writing the batch of row groups
        self._failed: BaseException | None = None
        self._lock = threading.Lock()  # Month.writing and _finishing: who closes a file
        self._finishing = False  # every order is in: a file is closed after its last row group
        # source_key and ingested_at for the largest row group yet: each row group takes a slice.
        self._constants = (_repeat_key(self.source_key, 0), pa.repeat(self.ingested_at, 0))
        self._dictionary: list[str] | None = None  # the columns with a dictionary, from the first row group
        self.orders = 0
        self.stale = StaleOrders()
        self.amount_total = Decimal(0)  # of every order written
        self.amount_counted = Decimal(0)  # of the orders that count (not stale)

    def add(self, orders: pa.Table, rows: np.ndarray | None = None) -> None:
        """Orders with the contract's columns less source_key and ingested_at, in any order; with
        `rows` (ascending positions), only those rows are orders. Each is copied once, by month."""
        self.add_months(by_month(orders, rows))

    def add_months(self, *splits: "Months | None") -> None:
        """Orders as `by_month` split them (on any thread: the copy by month is most of the work); one
        bucket's together, so that a batch of row groups holds whole buckets (its winners of repeated
        ids apart from its other orders made a small last batch: one more row group per month)."""
        for split in filter(None, splits):
            self.orders += sum(piece.num_rows for _, piece in split.pieces)
            self.amount_total += split.total
            self.amount_counted += split.total - split.stale_total
            if len(split.flagged):
                self.stale.add(split.orders, split.flagged)
            for name, piece in split.pieces:
                self._buffer(name, piece)
        if self._buffered >= BUFFERED_ROWS:
            self._flush(list(self.months.values()))

    def _buffer(self, name: str, part: pa.Table) -> None:
        month = self.months.get(name)
        if month is None:
            month = self.months[name] = Month(self.workdir / f"{name}.parquet")
        month.buffered.append(part)
        month.buffered_rows += part.num_rows
        month.rows += part.num_rows
        self._buffered += part.num_rows
        if month.buffered_rows >= ROW_GROUP:
            self._flush([month])

    def _flush(self, months: list[Month]) -> None:
        """Writes the months' buffered rows as one row group each, on two threads, once the previous
        batch is written (so row groups keep their order and at most one batch waits in memory)."""
        self._wait()
        # One dictionary per column of a row group (each bucket's pieces have their own): the writer
        # writes indices only while a column's dictionary stays the same.
        batch = [(m, pa.concat_tables(m.buffered).unify_dictionaries()) for m in months if m.buffered_rows]
        for month in months:
            self._buffered -= month.buffered_rows
            month.buffered, month.buffered_rows = [], 0
        for month, _ in batch:
            month.writing = True
        # Two threads share the work, the largest first: each takes the next month when done, so
        # neither idles while the other still has months to write.
        work = deque(sorted(batch, key=lambda piece: -piece[1].num_rows))
        if not work:
            return
        largest = work[0][1]
        if self._dictionary is None:
            self._dictionary = _dictionary_columns(largest)
        if largest.num_rows > len(self._constants[0]):  # made once, not per row group
            n = largest.num_rows
            self._constants = (_repeat_key(self.source_key, n), pa.repeat(self.ingested_at, n))
        self._writing = [threading.Thread(target=self._write, args=(work,), name=f"output-writer-{i}") for i in (0, 1)]
        for thread in self._writing:
            thread.start()

    def _wait(self) -> None:
        with profile.stage("write.wait"):
            for thread in self._writing:
                thread.join()
        self._writing = []
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed

    @profile.timed("write.thread (Parquet)")
    def _write(self, work: deque) -> None:
        """Writes pieces of `work` (month, its row group) until none is left; once `finish` began,
        closes each month whose last row group it wrote."""
        try:
            while self._failed is None:
                try:
                    month, table = work.popleft()  # atomic: each piece goes to one thread
                except IndexError:
                    return
                self._write_group(month, table)
                with self._lock:
                    month.writing = False
                    last = self._finishing and not month.buffered_rows  # no rows of it left for later
                if last:
                    self._close(month)
                elif self.on_write:
                    self.on_write(month.path, False)
        except BaseException as exc:  # noqa: BLE001 - raised on the caller's thread by _wait
            self._failed = exc

    def _close(self, month: Month) -> None:
        month.writer.close()
        if self.on_write:
            self.on_write(month.path, True)

    def _write_group(self, month: Month, table: pa.Table) -> None:
        if month.writer is None:
            import pyarrow.parquet as pq  # imported beside the first S3 round trips (startup.LAZY)

            month.writer = pq.ParquetWriter(
                month.path,
                WRITTEN,
                compression=COMPRESSION,
                use_dictionary=self._dictionary,
                column_encoding=DELTA_COLUMNS,
                write_statistics=STATISTICS_COLUMNS,
                write_batch_size=WRITE_BATCH,
                store_schema=False,
            )
        n = table.num_rows
        key, at = (c.slice(0, n) for c in self._constants)
        # Under WRITTEN, whose never-null columns are REQUIRED (the writer refuses a null in one).
        columns = [*table.select(BODY.names).columns, key, at]
        month.writer.write_table(pa.Table.from_arrays(columns, schema=WRITTEN), row_group_size=max(1, n))

    def finish(self) -> dict[str, Path]:
        """Writes the last row groups and closes every file as soon as its last row group is written:
        here for a month with nothing left to write, else by the writer thread that writes it (in the
        batch under way or in the last one); the month -> Parquet file."""
        with self._lock:  # from now on a writer thread closes what it wrote last; the others are closed here
            self._finishing = True
            done = [m for m in self.months.values() if m.writer is not None and not (m.writing or m.buffered_rows)]
        if self._failed is None:
            for month in done:
                self._close(month)
        self._flush([m for m in self.months.values() if m.buffered_rows])
        self._wait()
        return {name: m.path for name, m in sorted(self.months.items()) if m.rows}


def _repeat_key(key: pa.Scalar, n: int) -> pa.DictionaryArray:
    """`key` n times, as WRITTEN's source_key: a dictionary of the one key."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([key.as_py()], pa.string()))


def _dictionary_columns(table: pa.Table) -> list[str]:
    """DICTIONARY_COLUMNS but the dimensions more than DISTINCT_SHARE of whose values in `table` (a
    month's row group of at least DISTINCT_SAMPLE rows) differ."""
    n = table.num_rows
    if n < DISTINCT_SAMPLE:
        return DICTIONARY_COLUMNS
    plain = {c for c in DIMENSIONS if len(pc.unique(table.column(c))) > DISTINCT_SHARE * n}
    return [c for c in DICTIONARY_COLUMNS if c not in plain]
