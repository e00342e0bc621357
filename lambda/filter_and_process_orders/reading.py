"""UTF-8 blocks to records: whole records in chunks, each with the physical line where it starts."""

import csv
import io
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import profile
from .text import UnreadableFile, as_utf8

MAX_RECORD_BYTES = 64 << 20  # a quoted field still open after this much text never closes

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class Chunk:
    """Whole records as string columns c0..c{n-1}, and the physical line where each record starts."""

    table: pa.Table
    lines: np.ndarray


def skip_lines(blocks: Iterator[bytes], count: int) -> Iterator[bytes]:
    """The blocks less their first `count` lines (the preamble before the header)."""
    for block in blocks:
        while count and block:
            end = block.find(b"\n")
            if end < 0:
                block = b""
                break
            block, count = block[end + 1 :], count - 1
        if block:
            yield block


def _cut(blocks: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Blocks re-cut at the last LF, so a chunk never ends inside a line. The bool marks the last chunk."""
    carry = b""
    for block in blocks:
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            carry += block
            continue
        data = b"".join((carry, memoryview(block)[:cut])) if carry or cut < len(block) else block  # one copy
        carry = block[cut:]
        yield data, False
    yield carry, True


def read_chunks(
    blocks: Iterator[bytes],
    width: int,
    delimiter: str,
    first_line: int,
    pool: Executor | None = None,
    lookahead: int = 2,
) -> Iterator[Chunk]:
    """The records after the header (which starts the blocks, on physical line `first_line`), in chunks.

    With a pool, up to `lookahead` chunks are parsed ahead on its threads. Each block is parsed ahead
    as if it started on a record boundary, which it does unless the block before it ended inside a
    quoted field (then that block leaves text pending); a block parsed ahead is used only when nothing
    was pending, otherwise it is parsed again here, after the pending text, as a reading from start
    to end would. Line numbers are shifted to where the block starts."""
    chunks = _cut(blocks)
    ahead: deque[tuple[Future | None, bytes, bool, int]] = deque()
    next_line = first_line  # where the next block starts when every block before it ended on a record boundary

    def plan(data: bytes, final: bool) -> None:
        nonlocal next_line
        future = pool.submit(_parse_block, data, final, width, delimiter, next_line) if pool else None
        ahead.append((future, data, final, next_line))
        next_line += data.count(b"\n")

    plan(*next(chunks))
    line, pending, skip_header = first_line, b"", True
    while ahead:
        while pool and not ahead[-1][2] and len(ahead) <= max(1, lookahead):
            plan(*next(chunks))
        future, data, final, planned_line = ahead.popleft()
        if future is not None and not pending:
            chunk, consumed, pending = future.result()
            if line != planned_line:
                chunk = Chunk(chunk.table, chunk.lines + (line - planned_line))
        else:
            data = pending + as_utf8(data)
            if len(data) > MAX_RECORD_BYTES and not final and data.count(b"\n") == 0:
                raise UnreadableFile(
                    f"line {line} is longer than {MAX_RECORD_BYTES >> 20} MB; this is not a CSV export"
                )
            chunk, consumed, pending = parse_chunk(data, final, width, delimiter, line)
        if len(pending) > MAX_RECORD_BYTES:
            raise UnreadableFile(
                f"a quoted field opened at line {line + consumed} never closes; check the quotes on that line"
            )
        if skip_header and chunk.table.num_rows:
            chunk = Chunk(chunk.table.slice(1), chunk.lines[1:])
            skip_header = False
        line += consumed
        if chunk.table.num_rows:
            yield chunk
        if not pool and not final:
            plan(*next(chunks))


def _parse_block(data: bytes, final: bool, width: int, delimiter: str, line: int) -> tuple[Chunk, int, bytes]:
    with profile.stage("parse"):
        return parse_chunk(as_utf8(data), final, width, delimiter, line)


def parse_chunk(data: bytes, final: bool, width: int, delimiter: str, line: int) -> tuple[Chunk, int, bytes]:
    """Parse whole lines of UTF-8 into records: (records, lines consumed, text left for the next chunk).

    pyarrow parses the common case, quoted line breaks included: a record starts one line after the
    one before it plus the line breaks inside that one's fields. A chunk with a row of the wrong
    width, lines that do not add up (a bare CR ending a record) or a last record holding a line
    break (it may be cut at the chunk's end) goes through the csv module instead, which knows each
    record's line and where a cut record resumes.
    """
    names = [f"c{i}" for i in range(width)]
    table = _arrow_parse(data, names, delimiter)
    newlines = data.count(b"\n")
    rows = newlines + (0 if data.endswith(b"\n") or not data else 1)
    if table is not None:
        n = table.num_rows
        inside = _line_breaks(table) if n and b'"' in data else np.zeros(n, dtype=np.int64)
        if n + int(inside.sum()) == rows and not (n and inside[-1]):
            starts = np.arange(line, line + n, dtype=np.int64)
            starts[1:] += np.cumsum(inside[:-1])
            return Chunk(table, starts), newlines, b""
    return _python_parse(data, final, names, delimiter, line)


def _arrow_parse(data: bytes, names: list[str], delimiter: str) -> pa.Table | None:
    invalid = []

    def on_invalid(row) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),  # the cleaning threads are busy
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
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    return None if invalid else table


def _line_breaks(table: pa.Table) -> np.ndarray:
    """The LFs inside each record's fields (a quoted CRLF counts once, as one physical line)."""
    inside = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        if pc.any(pc.match_substring(column, "\n")).as_py():
            inside += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    return inside


@profile.timed("parse.csv module fallback")
def _python_parse(data: bytes, final: bool, names: list[str], delimiter: str, line: int) -> tuple[Chunk, int, bytes]:
    lines = io.StringIO(data.decode("utf-8"), newline="").readlines()
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    records, starts, start = [], [], 1
    for fields in reader:
        records.append(fields)
        starts.append(start)
        start = reader.line_num + 1
    consumed, pending = len(lines), b""
    if records and not final and _is_cut(lines[starts[-1] - 1 :], delimiter):
        records.pop()
        consumed = starts.pop() - 1
        pending = "".join(lines[consumed:]).encode("utf-8")
    columns = [[] for _ in names]
    for fields in records:
        for i, column in enumerate(columns):
            column.append(fields[i] if i < len(fields) else "")
    table = pa.table([pa.array(c, pa.string()) for c in columns], names=names)
    return Chunk(table, np.asarray(starts, dtype=np.int64) + (line - 1)), consumed, pending if names else b""


def _is_cut(lines: list[str], delimiter: str) -> bool:
    """Does this last record end inside a quoted field, so that the next chunk continues it?"""
    try:
        list(csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False
