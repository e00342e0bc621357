"""After the last chunk, bucket by bucket: the grain evidence (and exact duplicates), the file's
grain, the orders with their stale flag written per month, the rows rejected for want of an amount."""

from collections import deque
from concurrent.futures import Executor

import numpy as np

from . import grain as grains
from . import profile
from .evidence import Evidence, evidence
from .output import Output
from .reasons import ROW_REASONS
from .result import CleanResult, Rules, stale_mask
from .spool import Spool


def finish_buckets(
    spool: Spool,
    output: Output,
    rules: Rules,
    grain: str | None,
    line_column: bool,
    pool: Executor,
    result: CleanResult,
) -> None:
    """Fills `result` from the spooled buckets; `grain` (one of grain.GRAINS) overrides the evidence's."""
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
    result.orders, result.orders_stale = output.orders, output.stale.count
    result.amount_total, result.amount_counted = output.amount_total, output.amount_counted
    result.rows_rejected, result.rejected_path = spool.rejected_rows, spool.rejected_path
    result.rejected_sample = spool.rejected_sample
    result.stale_path, result.stale_sample = output.stale.path, output.stale.sample
