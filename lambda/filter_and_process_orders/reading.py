"""Bytes to rows: encoding, delimiter and CSV dialect detection over a stream."""

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

SAMPLE_BYTES = 64 * 1024
DELIMITERS = [",", ";", "\t", "|"]

csv.field_size_limit(16 * 1024 * 1024)


class UnreadableFile(Exception):
    """The file is not a delimited text file; the message tells staff what to do."""


@dataclass(frozen=True)
class TextFormat:
    encoding: str
    delimiter: str


def _binary_kind(sample: bytes) -> str | None:
    if sample.startswith(b"PK\x03\x04"):
        return "an Excel workbook or zip archive saved with a .csv name; open it in Excel and use Save As → CSV UTF-8"
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Excel (.xls) workbook saved with a .csv name; open it in Excel and use Save As → CSV UTF-8"
    if sample.startswith(b"%PDF"):
        return "a PDF document, not a CSV export"
    if b"\x00" in sample[:4096]:
        return "a binary file, not a CSV export"
    return None


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    kind = _binary_kind(sample)
    if kind:
        raise UnreadableFile(f"the file is {kind}")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still UTF-8.
        if exc.start >= len(sample) - 3 and exc.reason in {"unexpected end of data"}:
            return "utf-8"
        return "cp1252"


def _first_line(text: str) -> str:
    in_quotes = False
    for i, ch in enumerate(text):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch in "\r\n" and not in_quotes:
            return text[:i]
    return text


def detect_delimiter(text_sample: str) -> str:
    header = _first_line(text_sample.lstrip("\ufeff\r\n"))
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, in_quotes = 0, False
    for ch in line:
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == delimiter and not in_quotes:
            count += 1
    return count


CHUNK_BYTES = 4 << 20  # one parse unit; peak memory is a small multiple of this, whatever the file size
MAX_RECORD_BYTES = 64 << 20  # a quoted field still open after this much text never closes


@dataclass
class Chunk:
    """Whole records as string columns c0..c{n-1}, and the physical line where each record starts."""

    table: pa.Table
    lines: np.ndarray


def _sniff(stream: BinaryIO) -> tuple[io.BufferedReader, TextFormat, bool]:
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(_RawAdapter(stream), 1 << 20)
    sample = buffered.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]
    if not sample.strip(b"\r\n\t \xef\xbb\xbf"):
        raise UnreadableFile("the file is empty")
    encoding = detect_encoding(sample)
    text_sample = sample.decode(encoding, errors="ignore")
    # Old Mac exports end lines with a bare CR; cutting blocks needs LF.
    cr_only = "\r" in text_sample and "\n" not in text_sample
    return buffered, TextFormat(encoding=encoding, delimiter=detect_delimiter(text_sample)), cr_only


def open_text(stream: BinaryIO) -> tuple[TextFormat, Iterator[bytes]]:
    """Detect the format from the first bytes, then yield the text as UTF-8 blocks, lazily."""
    buffered, fmt, cr_only = _sniff(stream)
    return fmt, _utf8_blocks(buffered, fmt.encoding, cr_only)


def open_rows(stream: BinaryIO) -> tuple[TextFormat, Iterator[tuple[int, list[str]]]]:
    """Row by row with the csv module, for small samples such as the upload form's header preview
    (the Lambda reads whole chunks with read_chunks). Yields (line where the record starts, fields)."""
    buffered, fmt, _ = _sniff(stream)
    text = io.TextIOWrapper(buffered, encoding=fmt.encoding, errors="replace", newline="")
    return fmt, _rows(text, fmt.delimiter)


