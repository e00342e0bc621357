"""Order ids as numbers: `id_numbers` groups ids exactly as equal strings do, whatever their bytes."""

import numpy as np
import pyarrow as pa
from filter_and_process_orders import buckets
from filter_and_process_orders.buckets import id_numbers
from hypothesis import example, given, settings
from hypothesis import strategies as st

ids = st.lists(
    st.one_of(
        st.sampled_from(["", "x", "A-1", "A-10", "A-1 ", "SO-10156574", "ORD-000000042", "DE-20250000014"]),
        st.text(max_size=20),  # up to 80 UTF-8 bytes: past WORD_IDS, and with NUL bytes
        st.binary(max_size=17).map(lambda b: b.decode("latin-1")),
    ),
    max_size=60,
)


def same_grouping(values: list[str], numbers: np.ndarray) -> bool:
    """The oracle: equal strings get equal numbers, different strings different ones, 0..k-1 used."""
    by_value: dict[str, int] = {}
    for value, number in zip(values, numbers.tolist()):
        if by_value.setdefault(value, number) != number:
            return False
    return len(set(by_value.values())) == len(by_value) and sorted(set(numbers.tolist())) == list(range(len(by_value)))


@settings(max_examples=300, deadline=None)
@given(ids, st.integers(0, 3))
@example(["ab", "b", "\x00b", "\x00\x00b", "a" * 16, "a" * 17, "a" * 16], 0)
@example(["12345678", "012345678", "2345678", "123456789abcdefg", "x23456789abcdefg"], 1)
def test_ids_get_the_same_number_exactly_when_they_are_the_same_text(values, cut):
    whole = pa.array(["pad"] * cut + values, pa.string())[cut:]  # also a slice of a larger array
    numbers = id_numbers(whole)
    assert numbers.dtype == np.int32 and same_grouping(values, numbers)


def test_ids_whose_hashes_collide_are_still_told_apart(monkeypatch):
    monkeypatch.setattr(buckets, "_HEAD_MIX", np.uint64(0))
    monkeypatch.setattr(buckets, "_TAIL_MIX", np.uint64(0))  # every id of one length hashes alike
    values = ["SO-1", "SO-2", "SO-1", "SO-3", "AB-12345678", "AB-12345679", "AB-12345678"]
    assert same_grouping(values, id_numbers(pa.array(values)))


def test_many_ids_past_sixteen_bytes_or_with_nulls_group_as_text():
    values = [f"customer-order-{i % 997:06d}" for i in range(5000)]
    assert same_grouping(values, id_numbers(pa.array(values)))
    with_null = pa.array(["A-1", None, "A-1"])
    numbers = id_numbers(with_null)
    assert numbers[0] == numbers[2] and len(set(numbers.tolist())) == 2
