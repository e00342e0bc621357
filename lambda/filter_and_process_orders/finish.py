"""After the last chunk, bucket by bucket: the grain evidence (and exact duplicates) with the orders
of ids that come once, then the orders of repeated ids under the file's grain, as soon as that is
certain; all with their stale flag, written per month; the rows rejected for want of an amount or a
date on any line of their order, or for a sum too large, added to the rejects bucket by bucket."""

import functools
from collections import deque
from concurrent.futures import Executor, Future
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import grain as grains
from . import profile
from .arrow_buffers import bool_mask
from .evidence import Evidence, Repeated, sift
from .months import Months, by_month, encoded
from .output import Output
from .reasons import ROW_REASONS
from .result import CleanResult, Rules
from .spool import Spool
from .used_lines import UsedLines

# Buckets worked on while the orders of an earlier one are written: two keep both of a Lambda's
# vCPUs busy while the writing thread waits on Parquet encoding (one left a vCPU idle).
AHEAD = 2
# Codes of rows rejected after the chunks, in the order they join the counts (the manifest lists the
# reasons by count, a tie in that order).
LATE_CODES = ("missing_amount", "missing_order_date", "amount_too_large")
EPOCH = date(1970, 1, 1)  # date32's day 0
Made = list[tuple[grains.Orders, Months | None]]  # a bucket's orders, copied by month for the writer


@profile.timed("finish (phase 2)")
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
    late = dict.fromkeys(LATE_CODES, 0)  # rows rejected after the chunks, by code
    # The last line wins in every grain but line items: without a line column (or with staff's
    # choice) that is known before the evidence, and repeated ids are done in the first pass.
    last_wins = grain != "line_items" if grain in grains.GRAINS else not line_column
    used = UsedLines(result.doubts, result.mapping.get("amount", ""))  # of the doubtful values, those an order uses

    def note(*made: grains.Orders) -> None:
        for m in made:
            _reject(spool, m, late)
            used.reject(m)
            result.superseded += m.superseded
            result.merged += m.merged
            if m.unpriced_lines is not None:
                result.doubts.add_lines("lines_without_amount", m.unpriced_lines)
            if m.version_lines is not None:
                result.doubts.add_lines("line_versions_superseded", m.version_lines)

    def bucket_sifted(b: int, decided: tuple[str, bool] | None) -> tuple[Evidence, Made, bool]:
        with profile.stage("dedup.evidence"):
            with profile.stage("dedup.evidence.read"):
                lines = spool.bucket(b)
            sifted = sift(lines)
            used.sift(sifted)
            later = sifted.repeated is not None and decided is None
            if later:  # the grain step reads the bucket again, with the positions of repeated ids' lines
                spool.keep(b, sifted.repeated.rows, sifted.repeated.group, sifted.copies)
            else:
                spool.drop(b)
        with profile.stage("grain"):
            with profile.stage("grain.single"):
                made = [grains.single_orders(sifted.lines, sifted.single, sifted.copies)]
            if sifted.repeated is not None and not later:  # the grain is already certain
                with profile.stage("grain.orders"):
                    made.append(grains.orders(sifted.repeated, *decided))
        return sifted.evidence, _by_month(made, rules), later

    def bucket_orders(b: int, decided: tuple[str, bool]) -> tuple[None, Made, bool]:
        with profile.stage("grain"):
            with profile.stage("grain.read"):
                kept = Repeated(*spool.kept(b))
            with profile.stage("grain.orders"):
                made = grains.orders(kept, *decided)
        return None, _by_month([made], rules), False

    # The grain (and whether amounts are order totals) once no bucket still to come can change it:
    # from then on a bucket's repeated ids are made into orders as it is sifted, and the buckets kept
    # for a second read are worked on beside the others (eu 1M rows: decided about halfway).
    decided = ("line_items", False) if grain == "line_items" else ("history", False) if last_wins else None
    result.evidence.amount_header = result.mapping.get("amount", "")
    lines_left = spool.lines
    queue: deque = deque((bucket_sifted, b) for b in held)
    kept: list[int] = []
    in_flight: deque = deque()
    closing: Future | None = None  # rejected_rows.csv, written once the last bucket is sifted
    while queue or in_flight:
        while queue and len(in_flight) <= AHEAD:
            work, b = queue.popleft()
            in_flight.append((b, pool.submit(work, b, decided)))
        b, done = in_flight.popleft()
        found, made, later = done.result()
        note(*(m for m, _ in made))
        if found is not None:
            result.evidence.add(found)
            lines_left -= found.lines
        if later:
            kept.append(b)
        if decided is None:
            decided = result.evidence.certain(line_column, lines_left)
        if decided is not None and kept:
            queue.extendleft((bucket_orders, b) for b in reversed(kept))
            kept = []
        if not (queue or in_flight):  # the last bucket: rejected_rows.csv is written while its orders are added
            closing = pool.submit(spool.close)
        with profile.stage("write"):
            output.add_months(*(split for _, split in made))
    if closing is None:  # no bucket held a line
        closing = pool.submit(spool.close)
    result.duplicates = result.evidence.exact_duplicates
    result.grain_overridden = grain in grains.GRAINS
    result.grain = grain if result.grain_overridden else result.evidence.grain(line_column)
    used.settle(result.doubts, result.grain)
    with profile.stage("write"):
        result.months = output.finish()  # while rejected_rows.csv is written
    closing.result()
    result.rejected_reasons.update({code: rows for code, rows in late.items() if rows})
    result.orders, result.orders_stale = output.orders, output.stale.count
    result.amount_total, result.amount_counted = output.amount_total, output.amount_counted
    result.rows_rejected, result.rejected_path = spool.rejected_rows, spool.rejected_path
    result.rejected_sample = spool.rejected_sample
    result.stale_sample = output.stale.sample


