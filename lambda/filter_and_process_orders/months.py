"""A bucket's orders copied once by month for the Parquet writer (`output.Output`), on the dedup
worker that made them: the month of each order, one stable sort by month, one take of every column,
and the amounts summed (all orders and the stale ones). The statuses travel dictionary-encoded
(`encoded`, ENCODED): the stale rule looks each distinct word up once, the take copies 4-byte
indices, and the writer writes the indices instead of hashing the words again."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import bool_mask, boolean_array, decimal_words, one_array, valid_mask
from .buckets import take_rows
from .contract import SCHEMA

ENCODED = ("status", "source_key")  # dictionary-encoded on the way to the writer (`output.WRITTEN`)
MADE = ("source_key", "ingested_at")  # one value a file: made per row group by the writer
# What `by_month` takes and gives: SCHEMA less the columns made per row group, the statuses encoded,
# every column nullable (the lines that are no orders may lack a date or an amount; `rows` names the orders).
BODY = pa.schema(
    [
        (f.with_type(pa.dictionary(pa.int32(), f.type)) if f.name in ENCODED else f).with_nullable(True)
        for f in SCHEMA
        if f.name not in MADE
    ]
)
SUMMED_IN_NUMPY = 9_000_000  # amounts of at most 999,999,999,999 cents: 9M of them fit an int64


@dataclass
class Months:
    """A table's orders copied by month (`by_month`), for `Output.add_months`."""

    pieces: list[tuple[str, pa.Table]]  # (month as 2025-06, its orders)
    total: Decimal  # of their amounts
    stale_total: Decimal  # of the stale ones' amounts
    orders: pa.Table  # the table they came from (with BODY's columns), and where in it the stale ones are
    flagged: np.ndarray


# The stale rule (`finish.stale_mask`): the statuses (dictionary-encoded), each line's date in days since
# 1970-01-01 and where it has one (None: every line) -> the stale lines (numpy bool).
StaleRule = Callable[[pa.DictionaryArray, np.ndarray, "np.ndarray | None"], np.ndarray]


def by_month(orders: pa.Table, rows: np.ndarray | None = None, stale: StaleRule | None = None) -> Months | None:
    """The orders (`Output.add`'s) copied once, by month, and their amounts summed; None without one.
    With `stale`, their stale column is made here from the dates read once for the months too (the
    statuses dictionary-encoded: `encoded`); without, `orders` hold it."""
    if not (orders.num_rows if rows is None else len(rows)):
        return None
    day = one_array(orders.column("order_date")).view(pa.int32())
    dated = valid_mask(day) if day.null_count else None  # lines that are no orders may lack a date
    days = (pc.fill_null(day, 0) if day.null_count else day).to_numpy()
    if stale is None:
        flagged = bool_mask(orders.column("stale"))
    else:
        flagged = stale(one_array(orders.column("status")), days, dated)
        orders = orders.append_column("stale", boolean_array(flagged))
    orders = orders.select(BODY.names)  # the constant columns join when a row group is written
    if orders.schema != BODY:
        orders = orders.cast(BODY)
    month = _months(days)
    if rows is not None:
        month, flagged = month[rows], flagged[rows]
    first = month.min()
    # numpy's stable sort of 16-bit integers is a radix sort: 5x faster than of 64-bit ones.
    key = (month - first).astype(np.int16) if month.max() - first <= np.iinfo(np.int16).max else month
    order = np.argsort(key, kind="stable")
    month, flagged = month[order], np.flatnonzero(flagged)  # the stale ones in the order they came
    if rows is not None:
        order, flagged = rows[order], rows[flagged]
    taken = take_rows(orders, pa.array(order))
    total, stale = _sums(orders.column("amount"), order if rows is None else rows, flagged)
    starts = np.flatnonzero(np.r_[True, month[1:] != month[:-1]])
    names = [f"{1970 + m // 12:04d}-{m % 12 + 1:02d}" for m in month[starts].tolist()]  # 665 = 2025-06
    pieces = [(name, taken.slice(a, b - a)) for name, a, b in zip(names, starts, np.r_[starts[1:], len(month)])]
    return Months(pieces, total, stale, orders, flagged)


def _months(days: np.ndarray) -> np.ndarray:
    """Each date's month (`days`: since 1970-01-01), counted from 1970-01 (int64: 665 = 2025-06). Dates
    less than 2**16 days apart (any real file) look theirs up in a table of those days: a third of Arrow's
    year and month."""
    low, high = int(days.min()), int(days.max())
    if high - low >= 1 << 16:
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return np.arange(low, high + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)[days - low]


def _sums(amount: pa.ChunkedArray, orders: np.ndarray, stale: np.ndarray) -> tuple[Decimal, Decimal]:
    """The amounts (decimal(12,2)) at the positions `orders` (in any order: ascending is cheaper), and
    at `stale`, summed. A decimal(12,2)'s cents are its decimal128's low word: summed as int64 (no
    sum of under SUMMED_IN_NUMPY of them can overflow) instead of by Arrow's decimal sum after a take,
    unless one of them is null (the lines that are no orders may lack an amount)."""
    amount = one_array(amount)
    if len(orders) > SUMMED_IN_NUMPY or (amount.null_count and not valid_mask(amount)[orders].all()):
        total = pc.sum(amount.take(pa.array(orders))).as_py() or Decimal(0)
        return total, (pc.sum(amount.take(pa.array(stale))).as_py() or Decimal(0)) if len(stale) else Decimal(0)
    cents = decimal_words(amount)[:, 0]
    return Decimal(int(cents[orders].sum())).scaleb(-2), Decimal(int(cents[stale].sum())).scaleb(-2)


def encoded(orders: pa.Table) -> pa.Table:
    """`orders` with its statuses dictionary-encoded (BODY's), as `add` and the stale rule take them."""
    status = orders.column("status")
    if pa.types.is_dictionary(status.type):
        return orders
    return orders.set_column(orders.schema.get_field_index("status"), "status", pc.dictionary_encode(status))
