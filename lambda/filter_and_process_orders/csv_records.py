"""Records the csv module reads, for the chunks Arrow's reader cannot place (see `records`): rows of
the wrong width, a bare CR ending a record, a last record that a chunk's end may have cut."""

import csv
import io

import numpy as np
import pyarrow as pa

from . import profile
from .sniff import UnreadableFile

csv.field_size_limit(16 * 1024 * 1024)


@profile.timed("parse.csv module fallback")
def csv_module_parse(
    data: bytes, final: bool, names: list[str], delimiter: str, line: int
) -> tuple[pa.Table, np.ndarray, int, bytes]:
    """(records as columns `names`, the line each starts on, lines consumed, text left for the next chunk)."""
    lines = io.StringIO(data.decode("utf-8"), newline="").readlines()
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    records, starts, start = [], [], 1
    for fields in reader:
        records.append(fields)
        starts.append(start)
        start = reader.line_num + 1
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
    for fields in records:
        for i, column in enumerate(columns):
            column.append(fields[i] if i < len(fields) else "")
    table = pa.table([pa.array(c, pa.string()) for c in columns], names=names)
    return table, np.asarray(starts, dtype=np.int64) + (line - 1), consumed, pending if names else b""


def _is_cut(lines: list[str], delimiter: str) -> bool:
    """Does this last record end inside a quoted field, so that the next chunk continues it?"""
    try:
        list(csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False