def _reject(spool: Spool, orders: grains.Orders, counts: dict[str, int]) -> None:
    """Rejects a bucket's held-back rows (no amount or no date) of orders that have none on any line,
    and the lines of its orders summing past MAX_AMOUNT (on the main thread, while the pool works on
    the next buckets: rejected_rows.csv is then written soon after the last one); counts them."""
    held = {"missing_amount": orders.rejected_lines, "missing_order_date": orders.undated_lines}
    spool.reject_deferred({code: (lines, ROW_REASONS[code]) for code, lines in held.items()})
    for code, lines in held.items():
        counts[code] += len(lines)
    if orders.too_large is not None:
        lines = orders.too_large.sort_by("line")
        spool.reject_lines(lines, "amount_too_large", ROW_REASONS["amount_too_large"])
        counts["amount_too_large"] += lines.num_rows


def stale_mask(status: pa.DictionaryArray, days: np.ndarray, dated: np.ndarray | None, rules: Rules) -> np.ndarray:
    """The stale rule: an order in a stale status dated stale_after_days or more before the reference date
    (numpy bool, one per line). `status` dictionary-encoded (`months.encoded`): each distinct word is
    looked up once; `days`: each line's date in days since 1970-01-01, where `dated` (None: every line)."""
    before = (rules.reference_date - timedelta(days=rules.stale_after_days) - EPOCH).days
    statuses = pa.array(sorted(rules.stale_statuses), pa.string())
    hit = np.r_[bool_mask(pc.is_in(status.dictionary, value_set=statuses)), False]  # False: no status
    at = pc.fill_null(status.indices, len(status.dictionary)) if status.null_count else status.indices
    stale = hit[at.to_numpy()] & (days <= before)
    return stale if dated is None else stale & dated


def _by_month(made: list[grains.Orders], rules: Rules) -> Made:
    """Each bucket's orders with their stale flag, copied by month for the writer (on a worker thread);
    their statuses dictionary-encoded once, for the stale rule, the copy and the writer (`months.ENCODED`),
    and their dates read once, for the stale rule and the months (`months.by_month`)."""
    rule = functools.partial(stale_mask, rules=rules)
    with profile.stage("write.by month"):
        return [(m, by_month(encoded(m.table), m.rows, rule)) for m in made]
