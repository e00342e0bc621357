"""Grain: what one row of the file is, decided once per file from evidence, then applied.

- `order`: one row per order (no order id repeats).
- `line_items`: rows of one order differ in a line column (line id, SKU, product): they are summed
  into the order (amount and quantity; customer, status, date and the other dimensions from the
  lines, the last non-empty one winning); rows without an amount are continuation lines of their
  order (Shopify-style). `line_count` says how many lines made the order.
- `history`: rows of one order differ only in other columns (status, date, amount): the last row
  wins, as an order's latest state.
Rows identical in every mapped column are exact duplicates in any grain: the last copy is kept.
Evidence is counted on the rows whose order id repeats; a majority decides between line items and
history. Staff can override the decision (the upload's `grain` metadata).
"""

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .amounts import AMOUNT_TYPE
from .chunk import LINE_FIELDS

GRAINS = ("order", "line_items", "history")
_LAST = ["customer", "status", "order_date", "product", "category", "region", "country", "channel"]


@dataclass
class Evidence:
    lines: int = 0
    orders: int = 0
    repeated_orders: int = 0
    orders_with_differing_lines: int = 0
    orders_with_one_amount: int = 0  # of those, orders whose lines all carry the same amount
    exact_duplicates: int = 0

    def add(self, other: "Evidence") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def grain(self, has_line_column: bool) -> str:
        if not self.repeated_orders:
            return "order"
        if has_line_column and self.orders_with_differing_lines * 2 >= self.repeated_orders:
            return "line_items"
        return "history"

    @property
    def amount_is_order_total(self) -> bool:
        """Every order of several lines carries one amount on all of them (at least two such
        orders): the amount column is the order's total repeated per line (WooCommerce), counted once."""
        return self.orders_with_differing_lines >= 2 and self.orders_with_one_amount == self.orders_with_differing_lines


@dataclass
class Orders:
    """One bucket's outcome: one row per order, and what became of the other lines."""

    table: pa.Table  # LINE_FIELDS less line_id, plus line_count and source_line
    rejected_lines: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # no amount at all
    duplicates: int = 0
    superseded: int = 0
    merged: int = 0


def _many(lines: pa.Table) -> tuple[pa.Array, int]:
    """The order ids that come on more than one line, and how many ids there are."""
    counts = lines.group_by("order_id").aggregate([("line", "count")])
    return pc.filter(counts.column("order_id"), pc.greater(counts.column("line_count"), 1)), counts.num_rows


def _of(lines: pa.Table, ids: pa.Array) -> pa.Array:
    return pc.is_in(lines.column("order_id"), value_set=ids)


def without_exact_duplicates(lines: pa.Table, repeated: pa.Array) -> tuple[pa.Table, int]:
    """The lines less rows identical to a later one in every mapped column; how many those were.
    Only lines of repeated ids (`repeated`, a mask) can be duplicates."""
    subset = lines.filter(repeated)
    # The last copy stays: where it stands decides which version of an order is the latest.
    last = subset.group_by(LINE_FIELDS, use_threads=False).aggregate([("line", "max")]).column("line_max")
    duplicate = pc.and_(repeated, pc.invert(pc.is_in(lines.column("line"), value_set=last)))
    count = pc.sum(pc.cast(duplicate, pa.int64())).as_py() or 0
    return (lines.filter(pc.invert(duplicate)), count) if count else (lines, 0)


def line_key(lines: pa.Table) -> pa.Array:
    return pc.coalesce(lines.column("line_id"), lines.column("product"))


def evidence(lines: pa.Table) -> Evidence:
    many, ids = _many(lines)
    found = Evidence(lines=lines.num_rows, orders=ids)
    if not len(many):
        return found
    distinct, found.exact_duplicates = without_exact_duplicates(lines, _of(lines, many))
    distinct = distinct.filter(_of(distinct, many))
    keyed = pa.table(
        {"order_id": distinct.column("order_id"), "key": line_key(distinct), "amount": distinct.column("amount")}
    )
    groups = keyed.group_by("order_id").aggregate(
        [("key", "count_distinct"), ([], "count_all"), ("amount", "count_distinct")]
    )
    found.repeated_orders = pc.sum(pc.cast(pc.greater(groups.column("count_all"), 1), pa.int64())).as_py() or 0
    differing = pc.greater(groups.column("key_count_distinct"), 1)
    found.orders_with_differing_lines = pc.sum(pc.cast(differing, pa.int64())).as_py() or 0
    one_amount = pc.and_(differing, pc.less_equal(groups.column("amount_count_distinct"), 1))
    found.orders_with_one_amount = pc.sum(pc.cast(one_amount, pa.int64())).as_py() or 0
    return found


def orders(lines: pa.Table, grain: str, order_total: bool = False) -> Orders:
    """The bucket's lines (in file order) as one row per order under `grain`. Lines of ids that
    come once are orders as they are; only repeated ids are grouped."""
    many, _ = _many(lines)
    duplicates = 0
    if len(many):
        lines, duplicates = without_exact_duplicates(lines, _of(lines, many))
        repeated = _of(lines, many)
        single, multi = lines.filter(pc.invert(repeated)), lines.filter(repeated)
    else:
        single, multi = lines, None
    result = _single(single)
    if multi is not None and multi.num_rows:
        grouped = _summed(multi, order_total) if grain == "line_items" else _last_wins(multi)
        result.table = pa.concat_tables([result.table, grouped.table.select(result.table.column_names)])
        result.rejected_lines = np.concatenate([result.rejected_lines, grouped.rejected_lines])
        result.superseded, result.merged = grouped.superseded, grouped.merged
    result.duplicates = duplicates
    return result


def _single(lines: pa.Table) -> Orders:
    """Lines whose order id comes once: each is its order (one without an amount is rejected)."""
    priced = pc.is_valid(lines.column("amount"))
    rejected = lines.filter(pc.invert(priced)).column("line").to_numpy()
    lines = lines.filter(priced)
    table = lines.select([c for c in LINE_FIELDS if c != "line_id"])
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
            "amount": pc.cast(grouped.column("amount_max" if order_total else "amount_sum"), AMOUNT_TYPE),
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
    grouped = lines.group_by("order_id").aggregate([("line", "max"), ("line", "min")])
    winners = lines.filter(pc.is_in(lines.column("line"), value_set=grouped.column("line_max")))
    at = pc.index_in(winners.column("order_id"), value_set=grouped.column("order_id"))
    table = winners.select([c for c in LINE_FIELDS if c != "line_id"])
    table = table.append_column("line_count", pa.repeat(pa.scalar(1, pa.int32()), winners.num_rows))
    table = table.append_column("source_line", pc.take(grouped.column("line_min"), at))
    table = table.append_column("source_lines", pa.nulls(winners.num_rows, pa.string()))
    return Orders(table, rejected, superseded=lines.num_rows - winners.num_rows)
