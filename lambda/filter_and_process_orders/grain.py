"""Grain: what one row of the file is, decided once per file from evidence, then applied.

- `order`: one row per order (no order id repeats).
- `line_items`: rows of one order differ in a line column (line id, SKU, product): they are summed
  into the order (amount and quantity; customer, status, date and the other dimensions from the
  lines, the last non-empty one winning); rows without an amount are continuation lines of their
  order (Shopify-style). `line_count` says how many lines made the order.
- `history`: rows of one order differ only in other columns (status, date, amount): the last row
  wins, as an order's latest state.
Rows identical in every mapped column are exact duplicates in any grain: the last copy is kept.
Lines carry exact amounts; an order's amount is rounded to cents once, here (`amounts.to_cents`).
Evidence (`evidence`) is counted on the rows whose order id repeats; a majority decides between
line items and history. Staff can override the decision (the upload's `grain` metadata).
"""

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .amounts import to_cents
from .chunk import LINE_FIELDS
from .evidence import of, repeated_ids

GRAINS = ("order", "line_items", "history")
_LAST = ["customer", "status", "order_date", "product", "category", "region", "country", "channel"]


@dataclass
class Orders:
    """One bucket's outcome: one row per order, and what became of the other lines."""

    table: pa.Table  # LINE_FIELDS less line_id, plus line_count and source_line
    rejected_lines: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # no amount at all
    superseded: int = 0
    merged: int = 0


def orders(lines: pa.Table, grain: str, order_total: bool = False) -> Orders:
    """The bucket's lines (in file order, exact duplicates already dropped: see `evidence`) as one
    row per order under `grain`. Lines of ids that come once are orders as they are; only repeated
    ids are grouped."""
    many, _ = repeated_ids(lines)
    if len(many):
        repeated = of(lines, many)
        single, multi = lines.filter(pc.invert(repeated)), lines.filter(repeated)
    else:
        single, multi = lines, None
    result = _single(single)
    if multi is not None and multi.num_rows:
        grouped = _summed(multi, order_total) if grain == "line_items" else _last_wins(multi)
        result.table = pa.concat_tables([result.table, grouped.table.select(result.table.column_names)])
        result.rejected_lines = np.concatenate([result.rejected_lines, grouped.rejected_lines])
        result.superseded, result.merged = grouped.superseded, grouped.merged
    return result


def _single(lines: pa.Table) -> Orders:
    """Lines whose order id comes once: each is its order (one without an amount is rejected)."""
    priced = pc.is_valid(lines.column("amount"))
    rejected = lines.filter(pc.invert(priced)).column("line").to_numpy()
    lines = lines.filter(priced)
    table = _with_cents(lines.select([c for c in LINE_FIELDS if c != "line_id"]))
    table = table.append_column("line_count", pa.repeat(pa.scalar(1, pa.int32()), lines.num_rows))
    table = table.append_column("source_line", lines.column("line"))
    return Orders(table.append_column("source_lines", pa.nulls(lines.num_rows, pa.string())), rejected)


def _summed(lines: pa.Table, order_total: bool) -> Orders:
    """Lines summed into orders; with `order_total`, the amount is the order's (the same on each line)."""
    aggregations = [
        ("amount", "max" if order_total else "sum"),
        ("amount", "count"),
        ("quantity", "sum"),
        ("line", "min"),
        ("line", "count"),
        ("line", "list"),
    ]
    grouped = lines.group_by("order_id", use_threads=False).aggregate(aggregations + [(c, "last") for c in _LAST])
    priced = pc.greater(grouped.column("amount_count"), 0)
    unpriced_ids = pc.filter(grouped.column("order_id"), pc.invert(priced))
    rejected = lines.filter(pc.is_in(lines.column("order_id"), value_set=unpriced_ids)).column("line")
    grouped = grouped.filter(priced)
    table = pa.table(
        {
            "order_id": grouped.column("order_id"),
            **{c: grouped.column(f"{c}_last") for c in _LAST},
            "amount": to_cents(grouped.column("amount_max" if order_total else "amount_sum")),
            "quantity": grouped.column("quantity_sum"),
            "line_count": pc.cast(grouped.column("line_count"), pa.int32()),
            "source_line": grouped.column("line_min"),
            "source_lines": pc.binary_join(pc.cast(grouped.column("line_list"), pa.list_(pa.string())), ","),
        }
    )
    merged = lines.num_rows - len(rejected) - table.num_rows
    return Orders(table, rejected.to_numpy(), merged=merged)


def _last_wins(lines: pa.Table) -> Orders:
    priced = pc.is_valid(lines.column("amount"))
    rejected = lines.filter(pc.invert(priced)).column("line").to_numpy()
    lines = lines.filter(priced)
    grouped = lines.group_by("order_id", use_threads=False).aggregate([("line", "max"), ("line", "min")])
    winners = lines.filter(pc.is_in(lines.column("line"), value_set=grouped.column("line_max")))
    at = pc.index_in(winners.column("order_id"), value_set=grouped.column("order_id"))
    table = _with_cents(winners.select([c for c in LINE_FIELDS if c != "line_id"]))
    table = table.append_column("line_count", pa.repeat(pa.scalar(1, pa.int32()), winners.num_rows))
    table = table.append_column("source_line", pc.take(grouped.column("line_min"), at))
    table = table.append_column("source_lines", pa.nulls(winners.num_rows, pa.string()))
    return Orders(table, rejected, superseded=lines.num_rows - winners.num_rows)


def _with_cents(table: pa.Table) -> pa.Table:
    """The table with its exact `amount` rounded to cents (one line is the whole order)."""
    return table.set_column(table.schema.get_field_index("amount"), "amount", to_cents(table.column("amount")))
