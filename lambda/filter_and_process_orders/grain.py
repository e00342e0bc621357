"""Grain: what one row of the file is, decided once per file from evidence, then applied.

- `order`: one row per order (no order id repeats).
- `line_items`: rows of one order differ in a line column (line id, SKU, product): they are summed
  into the order (amount and quantity; customer, status, date and the other dimensions from the
  lines, the last non-empty one winning); a line that comes again alike but for its status and date
  is one line, its last row counting, the earlier ones superseded (`duplicates.line_versions`, review
  B14-2); rows without an amount are continuation lines of their
  order (Shopify-style), and so are rows without a date (Shopify writes `Created at` on an order's
  first line only). `line_count` says how many lines made the order. An order whose lines sum
  past MAX_AMOUNT (the most decimal(12,2) holds) is rejected with its lines, `amount_too_large` (a
  cell past it is rejected alone, with that code, as it is read: `amounts`).
- `history`: rows of one order differ only in other columns (status, date, amount): the last row
  wins, as an order's latest state; a column it leaves empty (a status log that writes the amount on
  the first row only) takes the order's last non-empty value, as line items do.
In every grain an order none of whose lines has an amount is rejected with its lines
(`missing_amount`), and one none of whose lines has a date likewise (`missing_order_date`); an id that
comes once is such an order of one line. (Rows with an empty amount or date are held back as they are
read, `chunk`, so that their raw text can still be rejected here.)
Rows identical in every mapped column are exact duplicates in any grain: the last copy is kept, where
it stands deciding the latest line, but named by its first copy's line (`source_line`, `source_lines`,
the lines of rejected rows): the line where the row first appears.
Lines carry exact amounts; an order's amount is rounded to cents once, here (`amounts.to_cents`).
Evidence (`evidence`) is counted on the rows whose order id repeats; a majority decides between
line items and history. Staff can override the decision (the upload's `grain` metadata).
"""

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import profile
from .amounts import MAX_AMOUNT, to_cents
from .arrow_buffers import one_array
from .buckets import nulls, take_rows
from .chunk import LINE_FIELDS
from .copies import Copies
from .duplicates import line_versions
from .evidence import Repeated
from .runs import Runs

GRAINS = ("order", "line_items", "history")
_LAST = ["customer", "status", "order_date", "product", "category", "region", "country", "channel"]
# The columns an order takes from its lines (of a history, each its last line with a cell there: `_gaps`).
ORDER_FIELDS = [c for c in LINE_FIELDS if c != "line_id"]


@dataclass
class Orders:
    """One bucket's outcome: one row per order, and what became of the other lines."""

    table: pa.Table  # LINE_FIELDS less line_id, plus line_count, source_line and source_lines
    rejected_lines: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # no amount at all
    undated_lines: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # an amount, no date at all
    superseded: int = 0
    merged: int = 0
    too_large: pa.Table | None = None  # lines (LINE_FIELDS and line) of orders summing past MAX_AMOUNT
    rows: np.ndarray | None = None  # positions of `table` that are orders, ascending (None: every row)
    unpriced_lines: np.ndarray | None = None  # lines summed into their order without an amount of their own
    version_lines: np.ndarray | None = None  # line items' earlier versions, superseded (`duplicates.line_versions`)


def single_orders(lines: pa.Table, single: np.ndarray | None = None, copies: Copies | None = None) -> Orders:
    """The lines (where `single`, a mask; default all) whose order id comes once (see
    `evidence.sift`; `copies`: the bucket's exact duplicates): each is its order, in any grain (one
    without an amount is rejected, `missing_amount`; one with an amount but no date, `missing_order_date`).
    The table is every line as an order, `rows` says which are: the writer takes them once, in the
    order it writes them, instead of a copy here and another there."""
    amount, day = lines.column("amount"), lines.column("order_date")
    rejected = undated = np.empty(0, np.int64)
    line = lines.column("line") if copies is None else pa.array(copies.named(lines.column("line").to_numpy()))
    if amount.null_count or day.null_count:
        priced, dated = _valid(amount), _valid(day)
        priced = np.ones(lines.num_rows, bool) if priced is None else priced
        dated = np.ones(lines.num_rows, bool) if dated is None else dated
        mine = np.ones(lines.num_rows, bool) if single is None else single
        named = line.to_numpy()
        rejected, undated = named[mine & ~priced], named[mine & priced & ~dated]
        single = mine & priced & dated
    rows = None if single is None or single.all() else np.flatnonzero(single)
    if rows is not None and 2 * len(rows) < lines.num_rows:  # few (line items): copied, not passed over whole
        at = pa.array(rows)
        lines, line, rows = take_rows(lines, at), line.take(at), None
    return Orders(_one_line_each(lines, line), rejected, undated, rows=rows)


