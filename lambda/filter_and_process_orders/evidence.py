"""Grain evidence and exact duplicates, per dedup bucket (see `grain`).

A bucket's lines are sifted once: exact duplicates (rows identical in every mapped column) are
dropped, keeping the last copy (named by its first copy's line: `copies.Copies`); the lines
whose order id then comes once are orders whatever the grain; the lines of ids that still repeat
are what the file's grain decides about, so they alone are named for `grain.orders` (by position,
with their id's number in the bucket) and counted as evidence.
"""

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import one_array
from .buckets import id_numbers
from .contract import LINE_COLUMNS, ORDER_TOTAL_HEADERS
from .copies import Copies
from .duplicates import amount_words, exact_duplicates
from .mapping import normalise_header

GROUP = "group"  # the line's order id as a number, the same for every line of that id in the bucket
FIRST_LINES = 5  # first lines kept of orders whose rows differ in a line column


@dataclass
class Evidence:
    lines: int = 0
    orders: int = 0
    repeated_orders: int = 0
    orders_with_differing_lines: int = 0
    # Repeated orders (line column or not, not rejected whole) whose lines carry an amount, all the same;
    # of those, the orders whose lines differ in a line column, and the orders whose lines that carry the
    # amount (two or more) differ in quantity (not counted in a bucket where an order carries two
    # amounts: the amounts are no order totals then, whatever the quantities).
    orders_with_one_amount: int = 0
    orders_with_one_amount_differing_lines: int = 0
    orders_with_one_amount_differing_quantities: int = 0
    orders_with_differing_amounts: int = 0  # repeated orders (line column or not) carrying two amounts or more
    exact_duplicates: int = 0
    amount_header: str = ""  # the amount column's header (the file's): set once per file, not counted
    # The first lines of orders whose rows differ in a line column, found in buckets where such orders
    # are a minority (as in a file read as history, where they are warned about): at most FIRST_LINES.
    differing_first_lines: list[int] = field(default_factory=list)

    def add(self, other: "Evidence") -> None:
        for name in self.__dataclass_fields__:
            if name == "differing_first_lines":
                self.differing_first_lines = sorted(self.differing_first_lines + other.differing_first_lines)
                del self.differing_first_lines[FIRST_LINES:]
            elif name != "amount_header":
                setattr(self, name, getattr(self, name) + getattr(other, name))

    def grain(self, has_line_column: bool) -> str:
        if not self.repeated_orders:
            return "order"
        if has_line_column and self.orders_with_differing_lines * 2 >= self.repeated_orders:
            return "line_items"
        return "history"

    def certain(self, has_line_column: bool, lines_left: int) -> tuple[str, bool] | None:
        """The file's grain and `amount_is_order_total` when no evidence from `lines_left` more lines
        can change them (at most lines_left // 2 more repeated orders, differing in their lines or
        not); None while it still can. The counts only grow: once an order carries two amounts, the
        amounts are no order totals."""
        if not lines_left:
            return self.grain(has_line_column), self.amount_is_order_total
        more = lines_left // 2
        differing = self.orders_with_differing_lines
        if 2 * differing + more < self.repeated_orders:  # line items could no longer win
            return "history", False
        if has_line_column and 2 * differing >= self.repeated_orders + more and self.orders_with_differing_amounts:
            return "line_items", False
        return None

    @property
    def amount_is_order_total(self) -> bool:
        """The amount column is the order's total repeated on each of its lines (WooCommerce's "Order
        Total Amount"), counted once (README "Grain"): every order of several lines (exact duplicates
        out) carries one amount on all of them that carry one, whether or not its lines differ in their
        line column (review B7-10: 20.00 and 10.00 on one product are two lines, not a total), at least
        one of them differing in its lines, and something says so, as fixed-price line items alone would
        look the same: the column's header names an order total (`names_order_total`: then one such
        order is enough, as in a small export of a day's orders), or, with at least two such orders, the
        lines of one of them that carry the amount (two or more: not Shopify's first line only) differ
        in quantity while their amounts do not (a line total would follow it), whatever their product
        (review B8-7: one product at 20.00 for 1 and for 3 is no line total either). An order rejected
        whole (no amount, or no date, on any line) is no evidence either way."""
        if not self.orders_with_one_amount_differing_lines or self.orders_with_differing_amounts:
            return False
        return names_order_total(self.amount_header) or (
            self.orders_with_one_amount >= 2 and self.orders_with_one_amount_differing_quantities > 0
        )

    @property
    def order_total_reason(self) -> str:
        """Why `amount_is_order_total` holds, in words for the warning."""
        if names_order_total(self.amount_header):
            return f"its header “{self.amount_header}” names an order total"
        n = self.orders_with_one_amount_differing_quantities
        return f"{n:,} {'order carries' if n == 1 else 'orders carry'} one amount on lines of differing quantities"


