"""Grain: what one row of the file is, decided once per file from evidence, then applied.

- `order`: one row per order (no order id repeats).
- `line_items`: rows of one order differ in a line column (line id, SKU, product): they are summed
  into the order (amount and quantity; customer, status, date and the other dimensions from the
  lines, the last non-empty one winning); rows without an amount are continuation lines of their
  order (Shopify-style). `line_count` says how many lines made the order. An order whose lines sum
  past MAX_AMOUNT (the most decimal(12,2) holds) is rejected with its lines, `amount_too_large`.
- `history`: rows of one order differ only in other columns (status, date, amount): the last row
  wins, as an order's latest state.
Rows identical in every mapped column are exact duplicates in any grain: the last copy is kept.
Lines carry exact amounts; an order's amount is rounded to cents once, here (`amounts.to_cents`).
Evidence (`evidence`) is counted on the rows whose order id repeats; a majority decides between
line items and history. Staff can override the decision (the upload's `grain` metadata).
"""

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .amounts import MAX_AMOUNT, to_cents
from .chunk import LINE_FIELDS
from .evidence import GROUP

GRAINS = ("order", "line_items", "history")
_LAST = ["customer", "status", "order_date", "product", "category", "region", "country", "channel"]
_ORDER_FIELDS = [c for c in LINE_FIELDS if c != "line_id"]


@dataclass
class Orders:
    """One bucket's outcome: one row per order, and what became of the other lines."""

    table: pa.Table  # LINE_FIELDS less line_id, plus line_count, source_line and source_lines
    rejected_lines: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # no amount at all
    superseded: int = 0
    merged: int = 0
    too_large: pa.Table | None = None  # lines (LINE_FIELDS and line) of orders summing past MAX_AMOUNT
    rows: np.ndarray | None = None  # positions of `table` that are orders, ascending (None: every row)


def single_orders(lines: pa.Table, single: np.ndarray | None = None) -> Orders:
    """The lines (where `single`, a mask; default all) whose order id comes once (see
    `evidence.sift`): each is its order, in any grain (one without an amount is rejected). The
    table is every line as an order, `rows` says which are: the writer takes them once, in the
    order it writes them, instead of a copy here and another there."""
    amount = lines.column("amount")
    rejected = np.empty(0, np.int64)
    if amount.null_count:
        priced = pc.is_valid(amount).to_numpy(zero_copy_only=False)
        unpriced = ~priced if single is None else single & ~priced
        rejected = lines.column("line").to_numpy()[unpriced]
        single = priced if single is None else single & priced
    rows = None if single is None or single.all() else np.flatnonzero(single)
    return Orders(_one_line_each(lines, lines.column("line")), rejected, rows=rows)


def orders(repeated: pa.Table, grain: str, order_total: bool = False) -> Orders:
    """Lines of ids that come more than once in the bucket (in file order, exact duplicates dropped,
    with their GROUP: see `evidence.sift`) as one row per order under `grain`."""
    return _summed(repeated, order_total) if grain == "line_items" else _last_wins(repeated)


