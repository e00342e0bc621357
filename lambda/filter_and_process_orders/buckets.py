"""Dedup buckets: every line of one order id goes to the same bucket, so a bucket can be worked
on alone (see `spool` and `grain`)."""

import zlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def bucket_numbers(order_id: pa.Array, buckets: int) -> np.ndarray:
    """Which of `buckets` each id goes to: one id always to the same one. From the id's last four
    characters (ids differ most at their end), hashed once per distinct tail."""
    tails = pc.dictionary_encode(pc.utf8_slice_codeunits(order_id, -4, 2**31 - 1))
    numbers = np.array([zlib.crc32(t.encode()) % buckets for t in tails.dictionary.to_pylist()], dtype=np.int64)
    return numbers[tails.indices.to_numpy(zero_copy_only=False)] if len(numbers) else np.zeros(len(order_id), np.int64)


def split_by_bucket(typed: pa.Table, buckets: int) -> list[tuple[int, pa.RecordBatch]]:
    if not typed.num_rows:
        return []
    typed = typed.combine_chunks()
    if buckets == 1:
        return [(0, batch) for batch in typed.to_batches()]
    number = bucket_numbers(typed.column("order_id").chunk(0), buckets)
    order = np.argsort(number, kind="stable")
    taken = typed.take(pa.array(order)).combine_chunks()
    counts = np.bincount(number, minlength=buckets)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    return [(b, taken.slice(int(starts[b]), int(counts[b])).to_batches()[0]) for b in range(buckets) if counts[b]]
