"""Chunks held back on disk while the file's formats are undecided (see `sample`): memory stays
bounded however far into the file the deciding cell is."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from .reading import Chunk


class Spilled:
    """Chunks written to one Arrow IPC file in order (their lines and wide records as last columns), read back once."""

    def __init__(self, path: Path):
        self.path = path
        self._writer: ipc.RecordBatchStreamWriter | None = None

    def add(self, chunk: Chunk) -> None:
        table = chunk.table.append_column("line", pa.array(chunk.lines, pa.int64()))
        wide = pa.nulls(len(chunk.lines), pa.bool_()) if chunk.wide is None else pa.array(chunk.wide)
        table = table.append_column("wide", wide)
        unclosed = pa.nulls(len(chunk.lines), pa.bool_()) if chunk.unclosed is None else pa.array(chunk.unclosed)
        table = table.append_column("unclosed", unclosed)
        if self._writer is None:
            self._writer = ipc.new_stream(self.path, table.schema)
        self._writer.write_table(table)

    def chunks(self) -> Iterator[Chunk]:
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        with ipc.open_stream(self.path) as reader:
            for batch in reader:
                table = pa.Table.from_batches([batch])
                wide, unclosed = (_mask(table.column(name)) for name in ("wide", "unclosed"))
                text = table.drop_columns(["line", "wide", "unclosed"])
                yield Chunk(text, table.column("line").to_numpy(), wide=wide, unclosed=unclosed)
        self.path.unlink()


def _mask(column: pa.ChunkedArray) -> np.ndarray | None:
    """A chunk's mask as spilled (all null: None)."""
    return None if column.null_count == len(column) else column.to_numpy(zero_copy_only=False)
