"""A stream of raw bytes in, clean rows spooled to local files and counts out. No AWS, no clock.

Chunks of records are cleaned a column at a time (see `columns`). Blank rows are not orders and
are not counted. Every other row ends exactly one way: kept, rejected (with a reason), dropped by
the stale rule, or superseded by a later row with the same order_id; so
rows_in == rows_out + rows_rejected + rows_dropped_by_rule + rows_duplicate.
"""

import os
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns
from .mapping import map_headers, missing_required
from .reading import Chunk, UnreadableFile, open_text, read_chunks
from .spool import Spool, split_by_bucket, split_by_month

DATE_EVIDENCE_CHUNKS = 4  # chunks held back (at most ~16 MB of text) while looking for D/M vs M/D evidence
WORKERS = max(1, min(2, os.cpu_count() or 1))  # a Lambda gets 2 vCPUs from 1769 MB of memory up
_NULL_TEXT = pa.scalar(None, pa.string())
MAX_TEXT_LENGTH = {"order_id": 200, "customer": 500, "status": 100}  # characters


@dataclass(frozen=True)
class Rules:
    reference_date: date
    stale_statuses: frozenset[str]
    stale_after_days: int
    day_first_default: bool = False


@dataclass
class CleanResult:
    encoding: str
    delimiter: str
    header: list[str]
    mapping: dict[str, str]
    rows_in: int = 0
    rows_out: int = 0
    amount_total: Decimal = Decimal(0)  # of the kept rows
    rows_rejected: int = 0
    dropped_by_rule: int = 0
    duplicates: int = 0
    rejected_reasons: Counter = field(default_factory=Counter)
    date_order: str = "ISO"
    date_order_assumed: bool = False
    date_order_votes: dict[str, int] = field(default_factory=dict)
    months: dict[str, Path] = field(default_factory=dict)
    rejected_path: Path | None = None
    rejected_sample: list[dict] = field(default_factory=list)

    @property
    def reasons(self) -> dict[str, int]:
        counts = dict(self.rejected_reasons)
        if self.dropped_by_rule:
            counts["dropped by stale rule"] = self.dropped_by_rule
        if self.duplicates:
            counts["duplicate order_id (kept the last)"] = self.duplicates
        return counts


def missing_columns_reason(header: list[str], missing: list[str]) -> str:
    names = ", ".join(m.replace("order_", "order ") for m in missing)
    return (
        f"no {names} column; headers were: {', '.join(header)[:300]}. "
        "Rename the column or choose it in the upload form's column mapping"
    )


def clean_stream(
    stream: BinaryIO,
    *,
    rules: Rules,
    workdir: Path,
    source_key: str,
    ingested_at: datetime,
    explicit_mapping: dict[str, str] | None = None,
    buckets: int = 1,
) -> CleanResult:
    """Raises UnreadableFile when the file as a whole cannot be used; data problems never raise."""
    fmt, blocks = open_text(stream)
    # Reading, deciding the date order and writing stay on this thread, in file order; parsing
    # (ahead of time, see reading._records) and cleaning run on WORKERS threads, as pyarrow
    # releases the GIL. At most WORKERS + 1 chunks wait to be cleaned and WORKERS to be parsed.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        raw_header, chunks = read_chunks(blocks, fmt.delimiter, pool, lookahead=WORKERS)
        header = [h.replace("\ufeff", "").strip() for h in raw_header]
        if not any(header):
            raise UnreadableFile("the file has no header row")
        mapping = map_headers(header, explicit_mapping)
        missing = missing_required(mapping)
        if missing:
            raise UnreadableFile(missing_columns_reason(header, missing))
        result = CleanResult(
            encoding=fmt.encoding,
            delimiter=fmt.delimiter,
            header=header,
            mapping={column: header[i] for column, i in mapping.items()},
        )
        spool = Spool(workdir, header=header, source_key=source_key, ingested_at=ingested_at, buckets=buckets)
        in_flight: deque[Future] = deque()
        for chunk, day_first in _with_date_order(chunks, mapping["order_date"], rules.day_first_default, result):
            in_flight.append(pool.submit(clean_chunk, chunk, mapping, rules, day_first, spool.buckets))
            if len(in_flight) > WORKERS:
                _apply(in_flight.popleft().result(), spool, result)
        while in_flight:
            _apply(in_flight.popleft().result(), spool, result)
        if result.rows_in == 0:
            raise UnreadableFile("the file has a header row but no order rows")
        # The same threads go on (a fresh thread would start a fresh allocator heap: more memory).
        result.months = spool.finish(pool)
    result.rows_out = spool.rows_out
    result.amount_total = spool.amount_total
    result.duplicates = spool.duplicates
    result.rows_rejected = spool.rejected_rows
    result.rejected_path = spool.rejected_path
    result.rejected_sample = spool.rejected_sample
    return result


