"""A stream of raw bytes in, processed orders, rejects and counts out. No AWS, no clock.

Every non-blank row ends exactly one way: rejected (with a reason code), an exact duplicate,
superseded by a later version of its order (history grain), merged into its order as a further
line (line-item grain), or the row that an order was written from; so
rows_in == rows_rejected + rows_duplicate + rows_superseded + rows_merged + orders. Orders are
written with `stale` set by the stale rule; rows_out counts those that are not stale.
"""

import os
from collections import deque
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import grain as grains
from . import profile
from .chunk import clean_chunk
from .decide import with_formats
from .evidence import Evidence, evidence
from .header import find_header
from .mapping import missing_required, unmapped
from .output import Output
from .reading import read_chunks, skip_lines
from .reasons import ROW_REASONS
from .result import CleanResult, Rules, missing_columns_reason
from .spool import Spool
from .text import UnreadableFile, open_text

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
) -> CleanResult:
    """Raises UnreadableFile when the file as a whole cannot be used; data problems never raise.
    `grain` (one of grain.GRAINS) overrides the grain the evidence would choose."""
    opened = open_text(stream)
    header = find_header(opened.sample, explicit_mapping)
    missing = missing_required(header.mapping)
    if missing:
        raise UnreadableFile(missing_columns_reason(header.names, missing), "missing_column")
    result = CleanResult(
        encoding=opened.encoding,
        delimiter=header.delimiter,
        header=header.names,
        header_line=header.line,
        mapping={column: header.names[i] for column, i in header.mapping.items()},
        skipped_lines=header.skipped,
        unmapped=unmapped(header.names, header.mapping),
    )
    spool = Spool(workdir, header=header.names, buckets=buckets)
    # Reading, deciding formats and spooling stay on this thread, in file order; parsing (ahead of
    # time, see reading.read_chunks) and cleaning run on WORKERS threads, as pyarrow releases the GIL.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        blocks = skip_lines(opened.blocks, header.line - 1)
        chunks = read_chunks(blocks, len(header.names), header.delimiter, header.line, pool, WORKERS)
        formats = with_formats(
            chunks, header.mapping, result.decisions, rules.day_first_default, rules.decimal_comma_default
        )
        in_flight: deque = deque()
        for chunk, chunk_formats in formats:
            in_flight.append(pool.submit(clean_chunk, chunk, header.mapping, chunk_formats, spool.buckets))
            if len(in_flight) > WORKERS:
                _add(in_flight.popleft().result(), spool, result)
        while in_flight:
            _add(in_flight.popleft().result(), spool, result)
        if result.rows_in == 0:
            raise UnreadableFile("the file has a header row but no order rows", "no_rows")
        line_column = "line_id" in header.mapping or "product" in header.mapping
        _finish(
            spool,
            Output(workdir, source_key=source_key, ingested_at=ingested_at),
            rules,
            grain,
            line_column,
            pool,
            result,
        )
    return result


def _add(cleaned, spool: Spool, result: CleanResult) -> None:
    result.rows_in += cleaned.rows_in
    result.rejected_reasons.update(cleaned.reason_counts)
    result.doubts.add(cleaned.doubts)
    with profile.stage("spool"):
        spool.add(cleaned)


def stale_mask(orders: pa.Table, rules: Rules) -> pa.Array:
    """The stale rule: an order in a stale status dated stale_after_days or more before the reference date."""
    before = pa.scalar(rules.reference_date - timedelta(days=rules.stale_after_days), pa.date32())
    in_status = pc.is_in(orders.column("status"), value_set=pa.array(sorted(rules.stale_statuses), pa.string()))
    return pc.and_(
        pc.fill_null(in_status, False), pc.fill_null(pc.less_equal(orders.column("order_date"), before), False)
    )


def _finish(
    spool: Spool, output: Output, rules: Rules, grain: str | None, line_column: bool, pool: Executor, result
) -> None:
    held = spool.close_buckets()

    def bucket_evidence(b: int) -> Evidence:
        with profile.stage("dedup.evidence"):
            found, distinct = evidence(spool.bucket(b))
            if distinct is not None:
                spool.replace(b, distinct)  # the grain step reads the bucket without exact duplicates
        return found

    for found in pool.map(bucket_evidence, held):
        result.evidence.add(found)
    result.duplicates = result.evidence.exact_duplicates
    result.grain_overridden = grain in grains.GRAINS
    result.grain = grain if result.grain_overridden else result.evidence.grain(line_column)

    def bucket_orders(b: int) -> grains.Orders:
        with profile.stage("grain"):
            made = grains.orders(spool.bucket(b, last_read=True), result.grain, result.evidence.amount_is_order_total)
        made.table = made.table.append_column("stale", stale_mask(made.table, rules))
        return made

    rejected, in_flight = [], deque()

    def take(made: grains.Orders) -> None:
        with profile.stage("write"):
            output.add(made.table)
        rejected.append(made.rejected_lines)
        result.superseded += made.superseded
        result.merged += made.merged

    # Two buckets at a time: one being worked on while the other's orders are written.
    for b in held:
        in_flight.append(pool.submit(bucket_orders, b))
        if len(in_flight) > 1:
            take(in_flight.popleft().result())
    while in_flight:
        take(in_flight.popleft().result())
    lines = np.sort(np.concatenate(rejected)) if rejected else np.empty(0, np.int64)
    if len(lines):
        spool.reject_deferred(lines, "missing_amount", ROW_REASONS["missing_amount"])
        result.rejected_reasons["missing_amount"] += len(lines)
    spool.close()
    with profile.stage("write"):
        result.months = output.finish()
    result.orders, result.orders_stale = output.orders, output.stale
    result.amount_total, result.amount_counted = output.amount_total, output.amount_counted
    result.rows_rejected, result.rejected_path, result.rejected_sample = (
        spool.rejected_rows,
        spool.rejected_path,
        spool.rejected_sample,
    )
    result.stale_path, result.stale_sample = output.stale_path, output.stale_sample