def orders(repeated: Repeated, grain: str, order_total: bool = False) -> Orders:
    """The lines of ids that come more than once in the bucket (by position, in file order, exact
    duplicates out, with their id numbers: see `evidence.sift`) as one row per order under `grain`."""
    return _summed(repeated, order_total) if grain == "line_items" else _last_wins(repeated)


def _summed(repeated: Repeated, order_total: bool) -> Orders:
    """Lines summed into orders; with `order_total`, the amount is the order's (the same on each line).
    Each dimension comes from the order's last line that has it: the largest position of a valid value.
    The lines are grouped by one sort (`runs.Runs`) and only numbers are reduced per order; the text
    columns are taken once per order, from the bucket. With exact duplicates, lines are named by their
    first copy's (`Copies`): source_line is an order's smallest name, source_lines its names in
    ascending order (`_joined`)."""
    lines, rows, group, copies = repeated.lines, repeated.rows, repeated.group, repeated.copies
    # A line's earlier versions (alike but for status and date) are superseded by its last, not summed.
    with profile.stage("grain.versions"):
        versions = line_versions(lines, rows, group)
    superseded = np.empty(0, np.int64)
    if versions is not None:
        line_of = one_array(lines.column("line")).to_numpy()[rows[versions]]
        superseded = line_of if copies is None else copies.named(line_of, rows[versions])
        rows, group = rows[~versions], group[~versions]
    n = len(rows)
    runs = Runs.of(group)
    line = one_array(lines.column("line")).to_numpy()[rows]
    named = line if copies is None else copies.named(line, rows)
    amount = one_array(lines.column("amount")).take(pa.array(rows))
    has_amount = _valid(amount)
    total, priced = runs.decimal_totals(amount, has_amount, largest=order_total), runs.counts(has_amount) > 0
    quantity = one_array(lines.column("quantity"))
    valid = _valid(quantity, rows)
    counted = runs.counts(valid) > 0
    quantity = pc.fill_null(quantity, 0) if valid is not None else quantity
    quantity = pa.array(runs.sums(quantity.to_numpy()[rows], valid), mask=None if counted.all() else ~counted)
    first_line = line[runs.order[runs.starts]]  # each order's first line (in file order)
    first = rows[runs.order[runs.starts]]
    at = {
        c: runs.last_valid(rows, _valid(lines.column(c), rows))
        for c in _LAST
        if lines.column(c).null_count < len(lines)
    }
    size = runs.ends - runs.starts
    sorted_named = named[runs.order]
    line_min = np.minimum.reduceat(sorted_named, runs.starts) if copies is not None and n else None
    offsets = np.r_[runs.starts, n]
    # An order none of whose lines has an amount is rejected with its lines; one with an amount but
    # no date on any line likewise (`missing_order_date`): a line item needs its order's date, not its own.
    dated = runs.counts(_valid(lines.column("order_date"), rows)) > 0
    keep = priced & dated
    rejected = undated = np.empty(0, np.int64)
    if not keep.all():
        rejected, undated = named[~priced[runs.which]], named[(priced & ~dated)[runs.which]]
    # An order whose cents (rounded once) would not fit decimal(12,2) is rejected with its lines.
    fits = pc.fill_null(pc.less(pc.abs(total), pa.scalar(MAX_AMOUNT + Decimal("0.005"), total.type)), True)
    fits = fits.to_numpy(zero_copy_only=False)
    too_large = None
    if not fits[keep].all():
        out = (~fits & keep)[runs.which]
        too_large = take_rows(lines, pa.array(rows[out])).select(LINE_FIELDS)
        too_large = too_large.append_column("line", pa.array(named[out]))
        keep = keep & fits
    # Lines without an amount of an order that has one: lines of their order (Shopify), and said (a warning).
    unpriced = np.empty(0, np.int64) if has_amount is None else named[~has_amount & keep[runs.which]]
    picked = None if keep.all() else np.flatnonzero(keep)
    if picked is not None:
        first, size, first_line = first[picked], size[picked], first_line[picked]
        total, quantity = total.take(pa.array(picked)), quantity.take(pa.array(picked))
        at = {c: a.take(pa.array(picked)) for c, a in at.items()}
        line_min = None if line_min is None else line_min[picked]
        lists = _runs_lists(offsets, sorted_named, picked)
    else:
        lists = pa.ListArray.from_arrays(pa.array(offsets), pa.array(sorted_named))
    dimensions = {c: lines.column(c).take(at[c]) if c in at else nulls(len(first), _type(lines, c)) for c in _LAST}
    table = pa.table(
        {
            "order_id": lines.column("order_id").take(pa.array(first)),
            **dimensions,
            "amount": to_cents(total),
            "quantity": quantity,
            "line_count": pa.array(size.astype(np.int32)),
            # Lines come in file order: the first position's is the first line, but for a named copy.
            "source_line": pa.array(first_line if copies is None else line_min),
            "source_lines": _joined(lists, ascending=copies is None),
        }
    )
    kept_out = len(rejected) + len(undated) + (too_large.num_rows if too_large is not None else 0)
    merged = n - kept_out - table.num_rows
    made = Orders(table, rejected, undated, merged=merged, too_large=too_large, unpriced_lines=unpriced)
    made.superseded, made.version_lines = len(superseded), superseded
    return made