def names_order_total(header: str) -> bool:
    """Whether an amount column's header names an order's total (normalised as `mapping.normalise_header`):
    `ORDER_TOTAL_HEADERS`, or a name that starts with "ordertotal" or "grandtotal" (Magento's "Grand
    Total (Base)")."""
    name = normalise_header(header)
    return name in ORDER_TOTAL_HEADERS or name.startswith(("ordertotal", "grandtotal"))


@dataclass
class Repeated:
    """The lines of a bucket's ids that come more than once (exact duplicates out), named by position
    instead of copied: the grain step takes from `lines` only what it keeps."""

    lines: pa.Table  # the bucket's lines (LINE_SCHEMA), in file order
    rows: np.ndarray  # positions of the repeated ids' lines in `lines`, ascending (int64)
    group: np.ndarray  # their id's number in the bucket, the same for every line of one id (int32)
    copies: Copies | None = None  # the bucket's exact duplicates


@dataclass
class Sifted:
    evidence: Evidence
    lines: pa.Table  # the bucket's lines
    single: np.ndarray | None  # mask of `lines`: the lines of ids that come once (None: every line)
    repeated: Repeated | None  # the lines of ids that come more than once
    copies: Copies | None = None  # the bucket's exact duplicates


def sift(lines: pa.Table) -> Sifted:
    """One bucket's lines (LINE_SCHEMA, in file order) sifted; see the module's docstring."""
    found = Evidence(lines=lines.num_rows)
    group = id_numbers(lines.column("order_id").combine_chunks())
    counts = np.bincount(group)
    found.orders = len(counts)
    candidates = np.flatnonzero(counts[group] > 1)
    if not len(candidates):
        return Sifted(found, lines, None, None)
    copies = exact_duplicates(lines, candidates, group[candidates])
    if copies is None:
        many = counts[group] > 1
        single = ~many
    else:
        found.exact_duplicates = len(copies.dropped)
        counts -= np.bincount(group[copies.dropped], minlength=len(counts))
        kept = np.ones(lines.num_rows, bool)
        kept[copies.dropped] = False
        many = (counts[group] > 1) & kept
        single = kept & (counts[group] == 1)
    if not many.any():
        return Sifted(found, lines, single, None, copies)
    rows = np.flatnonzero(many)
    repeated = Repeated(lines, rows, group[rows], copies)
    _count(found, repeated, counts > 1)
    return Sifted(found, lines, single, repeated, copies)


