"""Records the csv module reads, for the chunks Arrow's reader cannot place (see `records`): rows of
the wrong width, a bare CR ending a record, a last record that a chunk's end may have cut.

A record with fewer cells than the header gets empty ones; one with more keeps the header's width,
and those of its extra cells that hold more than whitespace or a placeholder make it *wide* (the mask
this parse returns): the warning `extra_cells` says so (`doubts`). Trailing delimiters
(`1,9.50,2025-05-01,,`) are common in exports and mean nothing: cells that trim to nothing (`trim`) or
are a placeholder (`N/A`: `values.is_placeholder`) make no record wide, so a record of them is blank.
A BOM at a record's start is dropped before its quotes are read (`boms.AtRecordStarts`)."""

import csv
import io

import numpy as np
import pyarrow as pa

from . import profile
from .boms import AtRecordStarts
from .sniff import UnreadableFile
from .trim import trim
from .values import is_placeholder

csv.field_size_limit(16 * 1024 * 1024)


@profile.timed("parse.csv module fallback")
def csv_module_parse(
    data: bytes, final: bool, names: list[str], delimiter: str, line: int
) -> tuple[pa.Table, np.ndarray, int, bytes, np.ndarray | None]:
    """(records as columns `names`, the line each starts on, lines consumed, text left for the next chunk,
    the mask of the wide records (see above), None when there is none)."""
    text = data.decode("utf-8")
    lines = io.StringIO(text, newline="").readlines()
    source = AtRecordStarts(lines) if "\ufeff" in text else None  # a BOM where a record starts: dropped
    reader = csv.reader(source or lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    records, starts, start = [], [], 1
    for fields in reader:
        records.append(fields)
        starts.append(start)
        start = reader.line_num + 1
        if source is not None:
            source.next_record()
    consumed, pending = len(lines), b""
    if records and final and start - starts[-1] > 1 and _is_cut(lines[starts[-1] - 1 :], delimiter):
        # The file ends inside a quoted field that took in the lines after its own: an unclosed quote.
        raise UnreadableFile(
            f"a quoted field opened at line {starts[-1] + line - 1} never closes; check the quotes on that line"
        )
    if records and not final and _is_cut(lines[starts[-1] - 1 :], delimiter):
        records.pop()
        consumed = starts.pop() - 1
        pending = "".join(lines[consumed:]).encode("utf-8")
    columns = [[] for _ in names]
    width, wide = len(names), []
    for n, fields in enumerate(records):
        for i, column in enumerate(columns):
            column.append(fields[i] if i < len(fields) else "")
        if len(fields) > width and any(trim(cell) and not is_placeholder(cell) for cell in fields[width:]):
            wide.append(n)
    table = pa.table([pa.array(c, pa.string()) for c in columns], names=names)
    mask = None
    if wide:
        mask = np.zeros(len(records), bool)
        mask[wide] = True
    return table, np.asarray(starts, dtype=np.int64) + (line - 1), consumed, pending if names else b"", mask


def _is_cut(lines: list[str], delimiter: str) -> bool:
    """Does this last record (its lines) end inside a quoted field, so that the next chunk continues it?"""
    try:
        list(csv.reader(AtRecordStarts(lines), delimiter=delimiter, quotechar='"', doublequote=True, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False
