"""Local files written as the chunks go by: the typed lines by dedup bucket (`bucket_lines`), the
rejected rows (Arrow IPC, with line, reason code and reason), and the raw rows held back for want of
an amount. Memory stays bounded whatever the file size: a bucket is read back whole only at the end
(a small file's are held in memory).
`close` writes rejected_rows.csv in physical line order: the chunks' rejects merged with the lines
rejected later (held-back rows of orders with no amount or date on any line, lines of orders summing
too much), which come bucket by bucket (`finish`): after the last bucket only the CSV is left.
"""

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc

from . import profile
from .arrow_buffers import one_array
from .bucket_lines import BucketLines
from .chunk import LINE_SCHEMA, Cleaned
from .copies import Copies
from .spreadsheet import formula_safe

SAMPLE_SIZE = 20
_ALWAYS = ("order_id", "amount", "order_date", "line")  # in every bucket file: required, and the line
# Raw bytes whose lines one dedup bucket holds; two are worked on at once while the orders of a
# third are written (finish.AHEAD). 8 MB rather than 16 MB: on 1M-row exports the handler peaked
# at 366-376 MB instead of 484-526 MB, for no more CPU (eu 10M rows: 377 MB).
BYTES_PER_BUCKET = 8 << 20
_SAFE_AT_ONCE = 64 << 20  # bytes of rejected rows' text made formula-safe as one array
# Rejected rows' bytes (Arrow text, about the CSV's) from which `on_write` hears rejected_rows.csv grow
# (its parts go up while it is written: eu 10M rows, 60 MB); below, only closed (us 1M: 6 MB, one PUT).
STREAMED_FROM = 16 << 20


def buckets_for(size: int) -> int:
    """How many dedup buckets a raw file of `size` bytes gets, so a bucket fits in memory."""
    return 1 + size // BYTES_PER_BUCKET


