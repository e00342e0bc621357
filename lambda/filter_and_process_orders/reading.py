"""Bytes to rows: encoding, delimiter and CSV dialect detection over a stream."""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

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


def open_rows(stream: BinaryIO) -> tuple[TextFormat, Iterator[tuple[int, list[str]]]]:
    """Detect the format from the first bytes, then yield (line number, fields) lazily.

    The line number is the physical line where the record starts (1 is the header).
    """
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(_RawAdapter(stream), 1 << 20)
    sample = buffered.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]
    if not sample.strip(b"\r\n\t \xef\xbb\xbf"):
        raise UnreadableFile("the file is empty")
    encoding = detect_encoding(sample)
    text_sample = sample.decode(encoding if encoding != "utf-16" else "utf-16", errors="ignore")
    delimiter = detect_delimiter(text_sample)
    text = io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="")
    fmt = TextFormat(encoding=encoding, delimiter=delimiter)
    return fmt, _records(text, delimiter)


def _records(text: io.TextIOBase, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    start = 1
    try:
        for fields in reader:
            yield start, fields
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(f"the CSV breaks at line {start}: {exc}") from None


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
