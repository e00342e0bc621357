"""The amount cells a file has read the general way so far (`amounts._general`: `-$5`, `12,50 €`,
and the garbage of messy exports, `abc`, `#VALUE!`, `12.3.4`), each read once per file.

The general reading is some forty kernel calls, about 0.55 ms a chunk whatever its cells, for the few
hundred cells of a chunk that no fast path reads: mostly the same few texts in every chunk. Chunks with
more such cells than SMALL (a file whose amounts all end in ` €`) are read as they are.
"""

import threading
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

Reading = tuple[pa.Array, pa.Array]  # (value, problem) per cell, as `amounts._general` gives them


class GeneralMemo:
    """Distinct text -> its general reading, for one file and one decimal separator; shared by the
    threads that clean the file's chunks, at most LIMIT texts."""

    SMALL = 4096  # cells of a chunk, at most, for the memo to be asked
    LIMIT = 4096  # texts remembered

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # One tuple, replaced whole: a reader on another thread sees texts and readings of the same state.
        self._memo: tuple[pa.Array, Reading | None] = (pa.array([], pa.string()), None)

    def read(self, text: pa.Array, general: Callable[[pa.Array], Reading]) -> Reading:
        """`general(text)` for non-null `text`, each distinct text read at most once per memo."""
        if len(text) > self.SMALL:
            return general(text)
        known, reading = self._memo
        at = pc.index_in(text, value_set=known)
        if reading is not None and not at.null_count:
            return pc.take(reading[0], at), pc.take(reading[1], at)
        new = pc.unique(pc.filter(text, pc.is_null(at)))
        found = general(new)
        with self._lock:  # another thread may have read some of `new` meanwhile
            latest, latest_reading = self._memo
            if latest_reading is None:
                self._memo = (new, found)
            elif len(latest) < self.LIMIT:
                fresh = pc.invert(pc.is_in(new, value_set=latest))
                added = tuple(pa.concat_arrays([old, pc.filter(r, fresh)]) for old, r in zip(latest_reading, found))
                self._memo = (pa.concat_arrays([latest, pc.filter(new, fresh)]), (added[0], added[1]))
        if reading is not None:
            new = pa.concat_arrays([known, new])
            found = (pa.concat_arrays([reading[0], found[0]]), pa.concat_arrays([reading[1], found[1]]))
        at = pc.index_in(text, value_set=new)
        return pc.take(found[0], at), pc.take(found[1], at)
