"""Arrow arrays read where they are: a string array's offsets and a decimal128 array's words as
numpy views, a boolean array as a numpy mask, and a column as one array without the copy
`combine_chunks` makes of a single chunk."""

import numpy as np
import pyarrow as pa


def string_offsets(text: pa.Array) -> np.ndarray:
    """The n + 1 int32 offsets of a string array of n cells (cell i is bytes [o[i], o[i + 1]) of its
    data buffer), as a view of its buffer."""
    return np.frombuffer(text.buffers()[1], np.int32, len(text) + 1, 4 * text.offset)


def cell_bytes(text: pa.Array) -> np.ndarray:
    """The bytes of a string array's cells end to end (uint8, a view of its data buffer; none when it has no buffer)."""
    data = text.buffers()[2]
    if data is None:
        return np.empty(0, np.uint8)
    offsets = string_offsets(text)
    return np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]]


def without_byte(text: pa.Array, byte: int) -> pa.Array:
    """A string array with every `byte` taken out of its cells, an ASCII character's (one byte in UTF-8,
    no part of another character): `replace_substring(text, chr(byte), "")` done on the buffers, the
    bytes kept by numpy and each offset moved back by the bytes taken before it (`us` 1M rows, the
    thousands commas of ~19k cells a chunk: 0.51 ms instead of 0.85)."""
    assert byte < 0x80, byte
    validity, _, data = text.buffers()
    if data is None:
        return text
    offsets, raw = string_offsets(text), cell_bytes(text)
    hit = raw == byte
    taken = np.zeros(len(raw) + 1, np.int32)
    np.cumsum(hit, out=taken[1:])
    cells = offsets - offsets[0]
    moved = np.zeros(text.offset + len(text) + 1, np.int32)  # the offsets start where the bitmap does
    moved[text.offset :] = cells - taken[cells]
    buffers = [validity, pa.py_buffer(moved), pa.py_buffer(raw[~hit])]
    return pa.Array.from_buffers(pa.string(), len(text), buffers, offset=text.offset)


def first_bytes(text: pa.Array) -> np.ndarray:
    """The first byte of each cell of a string array (uint8; 0 for an empty cell), read from its buffers."""
    offsets = string_offsets(text)
    data = text.buffers()[2]
    if data is None or not data.size:
        return np.zeros(len(text), np.uint8)
    first = np.frombuffer(data, np.uint8)[np.minimum(offsets[:-1], data.size - 1)]
    return np.where(offsets[1:] > offsets[:-1], first, np.uint8(0))


def decimal_words(decimals: pa.Array) -> np.ndarray:
    """A decimal128 array's values as an (n, 2) int64 view of its buffer: the little-endian (low, high)
    words of each value; a null's slot holds anything."""
    n = len(decimals)
    return np.frombuffer(decimals.buffers()[1], np.int64, 2 * n, 16 * decimals.offset).reshape(n, 2)


def bool_mask(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean array as a numpy bool array, null as False: its value bits (and validity bits) unpacked
    by numpy, 10-40x faster than `fill_null` and Arrow's `to_numpy` (which reads bit by bit)."""
    if isinstance(mask, pa.ChunkedArray):
        if mask.num_chunks == 1:
            return bool_mask(mask.chunk(0))
        return np.concatenate([np.zeros(0, bool), *(bool_mask(c) for c in mask.chunks)])
    validity, values = mask.buffers()
    if values is None or mask.null_count == len(mask):
        return np.zeros(len(mask), bool)
    bits = _bits(values, mask.offset, len(mask))
    if mask.null_count:
        bits = bits & _bits(validity, mask.offset, len(mask))
    return _unpacked(bits, mask.offset, len(mask))


def valid_mask(values: pa.Array) -> np.ndarray:
    """Where the cells of an array (not dictionary-encoded) are not null, as a numpy bool array, read
    from its validity bitmap (`pc.is_valid(values).to_numpy()` without the two passes)."""
    n = len(values)
    if not values.null_count:
        return np.ones(n, bool)
    if values.null_count == n:
        return np.zeros(n, bool)
    return _unpacked(_bits(values.buffers()[0], values.offset, n), values.offset, n)


def boolean_array(mask: np.ndarray) -> pa.Array:
    """A numpy bool array as an Arrow boolean array (no nulls): its bits packed by numpy (`pa.array`
    takes 5-20x as long)."""
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, bitmap(mask)])


def bitmap(mask: np.ndarray) -> pa.Buffer:
    """A numpy bool array as an Arrow bitmap (a validity buffer: bit i set where mask[i])."""
    return pa.py_buffer(np.packbits(mask, bitorder="little"))


def _bits(buffer: pa.Buffer, offset: int, n: int) -> np.ndarray:
    return np.frombuffer(buffer, np.uint8, (offset + n + 7) // 8)


def _unpacked(bits: np.ndarray, offset: int, n: int) -> np.ndarray:
    return np.unpackbits(bits, count=offset + n, bitorder="little")[offset:].view(bool)


def one_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`column` as one array: an array or a single chunk as it is, several chunks concatenated."""
    if isinstance(column, pa.Array):
        return column
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
