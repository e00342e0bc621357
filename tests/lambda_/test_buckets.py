"""Order ids as numbers: `id_numbers` groups ids exactly as equal strings do, whatever their bytes;
and the bucket files give back the lines they were given."""

from datetime import date
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
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


# Bytes of lines held in memory: all of them (a small file), none (each bucket's file), the first
# batch's (the second sends it to the file ahead of itself).
@pytest.mark.parametrize("in_memory", [None, 0, 100])
def test_a_bucket_reads_back_every_line_column_even_those_the_file_lacks_and_not_spooled(
    tmp_path, monkeypatch, in_memory
):
    from filter_and_process_orders import bucket_lines
    from filter_and_process_orders.chunk import LINE_SCHEMA, Cleaned
    from filter_and_process_orders.spool import Spool

    if in_memory is not None:
        monkeypatch.setattr(bucket_lines, "IN_MEMORY", in_memory)

    n = 5
    values = {
        "order_id": pa.array([f"A-{i % 3}" for i in range(n)]),
        "amount": pa.array([Decimal(i) for i in range(n)], LINE_SCHEMA.field("amount").type),
        "order_date": pa.array([date(2025, 1, 1 + i) for i in range(n)]),
        "customer": pa.array(["Kim", None, "Lee", "Kim", "Ann"]),
        "line": pa.array(range(2, 2 + n), pa.int64()),
    }
    lines = pa.table([values.get(f.name, pa.nulls(n, f.type)) for f in LINE_SCHEMA], schema=LINE_SCHEMA)
    spool = Spool(
        tmp_path,
        header=["id", "who", "total", "date"],
        mapping={"order_id": 0, "customer": 1, "amount": 2, "order_date": 3},
    )
    for batch in lines.to_batches(max_chunksize=2):
        spool.add(Cleaned(rows_in=batch.num_rows, lines=[(0, batch)]))
    assert spool.close_buckets() == [0]
    assert (tmp_path / "lines-0.arrow").exists() == (in_memory is not None)  # batches of 2 rows: 82, 85, 43 bytes
    assert spool.lines == n
    assert spool.bucket(0).equals(lines)
    spool.keep(0, np.array([1, 3]), np.array([0, 0], np.int32))  # the second read gets them back
    back, rows, group, copies = spool.kept(0)
    assert back.equals(lines) and rows.tolist() == [1, 3] and group.dtype == np.int32 and group.tolist() == [0, 0]
    assert copies is None  # none were kept
    assert not list(tmp_path.iterdir())  # the last read takes the files along


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.one_of(st.none(), st.sampled_from(["", "Desk", "desk", "Lamp"]))), max_size=40
    )
)
def test_an_order_differs_in_its_line_key_exactly_when_its_lines_hold_two_texts(lines):
    from filter_and_process_orders.evidence import _texts_differ

    group = np.array([g for g, _ in lines], np.int32)
    texts = {}
    for g, text in lines:
        if text is not None:
            texts.setdefault(g, set()).add(text)
    expected = [len(texts.get(g, ())) > 1 for g in range(7)]
    assert _texts_differ(group, 7, pa.array([t for _, t in lines], pa.string())).tolist() == expected


@st.composite
def bucket_evidence(draw):
    """One bucket's evidence as sift counts it: a repeated order has two lines or more; it carries
    one amount on every line, or two amounts or more, or (rejected whole) neither; of those with one
    amount, some differ in their lines, some in quantity (counted only if none carries two)."""
    from filter_and_process_orders.evidence import Evidence

    lines = draw(st.integers(0, 12))
    repeated = draw(st.integers(0, lines // 2))
    differing = draw(st.integers(0, repeated))
    one_amount = draw(st.integers(0, repeated))
    one_amount_differing = draw(st.integers(max(0, differing + one_amount - repeated), min(differing, one_amount)))
    two_amounts = draw(st.integers(0, repeated - one_amount))
    quantities = draw(st.integers(0, 0 if two_amounts else one_amount))
    return Evidence(
        lines=lines,
        repeated_orders=repeated,
        orders_with_differing_lines=differing,
        orders_with_one_amount=one_amount,
        orders_with_one_amount_differing_lines=one_amount_differing,
        orders_with_one_amount_differing_quantities=quantities,
        orders_with_differing_amounts=two_amounts,
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(bucket_evidence(), min_size=1, max_size=6), st.booleans(), st.sampled_from(["Sales", "Order Total"]))
def test_a_grain_called_certain_before_the_last_bucket_is_the_one_every_bucket_gives(evidence, has_line_column, header):
    from filter_and_process_orders.evidence import Evidence

    final = Evidence(amount_header=header)
    for found in evidence:
        final.add(found)
    so_far, left = Evidence(amount_header=header), final.lines
    for found in evidence:
        so_far.add(found)
        left -= found.lines
        decided = so_far.certain(has_line_column, left)
        if decided is not None:
            assert decided[0] == final.grain(has_line_column)
            if decided[0] == "line_items":  # whether amounts are order totals matters to line items only
                assert decided[1] == final.amount_is_order_total
    assert decided is not None  # with no line left, the evidence is complete


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["A-1", "A-2", "B-7", "C-30"]), st.sampled_from([None, "shipped", "done"]))),
    st.integers(1, 3),
    st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_a_dictionary_encoded_column_comes_out_of_the_bucket_split_encoded_with_the_text_of_each_kept_row(
    rows, count, kept
):
    # The oracle: each kept row's status, in row order, in the bucket of its id (a plain-text split).
    ids = pa.array([i for i, _ in rows], pa.string())
    words = pa.array([w for _, w in rows], pa.string())
    keep = np.array(kept[: len(rows)], dtype=bool)
    plain = buckets.split_by_bucket(pa.table({"order_id": ids, "status": words}), count, keep)
    coded = buckets.split_by_bucket(pa.table({"order_id": ids, "status": words.dictionary_encode()}), count, keep)
    encoded = pa.dictionary(pa.int32(), pa.string())
    assert [(b, batch.schema.types, batch.to_pylist()) for b, batch in coded] == [
        (b, [pa.string(), encoded], batch.to_pylist()) for b, batch in plain
    ]
    out = sorted(r["status"] or "" for _, batch in coded for r in batch.to_pylist())
    assert out == sorted(w or "" for (_, w), k in zip(rows, kept) if k)
