"""Where the header row is, and which delimiter the file uses.

The header is the first line, within the first HEADER_SEARCH_LINES non-blank lines, that maps every
required column of the contract. Lines before it are skipped and reported: Excel's `sep=X` hint
(which also fixes the delimiter), titles such as "Orders export — generated …", blank lines. When
no line qualifies, the first non-blank line is taken as the header, so the rejection names its
columns. Line numbers are physical lines of the file (line 1 is the first).
"""

import csv
import io
import re
from dataclasses import dataclass, field

from .mapping import map_headers, missing_required
from .sniff import detect_delimiter
from .text import UnreadableFile, open_text
from .utf8 import LINE_END

HEADER_SEARCH_LINES = 20
_SEP_HINT = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)
_LINE_END = re.compile(LINE_END.pattern.decode())  # the same line ends, in decoded text


@dataclass(frozen=True)
class Header:
    line: int  # the physical line of the header row
    delimiter: str
    names: list[str]
    mapping: dict[str, int]  # contract column -> index in a row
    skipped: list[dict] = field(default_factory=list)  # [{"line": n, "text": "..."}] before the header


def _fields(line: str, delimiter: str) -> list[str]:
    row = next(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter), [])
    return [h.replace("\ufeff", "").strip() for h in row]


def find_header(sample: str, explicit: dict[str, str] | None = None) -> Header:
    """The header of a file from its first bytes (decoded). Lines end at a CRLF, a bare CR or an LF,
    as the csv module and source_line count them. Raises UnreadableFile when no line has any text."""
    hint, skipped, first = None, [], None
    lines = _LINE_END.split(sample)
    if len(lines) > 1:
        lines.pop()  # the sample may end inside a line
    non_blank = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip() or not line.strip(",;\t| \"'"):
            skipped.append({"line": number, "text": line[:200]})
            continue
        if hint is None and (m := _SEP_HINT.match(line)):
            hint = m.group(1)
            skipped.append({"line": number, "text": line[:200]})
            continue
        non_blank += 1
        if non_blank > HEADER_SEARCH_LINES:
            break
        delimiter = hint or detect_delimiter(line)
        names = _fields(line, delimiter)
        mapping = map_headers(names, explicit)
        if first is None:
            first = Header(number, delimiter, names, mapping, list(skipped))
        if not missing_required(mapping):
            return Header(number, delimiter, names, mapping, skipped)
        skipped.append({"line": number, "text": line[:200]})
    if first is None:
        raise UnreadableFile("the file has no header row", "no_header")
    return first


def inspect(sample: bytes, explicit: dict[str, str] | None = None) -> Header:
    """The header of a file from its first bytes, as the Lambda finds it (for the upload form)."""
    return find_header(open_text(io.BytesIO(sample)).sample, explicit)
