"""Blocks of text checked as UTF-8 before Arrow's CSV reader takes them (it then skips its own check)."""

import codecs
import re
import struct
import threading
from dataclasses import dataclass, field

import pyarrow as pa

SAMPLE_LINES = 5
# A physical line's end (the csv module's universal newlines), by which source_line and `line_ends` count.
LINE_END = re.compile(rb"\r\n|\r|\n")
_found = threading.local()  # .spans: (start, end) of each run of bytes UTF-8 could not decode, per thread


@dataclass
class StrayBytes:
    """Bytes that are not UTF-8 in a text read as UTF-8, each read as Windows-1252 (`as_utf8`).

    `first_lines` are the first SAMPLE_LINES lines holding one: counted from 0 at the start of one
    block (`as_utf8`), physical lines of the file once added up (`add`); lines end as `line_ends` says."""

    count: int = 0  # bytes
    lines: int = 0  # lines holding at least one
    first_lines: list[int] = field(default_factory=list)

    def add(self, block: "StrayBytes", line: int) -> None:
        """A block's stray bytes, the block starting on physical line `line` (blocks in file order)."""
        self.count += block.count
        self.lines += block.lines
        self.first_lines = (self.first_lines + [line + n for n in block.first_lines])[:SAMPLE_LINES]


def as_utf8(data: bytes) -> tuple[bytes, StrayBytes | None]:
    """(`data` itself, None) when it is valid UTF-8; else the same text with only the bytes that are
    not UTF-8 read as Windows-1252, and what they were (a file detected as UTF-8 from its first
    64 KB into which a Windows-1252 byte was pasted later: the rest of its block stays as written,
    so `é-5` stays `é-5`). Arrow checks the bytes where they are (a cast of one binary cell to
    text), about twice as fast as decoding them to a str; Arrow's CSV reader can then skip its own
    check (`records`). Only a block that fails the check is decoded and counted. `data` ends at a
    line end, so no character is cut in two."""
    offsets = pa.py_buffer(struct.pack("<qq", 0, len(data)))
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)]).cast(pa.large_string())
        return data, None
    except pa.ArrowInvalid:
        # Decoded at C speed; the error handler is called only at the bytes that are not UTF-8
        # (a block with one such byte: 0.01 CPU s instead of 0.17 with a scan of every line).
        _found.spans = spans = []
        text = data.decode("utf-8", errors=_CP1252_BYTES).encode("utf-8")
        lines: list[int] = []
        line = position = 0
        for start, _ in spans:
            line += line_ends(data, position, start)
            position = start
            if not lines or lines[-1] != line:
                lines.append(line)
        return text, StrayBytes(sum(end - start for start, end in spans), len(lines), lines[:SAMPLE_LINES])


def line_ends(data: bytes, start: int = 0, end: int | None = None) -> int:
    """The physical line ends in data[start:end]: LF, CRLF (one) and a bare CR, as the csv module and
    the records' `source_line` count them (`csv_records`: universal newlines). `start` and `end` must
    not fall between the CR and the LF of a CRLF. Three scans at C speed, only of the rare blocks that
    hold stray bytes (and of the text of a record cut at the end of the block before such a block)."""
    end = len(data) if end is None else end
    return data.count(b"\n", start, end) + data.count(b"\r", start, end) - data.count(b"\r\n", start, end)


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: bytes UTF-8 could not decode, read as Windows-1252 (its five unused
    bytes as U+FFFD), and noted in the thread's `_found.spans`."""
    assert isinstance(error, UnicodeDecodeError)
    _found.spans.append((error.start, error.end))
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


_CP1252_BYTES = "orders-cp1252-bytes"
codecs.register_error(_CP1252_BYTES, _cp1252_bytes)
