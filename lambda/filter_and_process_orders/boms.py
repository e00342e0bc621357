"""Byte-order marks where a record starts further down a file: exports joined one after the other
(`cat a.csv b.csv`), each starting with its BOM (review B12-6). The file's own is taken off as it is
decoded (`text`); one at a later record's start is dropped before the record's quotes are read, as at
the file's start, so `\\ufeff"order_id",…` is the quoted cell `order_id` (a repeated header), not the
text `\\ufeff"order_id"`, and a wrapped header cell (`\\ufeff"Order⏎ID"`) stays one record. Elsewhere in a
cell a BOM is kept, and trimmed at a cell's ends as every cell is (`trim`).

When a record Arrow's reader read (`records`) starts with a BOM (`led_by_bom`: its first cells' bytes,
a sixth of the text, hold no byte as high in a file without one), it reads the text again with the
BOMs that start a line dropped, and keeps that parse only when each of those lines starts a record
(else the csv module reads the chunk); the csv module (`csv_records`) drops a BOM only at a record's
first line (`AtRecordStarts`)."""

import codecs
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa

from .arrow_buffers import cell_bytes

BOM = codecs.BOM_UTF8


def led_by_bom(first: pa.Array) -> bool:
    """Whether a cell of a record's first column (`first`, as Arrow read it) may start with a BOM: one
    holds a byte as high as a BOM's first (0xEF), none does in an ASCII file (a pass over those cells'
    bytes: us 1M, 0.2-0.3 ms over its 16 chunks)."""
    return bool(cell_bytes(first).max(initial=0) >= BOM[0])


def line_start_boms(data: bytes) -> tuple[bytes, np.ndarray] | None:
    """(`data` without the BOMs that start a line, the lines they start, counted from 0 by LFs), None
    when no line starts with one."""
    if data.find(BOM[:1]) < 0:
        return None
    at, start = [], 0
    while (found := data.find(BOM, start)) >= 0:
        if found == 0 or data[found - 1] in b"\r\n":
            at.append(found)
        start = found + len(BOM)
    if not at:
        return None
    pieces, lines, end, line = [], [], 0, 0
    for found in at:
        line += data.count(b"\n", end, found)
        pieces.append(data[end:found])
        lines.append(line)
        end = found + len(BOM)
    return b"".join([*pieces, data[end:]]), np.array(lines, np.int64)


class AtRecordStarts(Iterator[str]):
    """Lines for `csv.reader`, each a BOM at its start dropped when it starts a record: the reader
    takes a record's lines one at a time and the next record's first only when asked for it, so the
    caller marks each record's end (`next_record`)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines, self._starts = iter(lines), True

    def next_record(self) -> None:
        self._starts = True

    def __next__(self) -> str:
        line = next(self._lines)
        if self._starts:
            line, self._starts = line.removeprefix("\ufeff"), False
        return line
