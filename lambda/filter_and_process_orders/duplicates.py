"""Exact duplicates among a dedup bucket's lines (rows identical in every mapped column), found
by a hash of their number fields first and compared field by field only where hashes agree."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import decimal_words
from .chunk import LINE_FIELDS

# Odd 64-bit multipliers (from xxHash) that spread the fields' integers over a row's hash.
_MIX = np.array(
    [0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5, 0x85EBCA77C2B2AE63], np.uint64
)


def exact_duplicates(lines: pa.Table, at: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Positions (among `at`, lines of repeated ids, whose id numbers are `group`) of rows identical
    to a later row in every mapped column. The last copy stays: where it stands decides which
    version of an order is the latest. Only rows that also share a hash of their number fields can
    be identical, and are compared field by field."""
    picked = lines.select(["amount", "order_date", "quantity"]).take(pa.array(at))
    low, high = amount_words(picked.column("amount").combine_chunks())
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


def amount_words(decimals: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A decimal128 array's two 64-bit words per value, 0 where null."""
    values = decimals
    assert pa.types.is_decimal128(values.type), values.type  # LINE_SCHEMA's amount
    words = decimal_words(values)
    if values.null_count:
        words = words * pc.is_valid(values).to_numpy(zero_copy_only=False)[:, None]
    return words[:, 0], words[:, 1]


def _integers(column: pa.ChunkedArray) -> np.ndarray:
    """An integer or date column's values as int64, 0 where null."""
    values = column.combine_chunks()
    numbers = values.view(pa.int32() if values.type == pa.date32() else values.type)
    return pc.fill_null(numbers, 0).to_numpy().astype(np.int64) if len(values) else np.empty(0, np.int64)
