"""Dedup buckets: every line of one order id goes to the same bucket, so a bucket can be worked
on alone (see `spool` and `grain`)."""

import numpy as np
import pyarrow as pa


def bucket_numbers(order_id: pa.Array, buckets: int) -> np.ndarray:
    """Which of `buckets` each id (a string array) goes to: one id always to the same one. From the
    id's last eight bytes (ids differ most at their end), read from Arrow's buffers without a copy."""
    n = len(order_id)
    offsets = np.frombuffer(order_id.buffers()[1], np.int32, n + 1, order_id.offset * 4)
    data = order_id.buffers()[2]
    text = np.frombuffer(data, np.uint8) if data is not None and data.size else np.zeros(1, np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    words = [np.zeros(n, np.uint32), np.zeros(n, np.uint32)]
    for back in range(8):
        at = ends - 1 - back
        inside = at >= starts
        byte = np.where(inside, text[np.where(inside, at, 0)], 0).astype(np.uint32)
        words[back // 4] |= byte << np.uint32(8 * (back % 4))
    return _mixed(_mixed(words[0]) ^ words[1]) % np.uint32(buckets)


def _mixed(key: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser: every bit of the key moves every bit of the hash."""
    key = key ^ (key >> np.uint32(16))
    key = key * np.uint32(0x85EBCA6B)
    key = key ^ (key >> np.uint32(13))
    key = key * np.uint32(0xC2B2AE35)
    return key ^ (key >> np.uint32(16))


def split_by_bucket(typed: pa.Table, buckets: int, keep: pa.Array | None = None) -> list[tuple[int, pa.RecordBatch]]:
    """The rows of `typed` that `keep` (a boolean mask; default all) selects, by bucket, each in row order."""
    rows = np.arange(typed.num_rows) if keep is None else np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    if not len(rows):
        return []
    if buckets == 1:
        whole = typed if len(rows) == typed.num_rows else typed.take(pa.array(rows))
        return [(0, batch) for batch in whole.combine_chunks().to_batches()]
    ids = typed.column("order_id").combine_chunks()
    number = bucket_numbers(ids, buckets)[rows].astype(np.uint16)  # 16 bits: numpy sorts them by radix
    order = np.argsort(number, kind="stable")
    taken = typed.take(pa.array(rows[order])).combine_chunks()
    counts = np.bincount(number, minlength=buckets)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    return [(b, taken.slice(int(starts[b]), int(counts[b])).to_batches()[0]) for b in range(buckets) if counts[b]]