class Spool:
    def __init__(
        self,
        workdir: Path,
        *,
        header: list[str],
        buckets: int = 1,
        mapping: dict[str, int] | None = None,
        on_write: Callable[[Path, bool], None] | None = None,
    ):
        self.workdir = workdir
        self.on_write = on_write  # (path, closed): rejected_rows.csv grew, or is complete
        self.header = header
        self.mapping = mapping or {}  # contract column -> header index (for lines rejected after typing)
        self.buckets = max(1, buckets)
        # The bucket files hold the columns the file can fill (a column it lacks is null in every
        # line: written and read back, its offsets or values cost as much as a filled one's).
        spooled = [f for f in LINE_SCHEMA if mapping is None or f.name in mapping or f.name in _ALWAYS]
        self._lines = BucketLines(workdir, pa.schema(spooled), self.buckets)
        self._deferred: ipc.RecordBatchStreamWriter | None = None
        self.rejected_path: Path | None = None
        self._rejects: ipc.RecordBatchStreamWriter | None = None  # the chunks' rejects, in line order
        self._held: pa.Table | None = None  # the held-back rows, read back once after the last chunk
        self._held_order, self._held_lines = np.empty(0, np.int64), np.empty(0, np.int64)  # and their lines, sorted
        self._late: list[pa.Table] = []  # lines rejected after their chunk, each table in line order
        self.rejected_rows, self._rejected_bytes = 0, 0
        self.rejected_sample: list[dict] = []

    def add(self, cleaned: Cleaned) -> None:
        """A chunk's outcome; chunks come in file order."""
        with profile.stage("spool.lines"):
            self._lines.add(cleaned.lines)
        if cleaned.rejected:
            with profile.stage("spool.rejects"):
                self.reject(*cleaned.rejected)
        if cleaned.deferred:
            raw, lines = cleaned.deferred
            table = raw.append_column("line", pa.array(lines))
            if self._deferred is None:
                self._deferred = ipc.new_stream(self.workdir / "deferred.arrow", table.schema)
            self._deferred.write_table(table)

    @property
    def lines(self) -> int:
        """Lines spooled into the buckets."""
        return self._lines.lines

    def close_buckets(self) -> list[int]:
        """No more chunks: the buckets that hold lines."""
        return self._lines.close()

    def bucket(self, b: int, *, last_read: bool = False) -> pa.Table:
        """Bucket b's lines in file order (after close_buckets); they go with the last read."""
        return self._lines.read(b, last_read=last_read)

    def keep(self, b: int, rows: np.ndarray, group: np.ndarray, copies: Copies | None = None) -> None:
        """Bucket b (read once, after close_buckets) stays for a second read, with the positions of
        the lines the grain step needs and their id numbers (int64, int32: a small file beside it),
        and its exact duplicates' kept copies with their first lines (another, when it has any)."""
        np.save(self.workdir / f"repeated-{b}.npy", np.stack([rows, group.astype(np.int64)]))
        if copies is not None:
            np.save(self.workdir / f"copies-{b}.npy", np.stack([copies.kept, copies.first_line]))

    def kept(self, b: int) -> tuple[pa.Table, np.ndarray, np.ndarray, Copies | None]:
        """Bucket b's lines, positions, id numbers and exact duplicates as kept (the last read: the files go)."""
        path, named = self.workdir / f"repeated-{b}.npy", self.workdir / f"copies-{b}.npy"
        rows, group = np.load(path)
        path.unlink()
        copies = None
        if named.exists():
            kept, first_line = np.load(named)
            named.unlink()
            copies = Copies(np.empty(0, np.int64), kept, first_line)
        return self.bucket(b, last_read=True), rows, group.astype(np.int32), copies

    def drop(self, b: int) -> None:
        """Bucket b's lines go (they were read once and are done with)."""
        self._lines.drop(b)

    def reject_deferred(self, rejected: dict[str, tuple[np.ndarray, str]]) -> None:
        """Held-back raw rows go to the rejects after all: {code: (their lines; reason text)}. After the
        last chunk, a bucket's at a time: the held-back rows are read back once (memory-mapped)."""
        if not any(len(lines) for lines, _ in rejected.values()):
            return
        if self._deferred is not None:  # the first time: the held-back rows are read back
            self._deferred.close()
            with ipc.open_stream(pa.memory_map(str(self.workdir / "deferred.arrow"))) as reader:
                self._held, self._deferred = reader.read_all(), None
            line = self._held.column("line").to_numpy()
            self._held_order = np.argsort(line, kind="stable")  # the held rows by line, sorted once
            self._held_lines = line[self._held_order]
        if self._held is None:  # no row was held back
            return
        for code, (lines, text) in rejected.items():
            if len(lines):
                some = self._held.take(self._held_rows(lines))
                self._reject_late(some.drop_columns(["line"]), some.column("line").to_numpy(), code, text)

    def _held_rows(self, lines: np.ndarray) -> np.ndarray:
        """Positions, in the held rows' order, of those on `lines`: found by binary search in the lines
        sorted once, so a bucket's call costs its own lines, not all the held rows (with a mask over
        every held row per bucket, us 3M rows spent 0.83 s of the main thread on 24 buckets)."""
        wanted = np.unique(lines)
        first = np.searchsorted(self._held_lines, wanted, "left")
        count = np.searchsorted(self._held_lines, wanted, "right") - first
        at = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
        return np.sort(self._held_order[at])

    def reject_lines(self, lines: pa.Table, code: str, text: str) -> None:
        """Typed lines (LINE_SCHEMA's columns) rejected after their chunk was cleaned: their raw text is
        gone, so each mapped column shows the value as read (an amount with the decimals it has, at
        least two: `6000000000.00`, `10.005`, not the exact type's eight)."""
        n = lines.num_rows
        if not n:
            return
        column_at = {i: name for name, i in self.mapping.items() if name in lines.column_names}
        raw = pa.table(
            {
                f"c{i}": _as_read(lines.column(column_at[i])) if i in column_at else pa.nulls(n, pa.string())
                for i in range(len(self.header))
            }
        )
        self._reject_late(raw, lines.column("line").to_numpy(), code, text)

    def _reject_late(self, raw: pa.Table, lines: np.ndarray, code: str, text: str) -> None:
        n = raw.num_rows
        codes, texts = pa.array([code] * n, pa.string()), pa.array([text] * n, pa.string())
        self._late.append(self._rows(raw, lines, codes, texts))

    def reject(self, raw: pa.Table, lines: np.ndarray, codes: pa.Array, texts: pa.Array) -> None:
        """Raw values as read (c0..c{n-1}), the line each record starts on, and why it was rejected.
        Comes chunk by chunk, in file order."""
        if not raw.num_rows:
            return
        safe = self._rows(raw, lines, codes, texts)
        if self._rejects is None:
            self._rejects = ipc.new_stream(self.workdir / "rejected.arrow", safe.schema)
        self._rejects.write_table(safe)

    def _rows(self, raw: pa.Table, lines: np.ndarray, codes: pa.Array, texts: pa.Array) -> pa.Table:
        """The rejected rows as written (line, code, reason, c0..), counted and sampled."""
        names = ["line", "code", "reason", *raw.column_names]
        table = pa.table([pa.array(lines, pa.int64()), codes, texts, *raw.columns], names=names)
        self.rejected_rows += raw.num_rows
        # The sample is the first rejected lines of the file (held-back rows are rejected last).
        sample = self.rejected_sample
        if len(sample) < SAMPLE_SIZE or lines.min(initial=sample[-1]["line"]) < sample[-1]["line"]:
            for line, code, reason, *values in zip(*(c.to_pylist() for c in table.slice(0, SAMPLE_SIZE).columns)):
                sample.append({"line": line, "code": code, "reason": reason, "values": values[:20]})
            self.rejected_sample = sorted(sample, key=lambda r: r["line"])[:SAMPLE_SIZE]
        # The file is opened in a spreadsheet: cells that would run as formulas are made inert. A
        # chunk's text columns are made safe as one array (a few kernel calls, not a few per column:
        # eu 1M rows, ~0.015 CPU s less); many rows (held-back rows rejected at the end) column by column.
        text = [one_array(c) for c in table.columns[1:]]
        self._rejected_bytes += (size := sum(c.nbytes for c in text))
        if size > _SAFE_AT_ONCE:
            return pa.table([table.column(0), *(formula_safe(c) for c in text)], names=names)
        safe, at, columns = formula_safe(pa.concat_arrays(text)), 0, []
        for column in text:
            columns.append(safe.slice(at, len(column)))
            at += len(column)
        return pa.table([table.column(0), *columns], names=names)

    @profile.timed("write.rejected rows")
    def _write_rejected(self) -> None:
        """rejected_rows.csv: the chunks' rejects batch by batch, each held-back row merged in before
        the first batch that ends after its line."""
        self.rejected_path = self.workdir / "rejected_rows.csv"
        with open(self.rejected_path, "w", encoding="utf-8", newline="") as file:
            header = formula_safe(["line", "code", "reason", *self.header]).to_pylist()
            csv.writer(file, lineterminator="\n").writerow(header)
            file.flush()
            options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
            writer, late = None, pa.concat_tables(self._late).sort_by("line") if self._late else None
            for batch in self._reject_batches():
                if late is not None and late.num_rows:
                    cut = int(np.searchsorted(late.column("line").to_numpy(), batch.column(0)[-1].as_py(), "right"))
                    if cut:
                        merged = pa.concat_tables([pa.Table.from_batches([batch]), late.slice(0, cut)])
                        batch, late = merged.sort_by("line"), late.slice(cut)
                writer = writer or pacsv.CSVWriter(file.buffer, batch.schema, write_options=options)
                writer.write(batch)
                if self.on_write and self._rejected_bytes >= STREAMED_FROM:
                    self.on_write(self.rejected_path, False)
            if late is not None and late.num_rows:
                writer = writer or pacsv.CSVWriter(file.buffer, late.schema, write_options=options)
                writer.write(late)
            if writer is not None:
                writer.close()
        if self.on_write:
            self.on_write(self.rejected_path, True)

    def _reject_batches(self):
        if self._rejects is None:
            return
        self._rejects.close()
        self._rejects = None
        path = self.workdir / "rejected.arrow"
        with ipc.open_stream(path) as reader:
            yield from reader
        path.unlink()

    def close(self) -> None:
        if self._rejects is not None or self._late:
            self._write_rejected()
        if self._deferred is not None:
            self._deferred.close()
        self._deferred, self._held, self._late = None, None, []


def _as_read(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A typed column as text; a decimal without the zeros its type adds past the second decimal."""
    text = pc.cast(column, pa.string())
    if not pa.types.is_decimal(column.type):
        return text
    return pc.replace_substring_regex(text, pattern=r"(\.[0-9]{2}[0-9]*?)0+$", replacement=r"\1")