def _count(found: Evidence, repeated: Repeated, many: np.ndarray) -> None:
    """The evidence of a bucket's repeated ids: how many, how many of them differ in their line
    column (line id, else product); how many carry two amounts or more, and how many one amount on
    every line that carries one, of those how many differ in their line column and how many differ in
    quantity on their lines that carry the amount (`many`: by id number, whether it repeats). An id
    none of whose lines has an amount, or a date, is rejected whole: it carries neither one amount nor
    two. An amount or quantity holds one value in an order when its smallest and largest (the
    decimal's integer) are equal; a line key when each line's equals one line's of its order (compared
    as text: no hash of every key)."""
    lines, group, at = repeated.lines, repeated.group, pa.array(repeated.rows)
    keys = [lines.column(c).take(at) for c in LINE_COLUMNS if lines.column(c).null_count < lines.num_rows]
    texts = pc.coalesce(*keys) if len(keys) > 1 else keys[0] if keys else pa.nulls(len(at), pa.string())
    differing = _texts_differ(group, len(many), texts)
    found.repeated_orders = int(many.sum())
    found.orders_with_differing_lines = int(differing.sum())
    if not keys:  # no line column in the bucket (us, own): never line items, the amounts tell nothing more
        return
    if 0 < 2 * found.orders_with_differing_lines < found.repeated_orders:  # a minority: named if read as history
        line = lines.column("line").to_numpy()[repeated.rows]
        first = np.zeros(len(many), np.int64)
        first[group[::-1]] = line[::-1]  # the scatter leaves each order's first line (lines ascend)
        found.differing_first_lines = np.sort(first[differing])[:FIRST_LINES].tolist()
    amount = lines.column("amount").take(at).combine_chunks()
    valid = pc.is_valid(amount).to_numpy(zero_copy_only=False)
    low, high = amount_words(amount)
    size, dates = len(many), lines.column("order_date")
    kept = np.bincount(group[valid], minlength=size) > 0  # not rejected whole (missing_amount) ...
    if dates.null_count:  # ... nor missing_order_date
        dated = pc.is_valid(dates.take(at).combine_chunks()).to_numpy(zero_copy_only=False)
        kept &= np.bincount(group[dated], minlength=size) > 0
    two_amounts = kept & (_spread(group, size, low, valid) | _spread(group, size, high, valid))
    found.orders_with_differing_amounts = int(two_amounts.sum())
    one_amount = kept & ~two_amounts
    found.orders_with_one_amount = int(one_amount.sum())
    found.orders_with_one_amount_differing_lines = int((one_amount & differing).sum())
    quantity = lines.column("quantity")
    if (
        found.orders_with_one_amount
        and not found.orders_with_differing_amounts
        and quantity.null_count < lines.num_rows
    ):
        # The amount on two lines or more (not Shopify's, on the first line only), whose quantities differ.
        repeated_amount = one_amount & (np.bincount(group[valid], minlength=len(many)) > 1)
        quantity = quantity.take(at).combine_chunks()
        valid = valid & pc.is_valid(quantity).to_numpy(zero_copy_only=False)
        values = pc.fill_null(quantity, 0).to_numpy(zero_copy_only=False)
        found.orders_with_one_amount_differing_quantities = int(
            (repeated_amount & _spread(group, len(many), values, valid)).sum()
        )


def _texts_differ(group: np.ndarray, size: int, texts: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per group number (0 to size - 1): whether its non-null texts are not all the same."""
    texts = one_array(texts)
    if texts.null_count == len(texts):
        return np.zeros(size, bool)
    at = np.flatnonzero(pc.is_valid(texts).to_numpy(zero_copy_only=False)) if texts.null_count else None
    rows = np.arange(len(texts)) if at is None else at
    one = np.zeros(size, np.int64)
    one[group[rows]] = rows  # a row with a text in each group (the one a scatter leaves)
    mine = texts if at is None else texts.take(pa.array(at))
    same = pc.equal(mine, texts.take(pa.array(one[group[rows]]))).to_numpy(zero_copy_only=False)
    return np.bincount(group[rows[~same]], minlength=size) > 0


def _spread(group: np.ndarray, size: int, values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per group number (0 to size - 1): whether its valid values (where `valid`) are not all equal."""
    group, values = group[valid], values[valid].astype(np.int64)
    low, high = np.full(size, np.iinfo(np.int64).max), np.full(size, np.iinfo(np.int64).min)
    np.minimum.at(low, group, values)
    np.maximum.at(high, group, values)
    return low < high
