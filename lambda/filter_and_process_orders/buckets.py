"""Dedup buckets: every line of one order id goes to the same bucket, so a bucket can be worked
on alone (see `spool` and `grain`). Ids are read as 64-bit words straight from the Arrow buffers."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import one_array, string_offsets

_MIX = np.uint64(0xFF51AFD7ED558CCD)
_HEAD_MIX, _TAIL_MIX = np.uint64(0x9E3779B185EBCA87), np.uint64(0xC2B2AE3D27D4EB4F)  # xxHash's primes
WORD_IDS = 16  # bytes: ids up to this long are numbered from their words (`id_numbers`)


def bucket_numbers(order_id: pa.Array, buckets: int) -> np.ndarray:
    """Which of `buckets` each id (a string array; a null gets any) goes to, as uint8 when there are
    at most 256 buckets: one id always to the same one. From the id's last 8 bytes (ids differ most at
    their end), read as one little-endian word ending where the id ends, straight from the buffers."""
    _, length, tail, _ = _words(order_id)
    # murmur3's finaliser: every bit of the tail moves the high bits
    tail = (tail ^ (tail >> np.uint64(33))) * _MIX
    tail ^= tail >> np.uint64(33)
    numbers = (tail >> np.uint64(32)) % np.uint64(buckets)
    return numbers.astype(np.uint8 if buckets <= 256 else np.int64)


def id_numbers(order_id: pa.Array) -> np.ndarray:
    """A number per id (0 to distinct ids - 1, int32; in no particular order), the same for equal ids:
    what `pc.dictionary_encode(order_id).indices` gives up to numbering, with no hash table of the
    strings (bucket reads, us 1M: about 0.02 CPU s less in all). Ids of at most WORD_IDS bytes are
    their first and last 8 bytes and their length, so they are numbered from a hash of those, and
    every id whose hash another line may share is then compared with its number's id by those
    three: a hash collision, a longer id or a null (numbered like one more id) falls back to
    Arrow's dictionary."""
    n = len(order_id)
    start, length, tail, words = _words(order_id)
    if order_id.null_count or length.max(initial=0) > WORD_IDS:
        return _dictionary_numbers(order_id)
    long = length > 8
    head = np.where(long, words[start + 8 * long], np.uint64(0))  # bytes [start, start + 8) when longer than 8
    hashed = head * _HEAD_MIX ^ tail * _TAIL_MIX ^ length.astype(np.uint64)
    hashed ^= hashed >> np.uint64(29)
    # A line alone in its slot of a table of at least 4n slots (by the hash's top bits) has an id
    # no other line has: it gets a number of its own. Only the others (about a fifth, and the
    # repeated ids) are sorted by hash and checked against their number's id.
    bits = max(1, int(4 * n).bit_length())
    slot = (hashed >> np.uint64(64 - bits)).astype(np.intp)
    shared = np.flatnonzero(np.bincount(slot, minlength=1 << bits)[slot] > 1)
    _, found = np.unique(hashed[shared], return_inverse=True)
    numbers = np.empty(n, np.int32)
    numbers[shared] = found
    distinct = int(found.max(initial=-1)) + 1
    alone = np.ones(n, bool)
    alone[shared] = False
    numbers[alone] = np.arange(distinct, distinct + n - len(shared))
    first = np.empty(distinct, np.intp)
    first[found] = shared  # a position of each number (the last one written)
    at = first[found]
    if not (
        (head[at] == head[shared]).all() and (tail[at] == tail[shared]).all() and (length[at] == length[shared]).all()
    ):
        return _dictionary_numbers(order_id)
    return numbers


def _dictionary_numbers(order_id: pa.Array) -> np.ndarray:
    return pc.dictionary_encode(order_id, null_encoding="encode").indices.to_numpy()


def _words(order_id: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each id's start offset and length in bytes, its last 8 bytes as a little-endian word (fewer
    bytes for a shorter id, shifted down: the bytes before it are not in it), and the view of every
    word of the data: words[i] holds the bytes [i - 8, i)."""
    offsets = string_offsets(order_id)
    data = order_id.buffers()[2]
    # Eight zero bytes first, so that a word ending in the first 8 bytes starts inside the array.
    raw = np.frombuffer(data, np.uint8) if data else np.zeros(0, np.uint8)
    padded = np.concatenate([np.zeros(8, np.uint8), raw])
    words = np.ndarray((len(padded) - 7,), "<u8", padded, strides=(1,))  # the word starting at each byte
    start, end = offsets[:-1], offsets[1:]
    tail = words[end]  # padded[end : end + 8] holds the id's bytes [end - 8, end)
    length = end - start
    if length.min(initial=8) < 8:  # a shorter id's word begins with the bytes before it: shifted out
        short = np.minimum(length, 8).astype(np.uint64)
        tail = np.where(short > 0, tail >> (np.uint64(64) - 8 * short) % np.uint64(64), np.uint64(0))
    return start, length, tail, words


def split_by_bucket(typed: pa.Table, buckets: int, keep: np.ndarray | None = None) -> list[tuple[int, pa.RecordBatch]]:
    """The rows of `typed` that `keep` (a numpy boolean mask; default all) selects, by bucket, each in row order.
    Dictionary-encoded columns stay encoded (their indices are taken, the dictionary shared)."""
    rows = np.arange(typed.num_rows) if keep is None else np.flatnonzero(keep)
    if not len(rows):
        return []
    if buckets == 1:
        whole = typed if len(rows) == typed.num_rows else take_rows(typed, pa.array(rows))
        return [(0, batch) for batch in whole.combine_chunks().to_batches()]
    ids = one_array(typed.column("order_id"))  # its only chunk: `combine_chunks` would copy it
    number = bucket_numbers(ids, buckets)[rows]
    order = np.argsort(number, kind="stable")  # uint8: numpy sorts them by radix
    taken = take_rows(typed, pa.array(rows[order]))
    counts = np.bincount(number, minlength=buckets)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    return [(b, taken.slice(int(starts[b]), int(counts[b])).to_batches()[0]) for b in range(buckets) if counts[b]]


def take_rows(table: pa.Table, rows: pa.Array) -> pa.Table:
    """table.take(rows), without a pass over the columns that are all null (those the file lacks:
    a take of one costs as much as of a filled one, about 4 ms per 100k rows)."""
    columns = [nulls(len(rows), c.type) if c.null_count == len(c) else c.take(rows) for c in table.columns]
    return pa.table(columns, schema=table.schema).combine_chunks()


_NULLS: dict[pa.DataType, pa.Array] = {}


def nulls(n: int, kind: pa.DataType) -> pa.Array:
    """pa.nulls(n, kind) as a slice of one array kept per type: a column the file lacks costs no new
    zeroed memory per bucket (us 1M rows: pa.nulls' page faults 7.9 -> 3.0 % of the run's ~93k, the
    rest in the chunks' cleaning)."""
    kept = _NULLS.get(kind)
    if kept is None or len(kept) < n:
        kept = _NULLS[kind] = pa.nulls(max(n, 1 << 17), kind)
    return kept.slice(0, n)
