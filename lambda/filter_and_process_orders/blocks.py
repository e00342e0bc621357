"""Blocks of UTF-8 text made ready for parsing: the lines before the header skipped, and re-cut at
line ends so that no chunk ends inside a line."""

from collections.abc import Iterator


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
