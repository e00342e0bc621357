"""Local temporary outputs, written as the chunks go by: one Parquet file per month, the rejected
rows as CSV, and the (order_id, line) pairs that find repeated order ids at the end.

Memory stays bounded: kept rows go to one Arrow IPC spool file per month as they come, and
repeated ids are found bucket by bucket (ids hashed into `buckets` files) after the last chunk.
"""

import csv
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import chain
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from .columns import string_bytes
from .spreadsheet import formula_safe

ORDERS_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer", pa.string()),
        ("amount", pa.decimal128(12, 2)),
        ("status", pa.string()),
        ("order_date", pa.date32()),
        ("source_key", pa.string()),
        ("ingested_at", pa.timestamp("ms", tz="UTC")),
    ]
)
ROW_GROUP = 128 * 1024
# order_id is nearly unique: a dictionary for it costs time and bytes and then falls back anyway.
DICTIONARY_COLUMNS = ["customer", "status", "source_key", "ingested_at"]
# Row-group min/max where queries filter; an order_id's min/max say little and cost time.
STATISTICS_COLUMNS = ["customer", "amount", "status", "order_date", "source_key", "ingested_at"]
BUFFERED_ROWS = 256 * 1024  # kept rows held in memory across all months before spooling
SAMPLE_SIZE = 20
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
BYTES_PER_BUCKET = 32 << 20  # raw bytes whose kept ids (~250k) one dedup bucket holds; two are searched at once


def buckets_for(size: int) -> int:
    """How many dedup buckets a raw file of `size` bytes gets, so a bucket's search fits in memory."""
    return 1 + size // BYTES_PER_BUCKET


@dataclass
class Month:
    spool_path: Path  # Arrow IPC, written as chunks go by: cheap to write, read back once
    path: Path  # the Parquet file, made at the end without the superseded repeats
    writer: ipc.RecordBatchStreamWriter | None = None
    rows: int = 0
    amount_total: Decimal = Decimal(0)  # of the rows in the Parquet file
    buffered: list = field(default_factory=list)
    buffered_rows: int = 0


def split_by_month(rows: pa.Table, lines: np.ndarray, kept: np.ndarray) -> list[tuple[str, pa.Table]]:
    """The rows at positions `kept` (of order_id, customer, amount, status, order_date) into
    ('YYYY-MM', rows + their `line`), file order kept within a month. One take copies them."""
    if not len(kept):
        return []
    days = rows.column("order_date").combine_chunks()
    days = np.frombuffer(days.buffers()[1], dtype=np.int32, count=len(days), offset=days.offset * 4)
    month_number = _month_numbers(days[kept])
    order = _stable_order(month_number)
    sorted_months = month_number[order]
    starts = np.flatnonzero(np.r_[True, sorted_months[1:] != sorted_months[:-1]])
    ends = np.r_[starts[1:], len(order)]
    taken = kept[order]
    rows = rows.take(taken).append_column("line", pa.array(lines[taken]))
    parts = []
    for start, end in zip(starts, ends):
        number = int(sorted_months[start]) - 1
        parts.append((f"{number // 12:04d}-{number % 12 + 1:02d}", rows.slice(start, end - start)))
    return parts


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """argsort, stable; a radix sort when the keys span less than 2**16."""
    if len(keys) and keys.max() - keys.min() < 1 << 16:
        keys = (keys - keys.min()).astype(np.uint16)
    return np.argsort(keys, kind="stable")


