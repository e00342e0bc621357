"""The one binary search of a sorted array (`ascending`) that `used_lines` and `copies` share, and the
kept copies' names through it. Expected values by hand."""

import numpy as np
from filter_and_process_orders.ascending import among, positions
from filter_and_process_orders.copies import Copies


def test_positions_and_mask_of_the_values_found():
    ascending = np.array([3, 7, 9, 20])
    # 9 at 2, 3 at 0, 20 at 3; 8, 21 and 1 are not there (21 past the end, 1 before the start).
    at, found = positions(np.array([9, 8, 3, 21, 20, 1]), ascending)
    assert at.tolist() == [2, 0, 3]
    assert found.tolist() == [True, False, True, False, True, False]
    assert among(np.array([7, 6]), ascending).tolist() == [True, False]
    at, found = positions(np.array([5]), np.array([], np.int64))
    assert (at.tolist(), found.tolist()) == ([], [False])


def test_kept_copies_are_named_by_their_first_copy_among_the_rows_asked():
    # A bucket of 6 lines; positions 4 and 5 are the last copies kept, first seen on lines 2 and 11.
    copies = Copies(dropped=np.array([0, 1]), kept=np.array([4, 5]), first_line=np.array([2, 11]))
    line = np.array([2, 11, 30, 31, 40, 50])
    assert copies.named(line).tolist() == [2, 11, 30, 31, 2, 11]
    # Rows 2 and 5 of the bucket (lines 30, 50): 5 is kept, named 11; 4 is not asked.
    assert copies.named(np.array([30, 50]), np.array([2, 5])).tolist() == [30, 11]
    assert copies.named(np.array([30, 31]), np.array([2, 3])).tolist() == [30, 31]
    assert copies.named(np.array([], np.int64), np.array([], np.int64)).tolist() == []
