"""Grain evidence, counted per dedup bucket on the rows whose order id repeats (see `grain`).

Exact duplicates (rows identical in every mapped column) are found here, once per bucket: the
bucket's lines without them are what `grain.orders` later turns into orders.
"""

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .chunk import LINE_FIELDS


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


def repeated_ids(lines: pa.Table) -> tuple[pa.Array, int]:
    """The order ids that come on more than one line, and how many ids there are."""
    counts = lines.group_by("order_id", use_threads=False).aggregate([("line", "count")])
    return pc.filter(counts.column("order_id"), pc.greater(counts.column("line_count"), 1)), counts.num_rows


def of(lines: pa.Table, ids: pa.Array) -> pa.Array:
    """Mask: the lines whose order id is in `ids`."""
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


def _count(mask: pa.Array) -> int:
    return pc.sum(pc.cast(mask, pa.int64())).as_py() or 0


def evidence(lines: pa.Table) -> tuple[Evidence, pa.Table | None]:
    """One bucket's evidence, and its lines less exact duplicates (None when it has none)."""
    many, ids = repeated_ids(lines)
    found = Evidence(lines=lines.num_rows, orders=ids)
    if not len(many):
        return found, None
    distinct, found.exact_duplicates = without_exact_duplicates(lines, of(lines, many))
    repeated = distinct.filter(of(distinct, many))
    keyed = pa.table(
        {"order_id": repeated.column("order_id"), "key": line_key(repeated), "amount": repeated.column("amount")}
    )
    groups = keyed.group_by("order_id", use_threads=False).aggregate(
        [("key", "count_distinct"), ([], "count_all"), ("amount", "count_distinct")]
    )
    found.repeated_orders = _count(pc.greater(groups.column("count_all"), 1))
    differing = pc.greater(groups.column("key_count_distinct"), 1)
    found.orders_with_differing_lines = _count(differing)
    found.orders_with_one_amount = _count(pc.and_(differing, pc.less_equal(groups.column("amount_count_distinct"), 1)))
    return found, distinct if found.exact_duplicates else None