def _summed(lines: pa.Table, order_total: bool) -> Orders:
    """Lines summed into orders; with `order_total`, the amount is the order's (the same on each line).
    Each dimension comes from the order's last line that has it: the largest position of a valid value."""
    n = lines.num_rows
    position = pa.array(np.arange(n))
    at = {c: _where_valid(position, lines.column(c)) for c in _LAST if lines.column(c).null_count < n}
    keyed = pa.table(
        {
            GROUP: lines.column(GROUP),
            "position": position,
            **{c: lines.column(c) for c in ("amount", "quantity", "line")},
            **{f"at_{c}": a for c, a in at.items()},
        }
    )
    aggregations = [
        ("amount", "max" if order_total else "sum"),
        ("amount", "count"),
        ("quantity", "sum"),
        ("position", "min"),
        ("line", "count"),
        ("line", "list"),
        *((f"at_{c}", "max") for c in at),
    ]
    grouped = keyed.group_by(GROUP, use_threads=False).aggregate(aggregations)
    priced = pc.greater(grouped.column("amount_count"), 0)
    rejected = np.empty(0, np.int64)
    if not pc.all(priced).as_py():
        rejected = lines.column("line").filter(_lines_of_groups(lines, grouped, pc.invert(priced))).to_numpy()
        grouped = grouped.filter(priced)
    total = grouped.column("amount_max" if order_total else "amount_sum").combine_chunks()
    # An order whose cents (rounded once) would not fit decimal(12,2) is rejected with its lines.
    fits = pc.less(pc.abs(total), pa.scalar(MAX_AMOUNT + Decimal("0.005"), total.type))
    too_large = None
    if not pc.all(fits).as_py():
        too_large = lines.filter(_lines_of_groups(lines, grouped, pc.invert(fits))).select([*LINE_FIELDS, "line"])
        grouped, total = grouped.filter(fits), total.filter(fits)
    first = grouped.column("position_min")
    dimensions = {
        c: lines.column(c).take(grouped.column(f"at_{c}_max")) if c in at else pa.nulls(len(first), _type(lines, c))
        for c in _LAST
    }
    table = pa.table(
        {
            "order_id": lines.column("order_id").take(first),
            **dimensions,
            "amount": to_cents(total),
            "quantity": grouped.column("quantity_sum"),
            "line_count": pc.cast(grouped.column("line_count"), pa.int32()),
            "source_line": lines.column("line").take(first),  # lines come in file order
            "source_lines": pc.binary_join(pc.cast(grouped.column("line_list"), pa.list_(pa.string())), ","),
        }
    )
    kept_out = len(rejected) + (too_large.num_rows if too_large is not None else 0)
    return Orders(table, rejected, merged=n - kept_out - table.num_rows, too_large=too_large)


def _lines_of_groups(lines: pa.Table, grouped: pa.Table, picked: pa.Array) -> pa.Array:
    """Mask of `lines`: those whose GROUP is one of `grouped`'s rows where `picked`."""
    return pc.is_in(lines.column(GROUP), value_set=pc.filter(grouped.column(GROUP), picked))


def _last_wins(lines: pa.Table) -> Orders:
    """The last priced line of each order; its source_line is the order's first priced line."""
    amount = lines.column("amount")
    rejected = np.empty(0, np.int64)
    if amount.null_count:
        priced = pc.is_valid(amount)
        rejected = lines.filter(pc.invert(priced)).column("line").to_numpy()
        lines = lines.filter(priced)
    keyed = pa.table({GROUP: lines.column(GROUP), "position": pa.array(np.arange(lines.num_rows))})
    grouped = keyed.group_by(GROUP, use_threads=False).aggregate([("position", "min_max")])
    positions = grouped.column("position_min_max").combine_chunks()
    last = np.sort(positions.field("max").to_numpy())  # the winners in file order, as the lines come
    first = positions.field("min").to_numpy()[np.argsort(positions.field("max").to_numpy())]
    winners = lines.take(pa.array(last))
    table = _one_line_each(winners, lines.column("line").take(pa.array(first)))
    return Orders(table, rejected, superseded=lines.num_rows - winners.num_rows)


def _one_line_each(lines: pa.Table, source_line) -> pa.Table:
    """Orders made of one line each (`lines`), first seen on `source_line`."""
    n = lines.num_rows
    columns = [to_cents(lines.column(c)) if c == "amount" else lines.column(c) for c in _ORDER_FIELDS]
    columns += [pa.repeat(pa.scalar(1, pa.int32()), n), source_line, pa.nulls(n, pa.string())]
    return pa.table(columns, names=[*_ORDER_FIELDS, "line_count", "source_line", "source_lines"])


def _where_valid(position: pa.Array, column: pa.ChunkedArray) -> pa.Array:
    """The positions, null where `column` is null."""
    return pc.if_else(pc.is_valid(column), position, None).combine_chunks() if column.null_count else position


def _type(lines: pa.Table, column: str) -> pa.DataType:
    return lines.schema.field(column).type
