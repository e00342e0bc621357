"""The physical lines inside the records Arrow's CSV reader parsed (see `records`)."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def line_breaks(table: pa.Table) -> np.ndarray | None:
    """The LFs inside each record's fields (a quoted CRLF counts once, as one physical line); None
    when a field holds a bare CR, which the csv module counts as a line of its own. Only the columns
    whose bytes hold an LF or a CR at all (one scan of each) are counted cell by cell."""
    inside = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        text = b"".join(chunk.buffers()[2] or b"" for chunk in column.chunks)  # a copy, but fast to search
        if b"\r" in text and _count(column, "\r") != _count(column, "\r\n"):
            return None
        if b"\n" in text:
            inside += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    return inside


def _count(column: pa.ChunkedArray, text: str) -> int:
    return pc.sum(pc.count_substring(column, text)).as_py() or 0