def _rows(text: io.TextIOBase, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    start = 1
    try:
        for fields in reader:
            yield start, fields
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(f"the CSV breaks at line {start}: {exc}") from None


def _utf8_blocks(buffered: io.BufferedReader, encoding: str, cr_only: bool) -> Iterator[bytes]:
    if encoding == "utf-8-sig":
        buffered.read(len(codecs.BOM_UTF8))
    decoder = None if encoding.startswith("utf-8") else codecs.getincrementaldecoder(encoding)(errors="replace")
    while True:
        raw = buffered.read(CHUNK_BYTES)
        block = raw if decoder is None else decoder.decode(raw, not raw).encode("utf-8", errors="replace")
        if cr_only:
            block = block.replace(b"\r", b"\n")
        if block:
            yield block
        if not raw:
            return


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


def _as_utf8(data: bytes) -> bytes:
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        # Detected as UTF-8 from the first 64 KB, but a Windows-1252 byte turned up later.
        return data.decode("cp1252", errors="replace").encode("utf-8")


def read_chunks(
    blocks: Iterator[bytes], delimiter: str, pool: Executor | None = None, lookahead: int = 2
) -> tuple[list[str], Iterator[Chunk]]:
    """The header record, and the records after it in chunks. Line 1 is the header.

    With a pool, up to `lookahead` chunks are parsed ahead on its threads; see `_records`."""
    chunks = _cut(blocks)
    first, final = next(chunks)
    first = _as_utf8(first)
    header_text = first[: first.find(b"\n") + 1 or len(first)].decode("utf-8")
    header = next(csv.reader(io.StringIO(header_text, newline=""), delimiter=delimiter), [])
    return header, _records(chunks, first, final, len(header), delimiter, pool, lookahead)


def _records(chunks, data: bytes, final: bool, width: int, delimiter: str, pool, lookahead: int) -> Iterator[Chunk]:
    """Chunks of records in file order.

    Each block is parsed ahead as if it started on a record boundary, which it does unless the block
    before it ended inside a quoted field (then that block leaves text pending). A block parsed ahead
    is used only when nothing was pending; otherwise it is parsed again here, after the pending text,
    exactly as a reading from start to end would. Line numbers are shifted to where the block starts."""
    ahead: deque[tuple[Future | None, bytes, bool, int]] = deque()
    next_line = 1  # where the next block starts when every block before it ended on a record boundary

    def plan(data: bytes, final: bool) -> None:
        nonlocal next_line
        future = pool.submit(_parse_block, data, final, width, delimiter, next_line) if pool else None
        ahead.append((future, data, final, next_line))
        next_line += data.count(b"\n")

    plan(data, final)
    line, pending, skip_header = 1, b"", True
    while ahead:
        while pool and not ahead[-1][2] and len(ahead) <= max(1, lookahead):
            plan(*next(chunks))
        future, data, final, planned_line = ahead.popleft()
        if future is not None and not pending:
            chunk, consumed, pending = future.result()
            if line != planned_line:
                chunk = Chunk(chunk.table, chunk.lines + (line - planned_line))
        else:
            data = pending + _as_utf8(data)
            if len(data) > MAX_RECORD_BYTES and not final and data.count(b"\n") == 0:
                too_long = f"line {line} is longer than {MAX_RECORD_BYTES >> 20} MB; this is not a CSV export"
                raise UnreadableFile(too_long)
            chunk, consumed, pending = parse_chunk(data, final, width, delimiter, line)
        if len(pending) > MAX_RECORD_BYTES:
            raise UnreadableFile(
                f"a quoted field opened at line {line + consumed} never closes; check the quotes on that line"
            )
        if skip_header:
            chunk = Chunk(chunk.table.slice(1), chunk.lines[1:])
            skip_header = False
        line += consumed
        if chunk.table.num_rows:
            yield chunk
        if not pool and not final:
            plan(*next(chunks))


def _parse_block(data: bytes, final: bool, width: int, delimiter: str, line: int) -> tuple[Chunk, int, bytes]:
    return parse_chunk(_as_utf8(data), final, width, delimiter, line)


def parse_chunk(data: bytes, final: bool, width: int, delimiter: str, line: int) -> tuple[Chunk, int, bytes]:
    """Parse whole lines of UTF-8 into records: (records, lines consumed, text left for the next chunk).

    pyarrow parses the common case. A chunk with a quoted line break, a row of the wrong width or a
    record cut at the chunk's end goes through the csv module instead, which knows each record's line.
    """
    names = [f"c{i}" for i in range(width)]
    table = _arrow_parse(data, names, delimiter)
    newlines = data.count(b"\n")
    rows = newlines + (0 if data.endswith(b"\n") or not data else 1)
    if table is not None and table.num_rows == rows and (b'"' not in data or not _last_row_has_line_break(table)):
        return Chunk(table, np.arange(line, line + rows, dtype=np.int64)), newlines, b""
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


def _last_row_has_line_break(table: pa.Table) -> bool:
    """With as many rows as LFs, a quoted line break can only hide in a last record cut at the chunk's end."""
    last = table.slice(table.num_rows - 1)
    return any(pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py() for column in last.columns)


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
    width = len(names)
    columns = [[] for _ in names]
    for fields in records:
        for i, column in enumerate(columns):
            column.append(fields[i] if i < len(fields) else "")
    table = pa.table([pa.array(c, pa.string()) for c in columns], names=names)
    return Chunk(table, np.asarray(starts, dtype=np.int64) + (line - 1)), consumed, pending if width else b""


def _is_cut(lines: list[str], delimiter: str) -> bool:
    """Does this last record end inside a quoted field, so that the next chunk continues it?"""
    try:
        list(csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


class _RawAdapter(io.RawIOBase):
    """Lets any object with read(n) (a botocore StreamingBody) sit under a BufferedReader."""

    def __init__(self, source):
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n
