"""Grain evidence and exact duplicates, per dedup bucket (see `grain`).

A bucket's lines are sifted once: exact duplicates (rows identical in every mapped column) are
dropped, keeping the last copy; the lines whose order id then comes once are orders whatever the
grain; the lines of ids that still repeat are what the file's grain decides about, so they alone are
kept for `grain.orders` (with their id's number in the bucket, GROUP) and counted as evidence.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .chunk import LINE_FIELDS

GROUP = "group"  # the line's order id as a number, the same for every line of that id in the bucket
# Odd 64-bit multipliers (from xxHash) that spread the fields' integers over a row's hash.
_MIX = np.array(
    [0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5, 0x85EBCA77C2B2AE63], np.uint64
)


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
class Sifted:
    evidence: Evidence
    lines: pa.Table  # the bucket's lines
    single: np.ndarray | None  # mask of `lines`: the lines of ids that come once (None: every line)
    repeated: pa.Table | None  # lines of ids that come more than once, in file order, plus GROUP (int32)


def sift(lines: pa.Table) -> Sifted:
    """One bucket's lines (LINE_SCHEMA, in file order) sifted; see the module's docstring."""
    found = Evidence(lines=lines.num_rows)
    group = pc.dictionary_encode(lines.column("order_id")).chunk(0).indices.to_numpy()
    counts = np.bincount(group)
    found.orders = len(counts)
    candidates = np.flatnonzero(counts[group] > 1)
    if not len(candidates):
        return Sifted(found, lines, None, None)
    duplicates = _exact_duplicates(lines, candidates, group[candidates])
    found.exact_duplicates = len(duplicates)
    counts -= np.bincount(group[duplicates], minlength=len(counts))
    kept = np.ones(lines.num_rows, bool)
    kept[duplicates] = False
    many = (counts[group] > 1) & kept
    single = kept & (counts[group] == 1)
    if not many.any():
        return Sifted(found, lines, single, None)
    repeated = lines.filter(many).append_column(GROUP, pa.array(group[many]))
    _count(found, repeated, counts > 1)
    return Sifted(found, lines, single, repeated)


def _exact_duplicates(lines: pa.Table, at: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Positions (among `at`, lines of repeated ids, whose id numbers are `group`) of rows identical
    to a later row in every mapped column. The last copy stays: where it stands decides which
    version of an order is the latest. Only rows that also share a hash of their number fields can
    be identical, and are compared field by field."""
    picked = lines.select(["amount", "order_date", "quantity"]).take(pa.array(at))
    low, high = _words(picked.column("amount").combine_chunks())
    fields = [group, low, high, _integers(picked.column("order_date")), _integers(picked.column("quantity"))]
    hashed = np.zeros(len(at), np.uint64)
    for values, mix in zip(fields, _MIX):
        hashed ^= values.astype(np.uint64) * mix
    _, inverse, counts = np.unique(hashed, return_inverse=True, return_counts=True)
    alike = at[counts[inverse] > 1]
    if not len(alike):
        return alike
    rows = lines.take(pa.array(alike))
    last = rows.group_by(LINE_FIELDS, use_threads=False).aggregate([("line", "max")]).column("line_max")
    copy = np.isin(rows.column("line").to_numpy(), last.to_numpy(), invert=True)
    return alike[copy]


def _count(found: Evidence, repeated: pa.Table, many: np.ndarray) -> None:
    """The evidence of a bucket's repeated ids: how many, how many of them differ in their line
    column (line id, else product), and of those how many carry one amount on every line (`many`:
    by id number, whether it repeats). A column holds one value in an order when its smallest and
    largest (as numbers: the key's code, the amount's integer) are equal."""
    group = repeated.column(GROUP).to_numpy()
    key = pc.dictionary_encode(pc.coalesce(repeated.column("line_id"), repeated.column("product")).combine_chunks())
    differing = _spread(group, len(many), pc.fill_null(key.indices, -1).to_numpy())
    amount = repeated.column("amount").combine_chunks()
    valid = pc.is_valid(amount).to_numpy(zero_copy_only=False)
    low, high = _words(amount)
    amounts = _spread(group, len(many), low, valid) | _spread(group, len(many), high, valid)
    found.repeated_orders = int(many.sum())
    found.orders_with_differing_lines = int(differing.sum())
    found.orders_with_one_amount = int((differing & ~amounts).sum())


def _spread(group: np.ndarray, size: int, values: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Per group number (0 to size - 1): whether its valid values (codes >= 0, or where `valid`)
    are not all equal."""
    if valid is None:
        valid = values >= 0
    group, values = group[valid], values[valid].astype(np.int64)
    low, high = np.full(size, np.iinfo(np.int64).max), np.full(size, np.iinfo(np.int64).min)
    np.minimum.at(low, group, values)
    np.maximum.at(high, group, values)
    return low < high


def _words(decimals: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A decimal128 array's two 64-bit words per value, 0 where null."""
    values = decimals
    assert pa.types.is_decimal128(values.type), values.type  # LINE_SCHEMA's amount
    n = len(values)
    words = np.frombuffer(values.buffers()[1], np.int64, 2 * n, values.offset * 16).reshape(n, 2)
    if values.null_count:
        words = words * pc.is_valid(values).to_numpy(zero_copy_only=False)[:, None]
    return words[:, 0], words[:, 1]


def _integers(column: pa.ChunkedArray) -> np.ndarray:
    """An integer or date column's values as int64, 0 where null."""
    values = column.combine_chunks()
    numbers = values.view(pa.int32() if values.type == pa.date32() else values.type)
    return pc.fill_null(numbers, 0).to_numpy().astype(np.int64) if len(values) else np.empty(0, np.int64)
