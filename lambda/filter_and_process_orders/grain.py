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

from .chunk import LINE_FIELDS

GRAINS = ("order", "line_items", "history")
_LAST = ["customer", "status", "order_date", "product", "category", "region", "country", "channel"]


@dataclass
class Evidence:
    lines: int = 0
    orders: int = 0
    repeated_orders: int = 0
    orders_with_differing_lines: int = 0
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


@dataclass
class Orders:
    """One bucket's outcome: one row per order, and what became of the other lines."""

    table: pa.Table  # LINE_FIELDS less line_id, plus line_count and source_line
    rejected_lines: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # no amount at all
    duplicates: int = 0
    superseded: int = 0
    merged: int = 0


def _repeated(lines: pa.Table) -> pa.Array:
    counts = lines.group_by("order_id").aggregate([("line", "count")])
    many = pc.filter(counts.column("order_id"), pc.greater(counts.column("line_count"), 1))
    return pc.is_in(lines.column("order_id"), value_set=many)


def without_exact_duplicates(lines: pa.Table) -> tuple[pa.Table, int]:
    """The lines less rows identical to a later one in every mapped column; how many those were."""
    repeated = _repeated(lines)
    if not pc.any(repeated).as_py():
        return lines, 0
    subset = lines.filter(repeated)
    # The last copy stays: where it stands decides which version of an order is the latest.
    last = subset.group_by(LINE_FIELDS, use_threads=False).aggregate([("line", "max")]).column("line_max")
    duplicate = pc.and_(repeated, pc.invert(pc.is_in(lines.column("line"), value_set=last)))
    count = pc.sum(pc.cast(duplicate, pa.int64())).as_py() or 0
    return (lines.filter(pc.invert(duplicate)), count) if count else (lines, 0)


def line_key(lines: pa.Table) -> pa.Array:
    return pc.coalesce(lines.column("line_id"), lines.column("product"))


def evidence(lines: pa.Table) -> Evidence:
    distinct, duplicates = without_exact_duplicates(lines)
    found = Evidence(lines=lines.num_rows, exact_duplicates=duplicates)
    keyed = pa.table({"order_id": distinct.column("order_id"), "key": line_key(distinct)})
    groups = keyed.group_by("order_id").aggregate([("key", "count_distinct"), ([], "count_all")])
    found.orders = groups.num_rows
    found.repeated_orders = pc.sum(pc.cast(pc.greater(groups.column("count_all"), 1), pa.int64())).as_py() or 0
    differing = pc.greater(groups.column("key_count_distinct"), 1)
    found.orders_with_differing_lines = pc.sum(pc.cast(differing, pa.int64())).as_py() or 0
    return found


def orders(lines: pa.Table, grain: str) -> Orders:
    """The bucket's lines (in file order) as one row per order under `grain`."""
    distinct, duplicates = without_exact_duplicates(lines)
    if grain == "line_items":
        result = _summed(distinct)
    else:
        result = _last_wins(distinct)
    result.duplicates = duplicates
    return result


def _summed(lines: pa.Table) -> Orders:
    aggregations = [("amount", "sum"), ("amount", "count"), ("quantity", "sum"), ("line", "min"), ("line", "count")]
    grouped = lines.group_by("order_id", use_threads=False).aggregate(aggregations + [(c, "last") for c in _LAST])
    priced = pc.greater(grouped.column("amount_count"), 0)
    unpriced_ids = pc.filter(grouped.column("order_id"), pc.invert(priced))
    rejected = lines.filter(pc.is_in(lines.column("order_id"), value_set=unpriced_ids)).column("line")
    grouped = grouped.filter(priced)
    table = pa.table(
        {
            "order_id": grouped.column("order_id"),
            **{c: grouped.column(f"{c}_last") for c in _LAST[:3]},
            "amount": grouped.column("amount_sum"),
            **{c: grouped.column(f"{c}_last") for c in _LAST[3:]},
            "quantity": grouped.column("quantity_sum"),
            "line_count": pc.cast(grouped.column("line_count"), pa.int32()),
            "source_line": grouped.column("line_min"),
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
    if winners.num_rows != grouped.num_rows:  # pragma: no cover - lines are unique
        raise AssertionError("two winners for one order")
    first = pc.take(
        grouped.column("line_min"), pc.index_in(winners.column("order_id"), value_set=grouped.column("order_id"))
    )
    table = pa.table(
        {
            **{c: winners.column(c) for c in ["order_id", "customer", "status", "order_date", "amount"] + _LAST[3:]},
            "quantity": winners.column("quantity"),
            "line_count": pa.repeat(pa.scalar(1, pa.int32()), winners.num_rows),
            "source_line": first,
        }
    )
    return Orders(table, rejected, superseded=lines.num_rows - winners.num_rows)
