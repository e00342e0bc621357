"""Whole lines of UTF-8 to records and the physical line where each starts (Arrow's CSV reader)."""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from . import profile
from .arrow_buffers import one_array
from .boms import led_by_bom, line_start_boms
from .csv_records import csv_module_parse
from .line_breaks import line_breaks
from .utf8 import StrayBytes, as_utf8


@dataclass
class Chunk:
    """Whole records as string columns c0..c{n-1}, and the physical line where each record starts."""

    table: pa.Table
    lines: np.ndarray
    # Columns already cleaned (`chunk.cleaned_column`): the sample's dates and amounts, by `decide`.
    cleaned: dict[int, pa.Array] = field(default_factory=dict, repr=False, compare=False)
    # A sample chunk's distinct dates and votes, worked out beside its parsing (`decide.Evidence`, `gather`).
    evidence: tuple[pa.Array, tuple[dict[str, int], bool], dict[str, int]] | None = field(
        default=None, repr=False, compare=False
    )
    # The records with more cells than the header, one of the extra ones not empty (`csv_records`); None: none.
    wide: np.ndarray | None = field(default=None, repr=False, compare=False)
    # The records of a quote that never closes, each read from its first line alone (`csv_records`); None: none.
    unclosed: np.ndarray | None = field(default=None, repr=False, compare=False)

    def after_first(self) -> "Chunk":
        """The records after the first (the header's, in the block that starts with it)."""
        wide, unclosed = (None if m is None or not m[1:].any() else m[1:] for m in (self.wide, self.unclosed))
        return Chunk(self.table.slice(1), self.lines[1:], wide=wide, unclosed=unclosed)

    def column(self, i: int) -> pa.Array:
        """Column i as one array: its only chunk as it is (`combine_chunks` would copy even that)."""
        return one_array(self.table.column(i))


def parse_chunk(data: bytes, final: bool, width: int, delimiter: str, line: int) -> tuple[Chunk, int, bytes]:
    """Parse whole lines of UTF-8 into records: (records, lines consumed, text left for the next chunk).
    `data` must be valid UTF-8 (`utf8.as_utf8`): Arrow's reader does not check it again.

    pyarrow parses the common case, quoted line breaks included: a record starts one line after the
    one before it plus the line breaks inside that one's fields. A chunk with a row of the wrong
    width, lines that do not add up (a bare CR ending a record or inside a field) or a last record holding a line
    break (it may be cut at the chunk's end) goes through the csv module instead, which knows each
    record's line and where a cut record resumes. A BOM at a record's start is dropped (`boms`): when a
    record Arrow read starts with one, or a row is of the wrong width (a wrapped header cell after a BOM
    makes two), Arrow reads the text again without those that start a line, kept only when each such
    line starts a record.
    """
    names = [f"c{i}" for i in range(width)]
    text, boms = data, None
    table = _arrow_parse(data, names, delimiter)
    if table is None or led_by_bom(one_array(table.column(0))):
        boms = line_start_boms(data)
        if boms is not None:
            text = boms[0]
            table = _arrow_parse(text, names, delimiter)
    newlines = int(np.count_nonzero(np.frombuffer(data, np.uint8) == 10))  # 3x bytes.count
    rows = newlines + (0 if data.endswith(b"\n") or not data else 1)
    if table is not None:
        n = table.num_rows
        inside = np.zeros(n, dtype=np.int64) if _one_line_each(table, text, rows) else line_breaks(table)
        if inside is not None and n + int(inside.sum()) == rows and not (n and inside[-1]):
            starts = np.arange(line, line + n, dtype=np.int64)
            starts[1:] += np.cumsum(inside[:-1])
            if boms is None or np.isin(boms[1] + line, starts).all():
                return Chunk(table, starts), newlines, b""
    table, starts, consumed, pending, wide, unclosed = csv_module_parse(data, final, names, delimiter, line)
    return Chunk(table, starts, wide=wide, unclosed=unclosed), consumed, pending


def parse_block(
    data: bytes, final: bool, width: int, delimiter: str, first: bool, prepare: Callable[[Chunk], object] | None
) -> tuple[Chunk, int, bytes, StrayBytes | None, bool]:
    """A block of `reading.read_chunks` parsed ahead on a pool's thread: not yet checked as UTF-8, its
    lines counted from 0 (where it starts is known when it is used); the header record taken off when
    it is the `first` block and has one (the bool says so), then handed to `prepare` (`decide.gather`:
    the sample's evidence is worked out beside the parsing instead of on the thread that reads)."""
    with profile.stage("parse"):
        text, found = as_utf8(data)
        chunk, consumed, pending = parse_chunk(text, final, width, delimiter, 0)
    skipped = first and chunk.table.num_rows > 0
    if skipped:
        chunk = chunk.after_first()
    if prepare is not None and chunk.table.num_rows:
        prepare(chunk)
    return chunk, consumed, pending, found, skipped


def _one_line_each(table: pa.Table, data: bytes, rows: int) -> bool:
    """Whether no field holds a line break, known without a scan of the fields: no quote at all, or as
    many records as lines, no CR, and no LF in the last record (which a chunk's end may have cut
    inside a quoted field, its LF then counted as its end)."""
    n = table.num_rows
    if not n or b'"' not in data:
        return True
    if n != rows or b"\r" in data:
        return False
    return not any("\n" in (value or "") for value in table.slice(n - 1).to_pylist()[0].values())


def _arrow_parse(data: bytes, names: list[str], delimiter: str) -> pa.Table | None:
    invalid = []

    def on_invalid(row) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            # One block for the whole chunk: each column comes as one array (no concatenation
            # later), and the cleaning threads are busy (no threads here).
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=len(data) + 1),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=b'"' in data,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,  # checked once, by as_utf8
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    return None if invalid else table
