"""Boolean masks read from Arrow's bitmaps by numpy agree with Arrow's own kernels and conversions."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from filter_and_process_orders.arrow_buffers import bitmap, bool_mask, boolean_array, valid_mask, without_byte
from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.booleans()), max_size=40), st.integers(0, 17), st.integers(0, 17))
def test_masks_from_the_bitmaps_are_arrows_reading_of_any_slice(values, start, cut):
    # A slice at any bit offset (chunk columns are slices); the oracle: Arrow's kernels, one cell at a time.
    array = pa.array(values, pa.bool_()).slice(min(start, len(values)), max(0, len(values) - start - cut))
    cells = array.to_pylist()
    assert bool_mask(array).tolist() == [bool(v) for v in cells]
    assert valid_mask(array).tolist() == [v is not None for v in cells]
    assert bool_mask(pa.chunked_array([array, array], pa.bool_())).tolist() == [bool(v) for v in cells] * 2
    assert bool_mask(pa.chunked_array([], pa.bool_())).tolist() == []
    assert bool_mask(pa.nulls(len(cells), pa.bool_())).tolist() == valid_mask(pa.nulls(len(cells))).tolist()
    text = pc.if_else(pc.is_valid(array), "x", pa.scalar(None, pa.string()))  # another type's validity
    assert valid_mask(text).tolist() == [v is not None for v in cells]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.booleans(), max_size=40))
def test_numpy_masks_become_the_same_arrow_booleans_and_bitmaps(values):
    mask = np.array(values, dtype=bool)
    assert boolean_array(mask).to_pylist() == values
    validity = pa.Array.from_buffers(pa.int8(), len(values), [bitmap(mask), pa.py_buffer(bytes(len(values)))])
    assert pc.is_valid(validity).to_pylist() == values


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(alphabet=",.1é€ ", max_size=6)), max_size=30),
    st.integers(0, 9),
    st.integers(0, 9),
    st.sampled_from(",."),
)
def test_a_byte_taken_out_of_the_buffers_is_pythons_replace_of_every_cell(cells, start, cut, character):
    # Any slice (its offsets and bitmap start inside the buffers); the oracle: str.replace, cell by cell.
    array = pa.array(cells, pa.string()).slice(min(start, len(cells)), max(0, len(cells) - start - cut))
    expected = [None if v is None else v.replace(character, "") for v in array.to_pylist()]
    assert without_byte(array, ord(character)).to_pylist() == expected
    assert without_byte(pa.nulls(3, pa.string()), ord(character)).to_pylist() == [None] * 3