def _month_numbers(days: np.ndarray) -> np.ndarray:
    """year * 12 + month of days since 1970-01-01 (H. Hinnant's civil_from_days, vectorised)."""
    z = days.astype(np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    return (yoe + era * 400 + (month <= 2)) * 12 + month


def split_by_bucket(
    ids: pa.Array, lines: np.ndarray, kept: np.ndarray, buckets: int
) -> list[tuple[int, pa.RecordBatch]]:
    """The (order_id, line) pairs at positions `kept` into (bucket, pairs): one order_id always
    goes to the same bucket (of `buckets`), and file order is kept within a bucket."""
    if not len(kept):
        return []
    if buckets == 1:
        return [(0, pa.record_batch([ids.take(kept), pa.array(lines[kept])], names=["order_id", "line"]))]
    with np.errstate(over="ignore"):
        bucket_of = (((_tail_words(ids, kept) * _GOLDEN) >> np.uint64(40)) % np.uint64(buckets)).astype(np.int64)
    taken = kept[_stable_order(bucket_of)]
    counts = np.bincount(bucket_of, minlength=buckets)
    pairs = pa.record_batch([ids.take(taken), pa.array(lines[taken])], names=["order_id", "line"])
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    return [(b, pairs.slice(int(starts[b]), int(counts[b]))) for b in range(buckets) if counts[b]]


def _tail_words(ids: pa.Array, kept: np.ndarray) -> np.ndarray:
    """The last 8 bytes of each id at positions `kept` (ids differ most at their end) as a number."""
    words = np.zeros(len(kept), dtype=np.uint64)
    found = string_bytes(ids)
    if found is None:
        return words
    data, starts, lengths = found
    starts, ends = starts[kept], starts[kept] + lengths[kept]
    for k in range(1, 9):
        at = ends - k
        words = (words << np.uint64(8)) | np.where(at >= starts, data[np.maximum(at, 0)], 0).astype(np.uint64)
    return words


def _without_lines(rows: pa.Table, lines: np.ndarray) -> pa.Table:
    """`rows` less those whose `line` is in `lines` (sorted)."""
    if not len(lines) or not rows.num_rows:
        return rows
    own = rows.column("line").to_numpy()
    found = lines[np.minimum(np.searchsorted(lines, own), len(lines) - 1)] == own
    return rows.filter(pa.array(~found)) if found.any() else rows


class Spool:
    def __init__(self, workdir: Path, *, header: list[str], source_key: str, ingested_at: datetime, buckets: int = 1):
        self.workdir = workdir
        self.header = header
        self.source_key = source_key
        self.ingested_at = pa.scalar(ingested_at, ORDERS_SCHEMA.field("ingested_at").type)
        self.months: dict[str, Month] = {}
        self.buckets = max(1, buckets)
        self._bucket_writers: list[ipc.RecordBatchStreamWriter | None] = [None] * self.buckets
        self.rejected_path: Path | None = None
        self._rejected_file = None
        self._rejected_writer = None
        self.rejected_rows = 0
        self.rejected_sample: list[dict] = []
        self.duplicates = 0
        self._buffered_rows = 0

    # -- kept rows -------------------------------------------------------------------------------
    def keep(self, ids: list[tuple[int, pa.RecordBatch]], months: list[tuple[str, pa.Table]]) -> None:
        """A chunk's kept rows: their (order_id, line) pairs by bucket (split_by_bucket), and the
        rows by month (split_by_month). Chunks come in file order.

        Small month pieces are buffered (at most BUFFERED_ROWS rows in all) so spool writes stay large."""
        for b, pairs in ids:
            if self._bucket_writers[b] is None:
                self._bucket_writers[b] = ipc.new_stream(self.workdir / f"ids-{b}.arrow", pairs.schema)
            self._bucket_writers[b].write_batch(pairs)
        for name, rows in months:
            month = self.months.get(name)
            if month is None:
                month = self.months[name] = Month(self.workdir / f"{name}.arrow", self.workdir / f"{name}.parquet")
            month.buffered.append(rows)
            month.buffered_rows += rows.num_rows
            month.rows += rows.num_rows
            self._buffered_rows += rows.num_rows
            if month.buffered_rows >= ROW_GROUP // 2:
                self._spool(month)
        if self._buffered_rows >= BUFFERED_ROWS:
            for month in self.months.values():
                self._spool(month)

    def _spool(self, month: Month) -> None:
        if not month.buffered_rows:
            return
        table = pa.concat_tables(month.buffered)
        if month.writer is None:
            month.writer = ipc.new_stream(month.spool_path, table.schema)
        month.writer.write_table(table)
        self._buffered_rows -= month.buffered_rows
        month.buffered, month.buffered_rows = [], 0

    def _to_parquet(self, month: Month, losers: np.ndarray) -> None:
        """The month's spooled rows, less the superseded repeats, as Snappy Parquet: one row group
        per ROW_GROUP spooled rows (the spool holds many small pieces, one per chunk)."""
        self._spool(month)
        month.writer.close()
        month.rows = 0
        with (
            ipc.open_stream(month.spool_path) as reader,
            pq.ParquetWriter(
                month.path,
                ORDERS_SCHEMA,
                compression="snappy",
                use_dictionary=DICTIONARY_COLUMNS,
                write_statistics=STATISTICS_COLUMNS,
            ) as writer,
        ):
            pending, pending_rows = [], 0
            for batch in chain(reader, [None]):  # None: the end
                if batch is not None:
                    pending.append(batch)
                    pending_rows += batch.num_rows
                if pending and (batch is None or pending_rows >= ROW_GROUP):
                    rows = self._final(_without_lines(pa.Table.from_batches(pending).combine_chunks(), losers))
                    month.rows += rows.num_rows
                    month.amount_total += pc.sum(rows.column("amount")).as_py() or 0
                    writer.write_table(rows, row_group_size=max(1, rows.num_rows))
                    pending, pending_rows = [], 0
        month.spool_path.unlink()

    def _final(self, rows: pa.Table) -> pa.Table:
        rows = rows.drop_columns(["line"])
        n = rows.num_rows
        return pa.table(
            [*rows.columns, pa.repeat(pa.scalar(self.source_key, pa.string()), n), pa.repeat(self.ingested_at, n)],
            schema=ORDERS_SCHEMA,
        )

    # -- repeated order ids ----------------------------------------------------------------------
    def _superseded_lines(self, pool: Executor) -> np.ndarray:
        """Lines of kept rows whose order_id comes again later in the file (the last one wins).
        Buckets are searched on the pool's threads (reading and hashing release the GIL)."""
        losers = [lines for lines in pool.map(self._bucket_losers, range(self.buckets)) if len(lines)]
        return np.sort(np.concatenate(losers)) if losers else np.empty(0, dtype=np.int64)

    def _bucket_losers(self, b: int) -> np.ndarray:
        writer = self._bucket_writers[b]
        if writer is None:
            return np.empty(0, dtype=np.int64)
        writer.close()
        path = self.workdir / f"ids-{b}.arrow"
        with ipc.open_stream(path) as reader:
            table = reader.read_all()
        path.unlink()
        # The spool is in file order, so an id's last occurrence is its winner.
        encoded = pc.dictionary_encode(table.column("order_id").combine_chunks())
        if len(encoded.dictionary) == table.num_rows:
            return np.empty(0, dtype=np.int64)
        codes = encoded.indices.to_numpy()
        position = np.arange(len(codes))
        last = np.full(len(encoded.dictionary), -1, dtype=np.int64)
        np.maximum.at(last, codes, position)
        return table.column("line").to_numpy()[last[codes] != position]

    # -- rejected rows -----------------------------------------------------------------------------
    def reject(self, raw: pa.Table, lines: np.ndarray, reasons: pa.Array) -> None:
        """Raw values as read (c0..c{n-1}), the line each record starts on, and why it was rejected."""
        if not raw.num_rows:
            return
        if self._rejected_writer is None:
            self.rejected_path = self.workdir / "rejected_rows.csv"
            self._rejected_file = open(self.rejected_path, "w", encoding="utf-8", newline="")
            header = formula_safe(["line", "reason", *self.header]).to_pylist()
            csv.writer(self._rejected_file, lineterminator="\n").writerow(header)
            self._rejected_file.flush()
        table = pa.table([pa.array(lines), reasons, *raw.columns], names=["line", "reason", *raw.column_names])
        # The file is opened in a spreadsheet: cells that would run as formulas are made inert.
        safe = pa.table([table.column(0), *(formula_safe(c) for c in table.columns[1:])], names=table.column_names)
        if self._rejected_writer is None:
            self._rejected_writer = pacsv.CSVWriter(
                self._rejected_file.buffer,
                safe.schema,
                write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
            )
        self._rejected_writer.write_table(safe)
        self.rejected_rows += raw.num_rows
        room = SAMPLE_SIZE - len(self.rejected_sample)
        if room > 0:
            for line, reason, *values in zip(*(c.to_pylist() for c in table.slice(0, room).columns)):
                self.rejected_sample.append({"line": line, "reason": reason, "values": values[:20]})

    # -- the end ---------------------------------------------------------------------------------
    def finish(self, pool: Executor) -> dict[str, Path]:
        """Close everything, drop superseded repeats; the month -> Parquet file of kept rows.
        Months are converted on the pool's threads (Parquet encoding releases the GIL)."""
        if self._rejected_writer is not None:
            self._rejected_writer.close()
            self._rejected_file.close()
        losers = self._superseded_lines(pool)
        self.duplicates = len(losers)
        list(pool.map(lambda month: self._to_parquet(month, losers), self.months.values()))
        outputs = {}
        for name, month in sorted(self.months.items()):
            if month.rows:
                outputs[name] = month.path
        return outputs

    @property
    def rows_out(self) -> int:
        return sum(m.rows for m in self.months.values())

    @property
    def amount_total(self) -> Decimal:
        return sum((m.amount_total for m in self.months.values()), Decimal(0))
