"""The typed lines of each dedup bucket, gathered as the chunks go by and read back whole at the end.

They are written to a local file per bucket (Arrow IPC), so memory stays bounded whatever the file
size, except in a small file: while every bucket's lines together stay under IN_MEMORY bytes they
are held in memory (written out and read back again they cost a copy, a write and a read of each line
that such a file does not need); the first chunk that would pass it sends every bucket's lines held so
far to its file, in file order, and the later ones follow them there.
"""

from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from .buckets import nulls
from .chunk import LINE_SCHEMA

# Bytes gathered before a bucket file is written: a batch's forty-odd buffers then cost one system
# call instead of one each. A chunk gives each bucket a small batch (about 300 lines at 10M rows,
# 129 buckets): about 25 microseconds less a batch, about 0.9 CPU s less at 10M rows.
SPOOL_BUFFER = 256 << 10
# A bucket's lines are written as one batch once it has gathered SPOOL_LINES of them or SPOOL_CHUNKS
# chunks went by: each batch costs a fixed 10-20 microseconds to write and again to read back, and
# a chunk gives each bucket only about 300 lines at 10M rows (129 buckets, 257 chunks: 33k batches,
# about 2.5 CPU s). At 1M rows a chunk gives it about 3,000: written at once, not copied. At most
# SPOOL_CHUNKS chunks' typed lines (about 4 MB each) are held a little longer, in phase 1.
SPOOL_LINES, SPOOL_CHUNKS = 2048, 8
# Typed lines (Arrow bytes) held in memory before the buckets go to files. us 1M rows (66 MB of
# text, all held): CPU s of the spooling 0.086 -> 0.029, of the reads back 0.033 -> 0.027, peak RSS
# 322 -> 397 MB (one profiled run each; 373-384 MB with the statuses encoded, bench/README.md).
IN_MEMORY = 96 << 20


class BucketLines:
    """Lines (LINE_SCHEMA's columns named by `schema`) by bucket, in file order."""

    def __init__(self, workdir: Path, schema: pa.Schema, buckets: int):
        self.workdir, self.schema, self.buckets = workdir, schema, buckets
        self.lines = 0  # lines added
        self._writers: list[ipc.RecordBatchStreamWriter | None] = [None] * buckets
        self._files: list[pa.BufferedOutputStream | None] = [None] * buckets
        self._gathered: list[list[pa.RecordBatch]] = [[] for _ in range(buckets)]  # not yet written
        self._gathered_chunks = 0
        # Every bucket's lines while the file fits IN_MEMORY; None once they go to files.
        self._memory: list[list[pa.RecordBatch]] | None = [[] for _ in range(buckets)]
        self._memory_bytes = 0

    def add(self, lines: list[tuple[int, pa.RecordBatch]]) -> None:
        """A chunk's lines: (bucket, batch) pairs; chunks come in file order."""
        batches = [(b, batch.select(self.schema.names)) for b, batch in lines]
        self.lines += sum(batch.num_rows for _, batch in batches)
        if self._memory is not None:
            size = sum(batch.nbytes for _, batch in batches)
            if self._memory_bytes + size <= IN_MEMORY:
                for b, batch in batches:
                    self._memory[b].append(batch)
                self._memory_bytes += size
                return
            self._gathered, self._memory = self._memory, None
            self._write_gathered(range(self.buckets))
        for b, batch in batches:
            self._gathered[b].append(batch)
            if sum(g.num_rows for g in self._gathered[b]) >= SPOOL_LINES:
                self._write_gathered([b])
        self._gathered_chunks += 1
        if self._gathered_chunks >= SPOOL_CHUNKS:
            self._write_gathered(range(self.buckets))

    def _write_gathered(self, buckets) -> None:
        """The buckets' gathered lines as one batch each (one copy of them: cheaper than a batch each)."""
        for b in buckets:
            batches = self._gathered[b]
            if not batches:
                continue
            if self._writers[b] is None:
                path = str(self.workdir / f"lines-{b}.arrow")
                file = pa.BufferedOutputStream(pa.OSFile(path, "wb"), SPOOL_BUFFER)
                self._files[b], self._writers[b] = file, ipc.new_stream(file, self.schema)
            lines = batches[0] if len(batches) == 1 else pa.Table.from_batches(batches).combine_chunks()
            self._writers[b].write(lines)
            self._gathered[b] = []
        if len(buckets) == self.buckets:
            self._gathered_chunks = 0

    def close(self) -> list[int]:
        """No more lines: the bucket files closed; the buckets that hold lines."""
        if self._memory is not None:
            return [b for b, batches in enumerate(self._memory) if batches]
        self._write_gathered(range(self.buckets))
        held = [b for b, writer in enumerate(self._writers) if writer is not None]
        for b in held:
            self._writers[b].close()
            self._files[b].close()
            self._writers[b] = self._files[b] = None
        return held

    def read(self, b: int, *, last_read: bool = False) -> pa.Table:
        """Bucket b's lines in file order, every column of LINE_SCHEMA, one chunk each (after `close`);
        they go with the last read."""
        if self._memory is not None:
            table = pa.Table.from_batches(self._memory[b], self.schema)
        else:
            path = self.workdir / f"lines-{b}.arrow"
            with ipc.open_stream(path) as reader:
                table = reader.read_all()
            if last_read:
                path.unlink()
        n = table.num_rows
        columns = [table.column(f.name) if f.name in table.column_names else nulls(n, f.type) for f in LINE_SCHEMA]
        lines = pa.table(columns, schema=LINE_SCHEMA).combine_chunks()
        if self._memory is not None:  # read again as it is now: one batch, not combined again
            self._memory[b] = [] if last_read else lines.select(self.schema.names).to_batches()
        return lines

    def drop(self, b: int) -> None:
        """Bucket b's lines go: they were read once and are done with."""
        if self._memory is not None:
            self._memory[b] = []
        else:
            (self.workdir / f"lines-{b}.arrow").unlink()
