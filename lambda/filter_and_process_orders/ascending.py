"""Binary search of a sorted array (`np.searchsorted`), not a hash: which values it holds and where.
Used for lines, which ascend in a bucket and in the doubts' lists (`used_lines`, `copies`)."""

import numpy as np


def positions(values: np.ndarray, ascending: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the positions in `ascending` of the `values` found there, in their order; the mask of those
    `values`). `ascending` sorted, without repeats for the positions to be the only ones."""
    if not len(ascending):
        return np.empty(0, np.intp), np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(ascending, values), len(ascending) - 1)
    found = ascending[at] == values
    return at[found], found


def among(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """Mask of `values`: those in `ascending` (a sorted array)."""
    return positions(values, ascending)[1]
