"""Arrow arrays read where they are: a string array's offsets and a decimal128 array's words as
numpy views, a boolean array as a numpy mask, and a column as one array without the copy
`combine_chunks` makes of a single chunk."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def string_offsets(text: pa.Array) -> np.ndarray:
    """The n + 1 int32 offsets of a string array of n cells (cell i is bytes [o[i], o[i + 1]) of its
    data buffer), as a view of its buffer."""
    return np.frombuffer(text.buffers()[1], np.int32, len(text) + 1, 4 * text.offset)


def decimal_words(decimals: pa.Array) -> np.ndarray:
    """A decimal128 array's values as an (n, 2) int64 view of its buffer: the little-endian (low, high)
    words of each value; a null's slot holds anything."""
    n = len(decimals)
    return np.frombuffer(decimals.buffers()[1], np.int64, 2 * n, 16 * decimals.offset).reshape(n, 2)


def bool_mask(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean array as a numpy bool array, null as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def one_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`column` as one array: an array or a single chunk as it is, several chunks concatenated."""
    if isinstance(column, pa.Array):
        return column
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