def _runs_lists(offsets: np.ndarray, values: np.ndarray, picked: np.ndarray) -> pa.Array:
    """The runs `picked` of `values` (run k is values[offsets[k]:offsets[k + 1]]) as a list array."""
    sizes = np.diff(offsets)[picked]
    starts = offsets[picked]
    index = np.repeat(starts - np.r_[0, np.cumsum(sizes)[:-1]], sizes) + np.arange(sizes.sum())
    return pa.ListArray.from_arrays(pa.array(np.r_[0, np.cumsum(sizes)]), pa.array(values[index]))


def _valid(column: pa.Array | pa.ChunkedArray, rows: np.ndarray | None = None) -> np.ndarray | None:
    """Where `column` (at `rows`, default every position) is not null; None when it has no null."""
    if not column.null_count:
        return None
    valid = pc.is_valid(column).to_numpy(zero_copy_only=False)
    return valid if rows is None else valid[rows]


def _joined(lists: pa.ChunkedArray, ascending: bool) -> pa.ChunkedArray:
    """Each order's `line_list` (its lines' names in file order) as the names in ascending order,
    joined by commas. Unless `ascending` (no exact duplicates: names are lines, which ascend in file
    order), each list's names are sorted first: one sort of (list, name) words (eu 1M rows: 0.02 CPU s
    less than sorting every line by its name before the group-by, a take of each of its columns)."""
    if not ascending:
        lists = one_array(lists)
        offsets = lists.offsets.to_numpy()
        names = lists.flatten().to_numpy()
        which = np.repeat(np.arange(len(lists), dtype=np.int64), np.diff(offsets))
        if names.min(initial=0) >= 0 and names.max(initial=0) < 1 << 32:
            names = np.sort(which << 32 | names) & 0xFFFFFFFF
        else:
            names = names[np.lexsort((names, which))]
        lists = pa.ListArray.from_arrays(pa.array(offsets - offsets[0]), pa.array(names))
    return pc.binary_join(pc.cast(lists, pa.list_(pa.string())), ",")


