"""Blocks of UTF-8 text made ready for parsing: the lines before the header skipped, and re-cut at
line ends so that no chunk ends inside a line."""

from collections.abc import Iterator

from .utf8 import LINE_END, StrayBytes, as_utf8


def skip_lines(blocks: Iterator[bytes], count: int, stray: StrayBytes | None = None) -> Iterator[bytes]:
    """The blocks less their first `count` lines (the preamble before the header); a CRLF cut at a
    block's end ends one line. The skipped lines' bytes that are not UTF-8 are added to `stray`
    (before any of the rows', which the reader adds as it checks them: `utf8.as_utf8`)."""
    cut_crlf = False  # the last line skipped ended at a block's last byte, a CR
    skipped: list[bytes] = []
    for block in blocks:
        if cut_crlf and block[:1] == b"\n":
            block = block[1:]
        cut_crlf = False
        while count and block:
            end = LINE_END.search(block)
            if end is None:
                skipped.append(block)  # the line goes on in the next block
                block = b""
                break
            cut_crlf = end.group() == b"\r" and end.end() == len(block)
            skipped.append(block[: end.end()])
            block, count = block[end.end() :], count - 1
        if skipped and not count:
            found = as_utf8(b"".join(skipped))[1] if stray is not None else None  # within the header's sample
            if found is not None:
                stray.add(found, 1)
            skipped = []
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