def _with_date_order(
    chunks: Iterator[Chunk], date_column: int, day_first_default: bool, result: CleanResult
) -> Iterator[tuple[Chunk, bool]]:
    """Decide once per file whether numeric dates are day-first, from the first chunks' unambiguous
    dates (a `13/2/2024` can only be D/M). Chunks are held back until there is evidence or
    DATE_EVIDENCE_CHUNKS have been seen; a file that stays ambiguous uses the default, and says so."""
    held: list[Chunk] = []
    votes: Counter = Counter()
    numeric = False
    decided = None
    for chunk in chunks:
        if decided is None:
            chunk_votes, chunk_numeric = columns.numeric_date_votes(columns.trimmed(chunk.table.column(date_column)))
            votes += chunk_votes
            numeric = numeric or chunk_numeric
            held.append(chunk)
            if votes or len(held) >= DATE_EVIDENCE_CHUNKS:
                decided = _decide(votes, numeric, day_first_default, result)
                yield from ((c, decided) for c in held)
                held = []
            continue
        if result.date_order == "ISO" and not result.date_order_assumed:
            # Numeric dates first showing up after the sample: read with the default, and say so.
            if columns.numeric_date_votes(columns.trimmed(chunk.table.column(date_column)))[1]:
                result.date_order, result.date_order_assumed = ("DMY" if day_first_default else "MDY"), True
        yield chunk, decided
    if decided is None:
        decided = _decide(votes, numeric, day_first_default, result)
        yield from ((c, decided) for c in held)


def _decide(votes: Counter, numeric: bool, day_first_default: bool, result: CleanResult) -> bool:
    result.date_order_votes = {"DMY": votes["DMY"], "MDY": votes["MDY"]}
    if votes["DMY"] != votes["MDY"]:
        result.date_order = "DMY" if votes["DMY"] > votes["MDY"] else "MDY"
    elif numeric:
        result.date_order, result.date_order_assumed = ("DMY" if day_first_default else "MDY"), True
    else:
        result.date_order = "ISO"
        return day_first_default
    return result.date_order == "DMY"


@dataclass
class Cleaned:
    """One chunk's outcome, ready to be written in file order."""

    rows_in: int = 0
    dropped_by_rule: int = 0
    ids: list[tuple[int, pa.RecordBatch]] = field(default_factory=list)  # split_by_bucket
    months: list[tuple[str, pa.Table]] = field(default_factory=list)  # split_by_month
    rejected: tuple[pa.Table, np.ndarray, pa.Array] | None = None
    reason_counts: dict[str, int] = field(default_factory=dict)


def _apply(cleaned: Cleaned, spool: Spool, result: CleanResult) -> None:
    result.rows_in += cleaned.rows_in
    result.dropped_by_rule += cleaned.dropped_by_rule
    result.rejected_reasons.update(cleaned.reason_counts)
    if cleaned.rejected:
        spool.reject(*cleaned.rejected)
    spool.keep(cleaned.ids, cleaned.months)


