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
from .trim import trim
from .values import is_placeholder

csv.field_size_limit(16 * 1024 * 1024)


# A quoted field still open after this much text never closes (an unclosed quote, below).
MAX_RECORD_BYTES = 64 << 20


@profile.timed("parse.csv module fallback")
def csv_module_parse(
    data: bytes, final: bool, names: list[str], delimiter: str, line: int
) -> tuple[pa.Table, np.ndarray, int, bytes, np.ndarray | None, np.ndarray | None]:
    """(records as columns `names`, the line each starts on, lines consumed, text left for the next chunk,
    the mask of the wide records (see above), the mask of the unclosed ones; None when there is none).

    A quote that never closes (the file ends inside its quoted field, or the field runs past
    MAX_RECORD_BYTES) would make the rest of the file one cell: its record is read from its first line
    alone (the quote runs to the line's end) and marked *unclosed* (rejected `unclosed_quote` with its
    line, `rejects`), and the lines after it are read again as records of their own (review B14-4)."""
    lines = io.StringIO(data.decode("utf-8"), newline="").readlines()
    records: list[list[str]] = []
    starts: list[int] = []
    unclosed: list[int] = []
    done, pending = 0, b""
    while done < len(lines):
        found, at = _records(lines[done:], delimiter)
        cut = bool(found) and _is_cut(lines[done + at[-1] - 1 :], delimiter)
        if cut and not final and sum(map(len, lines[done + at[-1] - 1 :])) <= MAX_RECORD_BYTES:
            records += found[:-1]
            starts += [done + s for s in at[:-1]]
            done = done + at[-1] - 1
            pending = "".join(lines[done:]).encode("utf-8")
            break
        records += found
        starts += [done + s for s in at]
        if not cut:
            done = len(lines)
            break
        first = done + at[-1] - 1  # the unclosed record's first line (from 0): it alone is the record
        records[-1] = _one_line(lines[first], delimiter)
        unclosed.append(len(records) - 1)
        done = first + 1
    consumed = done if pending else len(lines)  # (a cut record is left for the next chunk)
    columns: list[list[str]] = [[] for _ in names]
    width, wide = len(names), []
    for n, fields in enumerate(records):
        for i, column in enumerate(columns):
            column.append(fields[i] if i < len(fields) else "")
        if len(fields) > width and any(trim(cell) and not is_placeholder(cell) for cell in fields[width:]):
            wide.append(n)
    table = pa.table([pa.array(c, pa.string()) for c in columns], names=names)
    lines_at = np.asarray(starts, dtype=np.int64) + (line - 1)
    n = len(records)
    return table, lines_at, consumed, pending if names else b"", _mask(wide, n), _mask(unclosed, n)


def _records(lines: list[str], delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The records of `lines` and the line (from 1) where each starts."""
    source = AtRecordStarts(lines) if any("\ufeff" in x for x in lines) else None  # a BOM starting a record: dropped
    reader = csv.reader(source or lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    records, starts, start = [], [], 1
    for fields in reader:
        records.append(fields)
        starts.append(start)
        start = reader.line_num + 1
        if source is not None:
            source.next_record()
    return records, starts


def _one_line(text: str, delimiter: str) -> list[str]:
    """The cells of an unclosed quote's line alone, its line break left out (the quote runs to its end)."""
    text = text.removeprefix("\ufeff").rstrip("\r\n")
    return next(csv.reader([text], delimiter=delimiter, quotechar='"', doublequote=True, strict=False), [""])


def _mask(rows: list[int], n: int) -> np.ndarray | None:
    if not rows:
        return None
    mask = np.zeros(n, bool)
    mask[rows] = True
    return mask


def _is_cut(lines: list[str], delimiter: str) -> bool:
    """Does this last record (its lines) end inside a quoted field, so that the next chunk continues it?"""
    try:
        list(csv.reader(AtRecordStarts(lines), delimiter=delimiter, quotechar='"', doublequote=True, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False
