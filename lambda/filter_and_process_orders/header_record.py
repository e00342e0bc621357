"""One CSV record from the first lines of a file, as the csv module reads it: a header row, whose
cells Excel may wrap onto two lines inside quotes (`"Order⏎ID",Customer,…`). A header cell is read
with its byte-order marks taken out, a line break with the spaces around it made one space, trimmed
(`trim`); the mapping then compares it as `mapping.normalise_header` does, as a repeated header's
cells are compared (`rejects`)."""

import csv
import re

from .sniff import detect_delimiter
from .trim import SPACES, trim

# The spaces (`trim`) as a class of literal characters (none is special inside brackets).
_LINE_BREAKS = re.compile(f"[{SPACES}]*[\r\n]+[{SPACES}]*")


def read_record(lines: list[str], hint: str | None) -> tuple[list[str], int, str]:
    """The record that starts at lines[0], from `lines` (physical lines with their line ends, the
    rest of a sample): (its cells, trimmed as cells are (`trim`: whitespace and zero-width
    characters), a line break inside one made a space: "Order ID"; the physical lines it spans; its
    delimiter, `hint` or detected). A record whose quotes the sample's end leaves open is read as
    its first line alone. A BOM at its start is dropped before its quotes are read (`boms`)."""
    if lines[0].startswith("\ufeff"):
        lines = [lines[0][1:], *lines[1:]]
    text, end = lines[0], 1
    while text.count('"') % 2 and end < len(lines):  # a quote still open: the record goes on
        text, end = text + lines[end], end + 1
    delimiter = hint or detect_delimiter(text)
    reader = csv.reader(lines, delimiter=delimiter)
    cells = next(reader, [])
    if reader.line_num > 1 and reader.line_num == len(lines) and _cut(lines, delimiter):
        return read_record(lines[:1], hint)
    return [trim(_LINE_BREAKS.sub(" ", c.replace("\ufeff", ""))) for c in cells], max(1, reader.line_num), delimiter


def _cut(lines: list[str], delimiter: str) -> bool:
    """Whether the text ends inside a quoted field."""
    try:
        list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False
