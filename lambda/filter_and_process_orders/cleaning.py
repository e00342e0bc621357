"""A stream of raw bytes in, processed orders, rejects and counts out. No AWS, no clock.

Every non-blank row ends exactly one way: rejected (with a reason code), an exact duplicate,
superseded by a later version of its order (history grain), merged into its order as a further
line (line-item grain), or the row that an order was written from; so
rows_in == rows_rejected + rows_duplicate + rows_superseded + rows_merged + orders. Orders are
written with `stale` set by the stale rule; rows_out counts those that are not stale.
"""

import functools
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from . import decide, profile
from .blocks import skip_lines
from .chunk import clean_chunk, count_blank
from .finish import finish_buckets
from .header import HEADER_SEARCH_LINES, find_header
from .header_rows import rows_before_header
from .mapping import missing_required, not_found
from .output import Output
from .reading import read_chunks
from .reasons import mapping_not_found_reason, missing_columns_reason
from .result import CleanResult, Rules
from .sample import with_formats
from .spool import Spool
from .text import UnreadableFile, open_text
from .unused_headers import unmapped

WORKERS = max(1, min(2, os.cpu_count() or 1))  # a Lambda gets 2 vCPUs from 1769 MB of memory up


def clean_stream(
    stream: BinaryIO,
    *,
    rules: Rules,
    workdir: Path,
    source_key: str,
    ingested_at: datetime,
    explicit_mapping: dict[str, str] | None = None,
    buckets: int = 1,
    grain: str | None = None,
    on_write: Callable[[Path, bool], None] | None = None,
    header_line: int | None = None,
) -> CleanResult:
    """Raises UnreadableFile when the file as a whole cannot be used (with the header found, its `read`,
    when there is one); data problems never raise. `grain` (one of grain.GRAINS) overrides the grain the
    evidence would choose. `on_write(path, closed)` is told of each append to an output file and of its
    close (see `output.Output`). `header_line`: the physical line staff chose as the header row (`header`)."""
    opened = open_text(stream)
    header = find_header(opened.sample, explicit_mapping, chosen=header_line)
    result = CleanResult(
        encoding=opened.encoding,
        delimiter=header.delimiter,
        header=header.names,
        header_line=header.line,
        header_last_line=header.last_line,
        mapping={column: header.names[i] for column, i in header.mapping.items()},
        skipped_lines=header.skipped,
        unmapped=unmapped(header.names, header.mapping),
        # (a header row staff chose: its page said which rows that skips)
        rows_before_header=[] if header_line else rows_before_header(opened.sample, header),
    )
    named = not_found(header.names, explicit_mapping)  # staff's choice is not read from another column
    if named:
        reason = mapping_not_found_reason(header.names, named, header_line)
        raise UnreadableFile(reason, "missing_column", rows_in=_data_rows(opened, header, result), read=result)
    missing = missing_required(header.mapping)
    if missing:
        searched = HEADER_SEARCH_LINES if header.search_ended else None
        reason = missing_columns_reason(header.names, missing, header.line, searched, chosen=bool(header_line))
        raise UnreadableFile(reason, "missing_column", rows_in=_data_rows(opened, header, result), read=result)
    spool = Spool(workdir, header=header.names, buckets=buckets, mapping=header.mapping, on_write=on_write)
    # Reading, deciding formats and spooling stay on this thread, in file order; parsing (ahead of
    # time, see reading.read_chunks) and cleaning run on WORKERS threads, as pyarrow releases the GIL.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        blocks = skip_lines(opened.blocks, header.line - 1, result.stray_bytes)
        sample = (decide.EVIDENCE_CHUNKS, functools.partial(decide.gather, mapping=header.mapping))
        chunks = _header_told(
            read_chunks(
                blocks, len(header.names), header.delimiter, header.line, pool, WORKERS, result.stray_bytes, sample
            ),
            result,
        )
        cleanings = with_formats(
            chunks,
            header.mapping,
            result.decisions,
            rules.day_first_default,
            rules.decimal_comma_default,
            workdir,
            lambda chunk, formats: pool.submit(
                clean_chunk, chunk, header.mapping, formats, spool.buckets, result.mapping
            ),
        )
        in_flight: deque = deque()
        for cleaning in cleanings:
            in_flight.append(cleaning)
            if len(in_flight) > WORKERS:
                _add(in_flight.popleft().result(), spool, result)
        while in_flight:
            _add(in_flight.popleft().result(), spool, result)
        if result.rows_in == 0:
            raise UnreadableFile("the file has a header row but no order rows", "no_rows", rows_in=0, read=result)
        line_column = "line_id" in header.mapping or "product" in header.mapping
        finish_buckets(
            spool,
            Output(workdir, source_key=source_key, ingested_at=ingested_at, on_write=on_write),
            rules,
            grain,
            line_column,
            pool,
            result,
        )
    return result


def _data_rows(opened, header, result: CleanResult) -> int | None:
    """The non-blank records after the header of a file rejected as a whole (it is read to the end
    for this only), its blank ones counted in `result.rows_blank` as a file read is (`chunk`);
    None when its records cannot be read."""
    rows = blank = 0
    try:
        blocks = skip_lines(opened.blocks, header.line - 1)
        for chunk in read_chunks(blocks, len(header.names), header.delimiter, header.line):
            found = count_blank(chunk)
            rows, blank = rows + chunk.table.num_rows - found, blank + found
    except UnreadableFile:
        return None
    result.rows_blank = blank
    return rows


def _header_told(chunks: Iterator, result: CleanResult) -> Iterator:
    """The chunks; a file found unreadable partway (a line too long: `reading`) is
    rejected with what its header told (`UnreadableFile.read`): the manifest says where it was."""
    try:
        yield from chunks
    except UnreadableFile as exc:
        exc.read = exc.read or result
        raise


def _add(cleaned, spool: Spool, result: CleanResult) -> None:
    result.rows_in += cleaned.rows_in
    result.rows_blank += cleaned.rows_blank
    result.rejected_reasons.update(cleaned.reason_counts)
    result.doubts.add(cleaned.doubts)
    with profile.stage("spool"):
        spool.add(cleaned)