def _last_wins(repeated: Repeated) -> Orders:
    """Each order's last line, its source_line the order's first line (a kept copy's named by its
    first copy's: `Copies`). A column the last line leaves empty (amount, date, customer, …) takes the
    order's last non-empty value (`_gaps`); an order none of whose lines has an amount is rejected
    with its lines (`missing_amount`), one none of whose lines has a date likewise (`missing_order_date`).
    The orders are taken from the bucket's lines, in the file order of their last lines: each column
    once, its empty cells filled in the same take (not a take of the bucket's whole column)."""
    lines, rows, group, copies = repeated.lines, repeated.rows, repeated.group, repeated.copies
    line = lines.column("line").to_numpy()
    # Each order's lines in file order (one sort of (id number, index) words), as a run: its first
    # and last position (cheaper than a hash group-by of a few thousand lines a bucket).
    index = np.sort(group.astype(np.int64) << 32 | np.arange(len(rows))) & 0xFFFFFFFF
    starts = np.flatnonzero(np.r_[True, group[index[1:]] != group[index[:-1]]]) if len(rows) else index
    ends = np.r_[starts[1:], len(rows)] if len(rows) else index
    in_order = rows[index]  # the lines' positions, order by order
    named = line[in_order] if copies is None else copies.named(line)[in_order]  # their names, order by order
    last = in_order[ends - 1]
    gaps = _gaps(lines, in_order, starts, ends)
    priced, dated = (gaps[c] >= 0 if c in gaps else np.ones(len(starts), bool) for c in ("amount", "order_date"))
    keep = priced & dated
    rejected = undated = np.empty(0, np.int64)
    if not keep.all():
        run = np.repeat(np.arange(len(starts)), ends - starts)
        rejected, undated = named[~priced[run]], named[(priced & ~dated)[run]]
    won = np.flatnonzero(keep)
    won = won[np.argsort(last[won])]  # in file order, as the lines come
    at = last[won]
    # The first name: the first line's, or a kept copy's first copy's when the bucket has copies.
    first = named[starts] if copies is None or not len(rows) else np.minimum.reduceat(named, starts)
    whole = take_rows(lines.select([c for c in ORDER_FIELDS if c not in gaps]), pa.array(at))
    for c, found in gaps.items():  # the empty cells' last value, where the order has one
        whole = whole.append_column(c, lines.column(c).take(pa.array(np.where(found[won] >= 0, found[won], at))))
    superseded = len(rows) - len(rejected) - len(undated) - len(won)
    table = _one_line_each(whole, pa.array(first[won]))
    return Orders(table, rejected, undated, superseded=superseded)


def _gaps(lines: pa.Table, in_order: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> dict[str, np.ndarray]:
    """For each column that some order's last line leaves empty (and amount and order_date when any
    line lacks one), per order the position of its last non-empty value, -1 where it has none. An
    order's lines are in_order[starts[k]:ends[k]], in file order. A column without an empty cell costs
    nothing; one whose last lines are all filled, a look at them."""
    last = in_order[ends - 1] if len(in_order) else in_order
    gaps = {}
    for c in ORDER_FIELDS[1:]:  # an order id is never empty
        column = lines.column(c)
        if not column.null_count or (column.null_count == len(column) and c not in ("amount", "order_date")):
            continue
        valid = pc.is_valid(column).to_numpy(zero_copy_only=False)
        if valid[last].all():
            continue
        ok = valid[in_order]
        at = np.full(len(starts), -1, np.int64)
        run = np.repeat(np.arange(len(starts)), ends - starts)
        at[run[ok]] = in_order[ok]  # a scatter in file order leaves each order's last
        gaps[c] = at
    return gaps


def _one_line_each(lines: pa.Table, source_line) -> pa.Table:
    """Orders made of one line each (`lines`), first seen on `source_line`."""
    n = lines.num_rows
    taken = [to_cents(lines.column(c)) if c == "amount" else lines.column(c) for c in ORDER_FIELDS]
    taken += [pa.repeat(pa.scalar(1, pa.int32()), n), source_line, nulls(n, pa.string())]
    return pa.table(taken, names=[*ORDER_FIELDS, "line_count", "source_line", "source_lines"])


def _type(lines: pa.Table, column: str) -> pa.DataType:
    return lines.schema.field(column).type
