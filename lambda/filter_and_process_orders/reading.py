"""UTF-8 blocks to records: whole records in chunks, each with the physical line where it starts."""

import itertools
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future

from .blocks import cut_at_lines
from .csv_records import MAX_RECORD_BYTES
from .records import Chunk, parse_block, parse_chunk
from .text import UnreadableFile
from .utf8 import StrayBytes, as_utf8, line_ends


def read_chunks(
    blocks: Iterator[bytes],
    width: int,
    delimiter: str,
    first_line: int,
    pool: Executor | None = None,
    lookahead: int = 2,
    stray: StrayBytes | None = None,
    prepare: tuple[int, Callable[[Chunk], object]] | None = None,
) -> Iterator[Chunk]:
    """The records after the header (which starts the blocks, on physical line `first_line`), in chunks.

    With a pool, up to `lookahead` chunks are parsed ahead on its threads. Each block is parsed ahead
    as if it started on a record boundary, which it does unless the block before it ended inside a
    quoted field (then that block leaves text pending); a block parsed ahead is used only when nothing
    was pending, otherwise it is parsed again here, after the pending text, as a reading from start
    to end would. Blocks are parsed ahead with lines counted from 0, then shifted to where they start
    (so the planning does not count a block's lines before it is parsed). Bytes that are not UTF-8
    (read as Windows-1252, `utf8.as_utf8`) are added to `stray`, once, from the parse that is used.
    `prepare` = (n, f): the first n blocks parsed ahead go to f on the pool's thread (`records.parse_block`)."""
    chunks = cut_at_lines(blocks)
    ahead: deque[tuple[Future | None, bytes, bool]] = deque()
    numbers = itertools.count()  # of the blocks planned

    def plan(data: bytes, final: bool) -> None:
        n = next(numbers)
        prepared = prepare[1] if prepare and n < prepare[0] else None
        future = pool.submit(parse_block, data, final, width, delimiter, n == 0, prepared) if pool else None
        ahead.append((future, data, final))

    plan(*next(chunks))
    line, pending, skip_header = first_line, b"", True
    while ahead:
        while pool and not ahead[-1][2] and len(ahead) <= max(1, lookahead):
            plan(*next(chunks))
        future, data, final = ahead.popleft()
        if future is not None and not pending:
            chunk, consumed, pending, found, skipped = future.result()
            chunk.lines += line  # parsed as if it started on line 0
            skip_header = skip_header and not skipped
            if found and stray is not None:
                stray.add(found, line)
        else:
            text, found = as_utf8(data)
            if found and stray is not None:
                stray.add(found, line + line_ends(pending))  # `pending` is whole lines
            data = pending + text
            if len(data) > MAX_RECORD_BYTES and not final and data.count(b"\n") == 0:
                raise UnreadableFile(
                    f"line {line} is longer than {MAX_RECORD_BYTES >> 20} MB; this is not a CSV export"
                )
            chunk, consumed, pending = parse_chunk(data, final, width, delimiter, line)
        if skip_header and chunk.table.num_rows:
            chunk = chunk.after_first()
            skip_header = False
        line += consumed
        if chunk.table.num_rows:
            yield chunk
        if not pool and not final:
            plan(*next(chunks))
