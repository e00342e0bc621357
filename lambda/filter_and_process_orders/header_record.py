"""One CSV record from the first lines of a file, as the csv module reads it: a header row, whose
cells Excel may wrap onto two lines inside quotes (`"Order⏎ID",Customer,…`). A header cell is read
one way, as one cell here and as a column by `header_cells` (a repeated header, `rejects`): a
byte-order mark taken out, a line break with the spaces around it made one space, trimmed (`trim`)."""

import csv
import re

import pyarrow as pa
import pyarrow.compute as pc

from .sniff import detect_delimiter
from .trim import SPACES, trim, trimmed

# The spaces as a class of literal characters (none is special inside brackets): read alike by Python's
# re and by Arrow's RE2, whose `\s` is ASCII only.
LINE_BREAK = f"[{SPACES}]*[\r\n]+[{SPACES}]*"
_LINE_BREAKS = re.compile(LINE_BREAK)


def read_record(lines: list[str], hint: str | None) -> tuple[list[str], int, str]:
    """The record that starts at lines[0], from `lines` (physical lines with their line ends, the
    rest of a sample): (its cells, trimmed as cells are (`trim`: whitespace and zero-width
    characters), a line break inside one made a space: "Order ID"; the physical lines it spans; its
    delimiter, `hint` or detected). A record whose quotes the sample's end leaves open is read as
    its first line alone."""
    text, end = lines[0], 1
    while text.count('"') % 2 and end < len(lines):  # a quote still open: the record goes on
        text, end = text + lines[end], end + 1
    delimiter = hint or detect_delimiter(text)
    reader = csv.reader(lines, delimiter=delimiter)
    cells = next(reader, [])
    if reader.line_num > 1 and reader.line_num == len(lines) and _cut(lines, delimiter):
        return read_record(lines[:1], hint)
    return [trim(_LINE_BREAKS.sub(" ", c.replace("\ufeff", ""))) for c in cells], max(1, reader.line_num), delimiter


def header_cells(column: pa.Array) -> pa.Array:
    """Every cell of a string array read as `read_record` reads a header cell (see above)."""
    return trimmed(pc.replace_substring_regex(pc.replace_substring(column, "\ufeff", ""), LINE_BREAK, " "))


def _cut(lines: list[str], delimiter: str) -> bool:
    """Whether the text ends inside a quoted field."""
    try:
        list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False
