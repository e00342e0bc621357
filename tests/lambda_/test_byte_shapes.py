"""Plain decimals read from the buffers are the cells the regex they stand for matches."""

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from filter_and_process_orders.amounts import _DIGITS
from filter_and_process_orders.byte_shapes import only, plain_decimals
from hypothesis import example, given, settings
from hypothesis import strategies as st

cells = st.one_of(
    st.none(),
    st.text(alphabet="0123456789.,-+ $é٣\n", max_size=24),
    st.from_regex(r"-?[0-9]{1,22}([.,][0-9]{0,10})?", fullmatch=True),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(cells, max_size=30), st.integers(0, 9), st.integers(0, 9), st.sampled_from(".,"))
@example(["-", "--5", "5-", "-.5", "1.", ".5", "1.2.3", "", "0", "-0.00000001", "1.123456789"], 0, 0, ".")
@example(["12345678901234567890", "123456789012345678901", "1" * 20 + ".12345678", "1\n", "-1,5", "١"], 0, 0, ",")
def test_plain_decimals_are_the_cells_pythons_regex_matches(values, start, cut, point):
    # Any slice (offsets and bitmap starting inside the buffers); the oracle: Python's re, cell by cell.
    array = pa.array(values, pa.string()).slice(min(start, len(values)), max(0, len(values) - start - cut))
    pattern = re.compile(r"-?[0-9]{1,20}(?:" + re.escape(point) + r"[0-9]{1,8})?")
    expected = [v is not None and pattern.fullmatch(v) is not None for v in array.to_pylist()]
    assert plain_decimals(array, point, 20, 8).tolist() == expected
    # ... which is what the amounts' regex (RE2) picked before
    assert expected == pc.fill_null(pc.match_substring_regex(array, _DIGITS[point == ","]), False).to_pylist()
    kept = only(array, np.array(expected, bool)).to_pylist()
    assert kept == [v if keep else None for v, keep in zip(array.to_pylist(), expected, strict=True)]
    assert plain_decimals(pa.nulls(3, pa.string()), point, 20, 8).tolist() == [False] * 3
