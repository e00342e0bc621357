"""Blocks of UTF-8 text made ready for parsing: the lines before the header skipped, and re-cut at
line ends so that no chunk ends inside a line."""

import re
from collections.abc import Iterator

# A line ends at a CRLF, a bare CR or an LF (as the csv module, `header` and source_line count them).
_LINE_END = re.compile(rb"\r\n|\r|\n")


def skip_lines(blocks: Iterator[bytes], count: int) -> Iterator[bytes]:
    """The blocks less their first `count` lines (the preamble before the header); a CRLF cut at a
    block's end ends one line."""
    cut_crlf = False  # the last line skipped ended at a block's last byte, a CR
    for block in blocks:
        if cut_crlf and block[:1] == b"\n":
            block = block[1:]
        cut_crlf = False
        while count and block:
            end = _LINE_END.search(block)
            if end is None:
                block = b""
                break
            cut_crlf = end.group() == b"\r" and end.end() == len(block)
            block, count = block[end.end() :], count - 1
        if block:
            yield block


def cut_at_lines(blocks: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
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