def clean_chunk(chunk: Chunk, mapping: dict[str, int], rules: Rules, day_first: bool, buckets: int = 1) -> Cleaned:
    """Pure: the chunk's records in, its kept rows (split by month), rejects and counts out."""
    cleaned = Cleaned()
    raw = chunk.table
    used = {column: columns.trimmed(raw.column(i).combine_chunks()) for column, i in mapping.items()}
    # A row is blank when every cell is empty or whitespace; only the mapped columns get trimmed.
    filled = [pc.greater(pc.binary_length(cell), 0) for cell in used.values()]
    mapped = set(mapping.values())
    for i, column in enumerate(raw.columns):
        if i not in mapped:
            filled.append(pc.invert(pc.or_(pc.equal(pc.binary_length(column), 0), pc.utf8_is_space(column))))
    nonblank = filled[0]
    for f in filled[1:]:
        nonblank = pc.or_(nonblank, f)
    nonblank = nonblank.combine_chunks() if isinstance(nonblank, pa.ChunkedArray) else nonblank
    chunk_lines = chunk.lines
    if not pc.all(nonblank).as_py():
        raw, chunk_lines = raw.filter(nonblank), chunk_lines[nonblank.to_numpy(zero_copy_only=False)]
        used = {column: cell.filter(nonblank) for column, cell in used.items()}
    if not raw.num_rows:
        return cleaned
    cleaned.rows_in = raw.num_rows

    def cell(column: str) -> pa.Array:
        return used[column] if column in used else pa.nulls(raw.num_rows, pa.string())

    order_id, raw_amount, raw_date = cell("order_id"), cell("amount"), cell("order_date")
    amount = columns.amounts(raw_amount)
    order_date = columns.dates(raw_date, day_first=day_first)
    no_id = columns.empty(order_id)
    bad_amount = pc.is_null(amount)
    bad_date = pc.is_null(order_date)
    too_long = _too_long(used, raw.num_rows)
    rejected = pc.or_(too_long, pc.or_(no_id, pc.or_(bad_amount, bad_date)))
    if pc.any(rejected).as_py():
        reasons = _reasons(too_long, no_id, raw_amount, bad_amount, raw_date, bad_date, rejected)
        kinds = pc.value_counts(pc.struct_field(reasons, "kind")).to_pylist()
        cleaned.reason_counts = {r["values"]: r["counts"] for r in kinds}
        rejected_lines = chunk_lines[rejected.to_numpy(zero_copy_only=False)]
        cleaned.rejected = (raw.filter(rejected), rejected_lines, pc.struct_field(reasons, "text"))
    good = pc.invert(rejected)
    coded = columns.statuses(cell("status") if "status" in mapping else pa.repeat("", raw.num_rows))
    status = pc.take(coded.dictionary, coded.indices)
    stale_status = pc.is_in(coded.dictionary, value_set=pa.array(sorted(rules.stale_statuses), pa.string()))
    stale_before = pa.scalar(rules.reference_date - timedelta(days=rules.stale_after_days), pa.date32())
    stale = pc.and_(
        pc.fill_null(pc.take(stale_status, coded.indices), False),
        pc.fill_null(pc.less_equal(order_date, stale_before), False),
    )
    cleaned.dropped_by_rule = pc.sum(pc.cast(pc.and_(good, stale), pa.int64())).as_py() or 0
    keep = pc.and_(good, pc.invert(stale))
    customer = cell("customer")
    no_customer = columns.empty(customer)
    if pc.any(no_customer).as_py():
        customer = pc.if_else(no_customer, _NULL_TEXT, customer)
    rows = pa.table(
        {"order_id": order_id, "customer": customer, "amount": amount, "status": status, "order_date": order_date}
    )
    kept = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    cleaned.ids = split_by_bucket(order_id, chunk_lines, kept, buckets)
    cleaned.months = split_by_month(rows, chunk_lines, kept)
    return cleaned


def _too_long(used: dict[str, pa.Array], rows: int) -> pa.Array:
    """Rows whose id, customer or status is far longer than any real one (a runaway quote or a
    pasted blob): rejected, and kept whole in quarantine, rather than stored as a name."""
    too_long = pa.array(np.zeros(rows, dtype=bool))
    for column, limit in MAX_TEXT_LENGTH.items():
        if column in used:
            too_long = pc.or_(too_long, columns.longer_than(used[column], limit))
    return too_long


def _reasons(too_long, no_id, raw_amount, bad_amount, raw_date, bad_date, rejected) -> pa.StructArray:
    """For the rejected rows only: the kind of problem, and the text that goes in the quarantine file."""
    too_long, no_id, raw_amount, bad_amount, raw_date, bad_date = (
        pc.filter(a, rejected) for a in (too_long, no_id, raw_amount, bad_amount, raw_date, bad_date)
    )
    amount_empty = columns.empty(raw_amount)
    date_empty = columns.empty(raw_date)
    kind = pc.case_when(
        pc.make_struct(
            too_long,
            no_id,
            pc.and_(bad_amount, amount_empty),
            bad_amount,
            pc.and_(bad_date, date_empty),
            pa.array(np.ones(len(no_id), dtype=bool)),
            field_names=["t", "a", "b", "c", "d", "e"],
        ),
        "value too long",
        "missing order_id",
        "missing amount",
        "unparseable amount",
        "missing order_date",
        "unparseable order_date",
    )
    detail = pc.if_else(pc.and_(bad_amount, pc.invert(no_id)), raw_amount, raw_date)
    unparseable = pc.starts_with(kind, "unparseable")
    text = pc.if_else(
        unparseable, pc.binary_join_element_wise(kind, pc.utf8_slice_codeunits(detail, 0, 40), ": "), kind
    )
    return pc.make_struct(kind, text, field_names=["kind", "text"])
