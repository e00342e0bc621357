"""Dedup buckets: every line of one order id goes to the same bucket, so a bucket can be worked
on alone (see `spool` and `grain`)."""

import numpy as np
import pyarrow as pa

_MIX = np.uint64(0xFF51AFD7ED558CCD)


def bucket_numbers(order_id: pa.Array, buckets: int) -> np.ndarray:
    """Which of `buckets` each id (a string array; a null gets any) goes to, as uint8 when there are
    at most 256 buckets: one id always to the same one. From the id's last 8 bytes (ids differ most at
    their end), read as one little-endian word ending where the id ends, straight from the buffers."""
    n = len(order_id)
    offsets = np.frombuffer(order_id.buffers()[1], np.int32, n + 1, 4 * order_id.offset)
    data = order_id.buffers()[2]
    # Eight zero bytes first, so that a word ending in the first 8 bytes starts inside the array.
    padded = np.concatenate([np.zeros(8, np.uint8), np.frombuffer(data, np.uint8) if data else np.zeros(0, np.uint8)])
    words = np.ndarray((len(padded) - 7,), "<u8", padded, strides=(1,))  # the word starting at each byte
    tail = words[offsets[1:]]  # padded[end : end + 8] holds the id's bytes [end - 8, end)
    length = offsets[1:] - offsets[:-1]
    if length.min(initial=8) < 8:  # a shorter id's word begins with the bytes before it: shifted out
        short = np.minimum(length, 8).astype(np.uint64)
        tail = np.where(short > 0, tail >> (np.uint64(64) - 8 * short) % np.uint64(64), np.uint64(0))
    # murmur3's finaliser: every bit of the tail moves the high bits
    tail = (tail ^ (tail >> np.uint64(33))) * _MIX
    tail ^= tail >> np.uint64(33)
    numbers = (tail >> np.uint64(32)) % np.uint64(buckets)
    return numbers.astype(np.uint8 if buckets <= 256 else np.int64)


def split_by_bucket(typed: pa.Table, buckets: int, keep: pa.Array | None = None) -> list[tuple[int, pa.RecordBatch]]:
    """The rows of `typed` that `keep` (a boolean mask; default all) selects, by bucket, each in row order."""
    rows = np.arange(typed.num_rows) if keep is None else np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    if not len(rows):
        return []
    if buckets == 1:
        whole = typed if len(rows) == typed.num_rows else _take(typed, pa.array(rows))
        return [(0, batch) for batch in whole.combine_chunks().to_batches()]
    ids = typed.column("order_id").combine_chunks()
    number = bucket_numbers(ids, buckets)[rows]
    order = np.argsort(number, kind="stable")  # uint8: numpy sorts them by radix
    taken = _take(typed, pa.array(rows[order]))
    counts = np.bincount(number, minlength=buckets)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    return [(b, taken.slice(int(starts[b]), int(counts[b])).to_batches()[0]) for b in range(buckets) if counts[b]]


def _take(table: pa.Table, rows: pa.Array) -> pa.Table:
    """table.take(rows), without a pass over the columns that are all null (those the file lacks)."""
    columns = [pa.nulls(len(rows), c.type) if c.null_count == len(c) else c.take(rows) for c in table.columns]
    return pa.table(columns, schema=table.schema).combine_chunks()
