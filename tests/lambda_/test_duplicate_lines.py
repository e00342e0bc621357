"""A row exported more than once: counted once, its totals unchanged, and named by the line where it
first appears (`source_line` is the order's first physical line) in every grain, in the orders, the
rejected rows and the manifest's samples. Every value below is worked out by hand from the text."""

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.lambda_.test_shapes import clean, orders, rejected, total

BUCKETS = pytest.mark.parametrize("buckets", [1, 4])  # one dedup bucket, or ids spread over several


@BUCKETS
def test_an_order_exported_twice_is_named_by_its_first_line(tmp_path, buckets):
    text = "order_id,customer,amount,status,order_date\n"
    text += "A-1,Kim,10.00,pending,2025-02-01\n"  # line 2: stale (pending, 120 days before 2025-06-01)
    text += "A-2,Lee,5.00,shipped,2025-02-02\n"  # line 3
    text += "A-1,Kim,10.00,pending,2025-02-01\n"  # line 4: a copy of line 2
    text += "A-3,Ann,,shipped,2025-02-03\n"  # line 5: no amount
    text += "A-3,Ann,,shipped,2025-02-03\n"  # line 6: a copy of line 5
    result = clean(text, tmp_path, buckets=buckets)
    assert (result.grain, result.duplicates, result.orders, result.rows_rejected) == ("order", 2, 2, 1)
    assert {k: r["source_line"] for k, r in orders(result).items()} == {"A-1": 2, "A-2": 3}
    assert total(result) == Decimal("15.00")
    assert [(row[0], row[1]) for row in rejected(result)] == [("5", "missing_amount")]
    assert [r["line"] for r in result.rejected_sample] == [5]
    assert [(r["order_id"], r["source_line"]) for r in result.stale_sample] == [("A-1", "2")]


@BUCKETS
def test_copies_of_a_row_rejected_as_it_is_read_are_each_rejected_not_counted_as_duplicates(tmp_path, buckets):
    # A rejected row takes no part in deduplication (issue 12 item 6); a row without an amount does
    # (it may be a line of its order), so of its copies one is rejected and the other is a duplicate.
    text = "order_id,customer,amount,status,order_date\n"
    text += "A-1,Kim,10.00,shipped,2025-02-01\n"  # line 2: the one order
    text += "A-9,Kim,abc,shipped,2025-02-01\n" * 2  # lines 3, 4: bad amount, twice
    text += "4.40213E+11,Bo,1.00,shipped,2025-02-03\n" * 2  # lines 5, 6: a mangled id, twice
    text += "A-8,Lee,,shipped,2025-02-02\n" * 2  # lines 7, 8: no amount, twice
    result = clean(text, tmp_path, buckets=buckets)
    assert (result.rows_in, result.orders, result.duplicates, result.rows_rejected) == (7, 1, 1, 5)
    assert dict(result.rejected_reasons) == {"bad_amount": 2, "mangled_id": 2, "missing_amount": 1}
    assert [(row[0], row[1]) for row in rejected(result)] == [
        ("3", "bad_amount"),
        ("4", "bad_amount"),
        ("5", "mangled_id"),
        ("6", "mangled_id"),
        ("7", "missing_amount"),
    ]
    assert total(result) == Decimal("10.00")


@BUCKETS
def test_an_orders_history_keeps_its_last_line_and_is_named_by_its_first(tmp_path, buckets):
    # No line column: the history grain is known before the evidence (single_orders does it all).
    text = "order_id,customer,amount,status,order_date\n"
    text += "B-1,Kim,10.00,pending,2025-02-01\n"  # line 2
    text += "B-1,Kim,10.00,shipped,2025-02-01\n"  # line 3
    text += "B-1,Kim,10.00,pending,2025-02-01\n"  # line 4: a copy of line 2, the last: B-1 is pending
    text += "B-2,Lee,5.00,shipped,2025-02-02\n"  # line 5
    result = clean(text, tmp_path, buckets=buckets)
    assert (result.grain, result.duplicates, result.superseded, result.orders) == ("history", 1, 1, 2)
    got = {k: (r["status"], r["stale"], r["source_line"]) for k, r in orders(result).items()}
    assert got == {"B-1": ("pending", True, 2), "B-2": ("shipped", False, 5)}
    assert total(result) == Decimal("15.00")
    assert [(r["order_id"], r["status"], r["source_line"]) for r in result.stale_sample] == [("B-1", "pending", "2")]


@BUCKETS
def test_a_history_decided_from_the_evidence_is_named_by_its_first_lines(tmp_path, buckets):
    # A product column: the grain waits for the evidence (the lines of repeated ids are read again).
    text = "Order ID,Product,Sales,Order Date,Status\n"
    text += "D-1,Pen,10.00,2025-03-01,pending\n"  # line 2
    text += "D-1,Pen,10.00,2025-03-01,shipped\n"  # line 3
    text += "D-1,Pen,10.00,2025-03-01,pending\n"  # line 4: a copy of line 2, the last: D-1 is pending
    text += "D-2,Pad,1.00,2025-03-02,shipped\n"  # line 5
    text += "D-2,Pad,1.00,2025-03-02,cancelled\n"  # line 6
    result = clean(text, tmp_path, buckets=buckets)
    assert (result.grain, result.duplicates, result.superseded, result.orders) == ("history", 1, 2, 2)
    got = {k: (r["status"], r["source_line"]) for k, r in orders(result).items()}
    assert got == {"D-1": ("pending", 2), "D-2": ("cancelled", 5)}
    assert total(result) == Decimal("11.00")
    # Both are stale (92 and 91 days before 2025-06-01), sampled by line.
    assert [(r["order_id"], r["source_line"]) for r in result.stale_sample] == [("D-1", "2"), ("D-2", "5")]


@BUCKETS
def test_line_items_exported_twice_are_summed_once_and_named_by_their_first_lines(tmp_path, buckets):
    text = "Order ID,Product,Sales,Order Date,Customer\n"
    text += "C-1,Pen,10.00,2025-03-01,Kim\n"  # line 2
    text += "C-1,Ink,2.50,2025-03-01,Kim\n"  # line 3
    text += "C-2,Pad,1.00,2025-03-02,Lee\n"  # line 4
    text += "C-1,Pen,10.00,2025-03-01,Kim\n"  # line 5: a copy of line 2
    text += "C-2,Cap,3.00,2025-03-02,Lee\n"  # line 6
    text += "E-9,Ink,,2025-03-03,Ann\n"  # line 7: E-9 has no amount on any line: rejected
    text += "E-9,Pen,,2025-03-03,Ann\n"  # line 8
    text += "E-9,Ink,,2025-03-03,Ann\n"  # line 9: a copy of line 7
    text += "C-3,Cap,4.00,2025-03-04,Bo\n"  # line 10
    text += "C-3,Cap,4.00,2025-03-04,Bo\n"  # line 11: a copy of line 10; C-3 is then one line
    result = clean(text, tmp_path, buckets=buckets)
    assert (result.grain, result.duplicates, result.merged, result.orders) == ("line_items", 3, 2, 3)
    got = {k: (r["amount"], r["line_count"], r["source_line"], r["source_lines"]) for k, r in orders(result).items()}
    assert got == {
        "C-1": (Decimal("12.50"), 2, 2, "2,3"),  # Pen 10.00 + Ink 2.50
        "C-2": (Decimal("4.00"), 2, 4, "4,6"),  # Pad 1.00 + Cap 3.00
        "C-3": (Decimal("4.00"), 1, 10, None),
    }
    assert total(result) == Decimal("20.50")
    assert [(row[0], row[1]) for row in rejected(result)] == [("7", "missing_amount"), ("8", "missing_amount")]
    assert [r["line"] for r in result.rejected_sample] == [7, 8]


def test_line_items_over_many_buckets_are_summed_whether_their_grain_was_certain_early_or_late(tmp_path):
    # Order i has three lines, i.00 + i.10 + i.20: 3i + 0.30, 2,352.00 in all. With 16 buckets the
    # grain is certain before the last buckets are sifted (their orders are made at once) while the
    # first ones are read again.
    text = "Order ID,Product,Sales,Order Date\n"
    text += "".join(f"O-{i},Item {j},{i}.{j}0,2025-03-01\n" for i in range(40) for j in range(3))
    result = clean(text, tmp_path, buckets=16)
    assert (result.grain, result.merged, result.orders) == ("line_items", 80, 40)
    assert {k: r["amount"] for k, r in orders(result).items()} == {f"O-{i}": 3 * i + Decimal("0.30") for i in range(40)}
    assert total(result) == Decimal("2352.00")


def _model(rows: list[tuple[str, str, str]], grain: str) -> tuple[dict, list[int]]:
    """A pure-Python reading of DESIGN.md's rules: identical rows count once, the last copy standing
    where it is, named by the first copy's line; then `grain`. (orders {id: (amount, source_line,
    source_lines)}, rejected lines)."""
    first: dict[tuple, int] = {}
    for line, row in enumerate(rows, start=2):
        first.setdefault(row, line)
    last = {row: line for line, row in enumerate(rows, start=2)}
    kept = sorted((line, row) for row, line in last.items())  # the last copies, in file order
    by_id: dict[str, list[tuple[int, tuple]]] = {}
    for _, row in kept:
        by_id.setdefault(row[0], []).append((first[row], row))
    made, rejected = {}, []
    for order_id, lines in by_id.items():
        priced = [(named, row) for named, row in lines if row[2]]
        if grain == "history":  # the last line wins, its empty amount the order's last non-empty one
            if priced:
                made[order_id] = (Decimal(priced[-1][1][2]), min(n for n, _ in lines), None)
            else:
                rejected += [named for named, _ in lines]
        elif not priced:
            rejected += [named for named, _ in lines]
        else:
            named = sorted(n for n, _ in lines)
            amount = sum(Decimal(row[2]) for _, row in priced)
            made[order_id] = (amount, named[0], ",".join(map(str, named)) if len(named) > 1 else None)
    return made, sorted(rejected)


@settings(max_examples=120, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["X-1", "X-2", "X-3"]),
            st.sampled_from(["Pen", "Ink"]),
            st.sampled_from(["", "1.25", "2.00"]),
        ),
        min_size=1,
        max_size=14,
    ),
    grain=st.sampled_from(["history", "line_items"]),
    buckets=st.sampled_from([1, 3]),
)
def test_exact_duplicates_in_any_order_agree_with_a_model_of_the_rules(rows, grain, buckets):
    text = "Order ID,Product,Sales,Order Date\n" + "".join(f"{i},{p},{a},2025-03-01\n" for i, p, a in rows)
    with tempfile.TemporaryDirectory() as workdir:
        result = clean(text, Path(workdir), buckets=buckets, grain=grain)
        got = {k: (r["amount"], r["source_line"], r["source_lines"]) for k, r in orders(result).items()}
        lines = sorted(int(row[0]) for row in rejected(result))
    assert (got, lines) == _model(rows, grain)


@pytest.mark.parametrize("buckets", [1, 8])
def test_orders_with_differing_lines_in_a_history_are_counted_over_every_bucket(tmp_path, buckets):
    # 20 histories (H-i: pending then shipped, lines 2-41), then 3 orders of two products (D-k, first on
    # lines 42, 44, 46): history by the majority, the 3 counted whatever bucket holds them; their first
    # lines named where a bucket holds more histories than them (always, in one bucket).
    from filter_and_process_orders.reasons import warnings_for

    text = "Order ID,Product,Sales,Status,Order Date\n"
    text += "".join(f"H-{i},Pen,1.00,{s},2025-05-01\n" for i in range(20) for s in ("pending", "shipped"))
    text += "".join(f"D-{k},{p},2.00,shipped,2025-05-01\n" for k in range(3) for p in ("Pen", "Ink"))
    result = clean(text, tmp_path, buckets=buckets)
    assert (result.grain, result.orders, result.superseded) == ("history", 23, 23)
    warning = {w["code"]: w for w in warnings_for(result)}["differing_lines_read_as_history"]
    assert warning["count"] == 3
    assert set(warning["lines"]) <= {42, 44, 46}
    if buckets == 1:
        assert warning["lines"] == [42, 44, 46]


@BUCKETS
@pytest.mark.parametrize("in_memory", [None, 0])  # the buckets' lines held in memory, or in their files
def test_copies_whose_statuses_are_one_word_written_otherwise_are_exact_duplicates(
    tmp_path, monkeypatch, buckets, in_memory
):
    # Statuses travel dictionary-encoded to phase 2, whose group-by compares them by their indices:
    # `Shipped`, ` shipped ` and `SHIPPED` are one word there, as they are one canonical status.
    from filter_and_process_orders import bucket_lines

    if in_memory is not None:
        monkeypatch.setattr(bucket_lines, "IN_MEMORY", in_memory)
    text = "order_id,customer,amount,status,order_date\n"
    text += "A-1,Kim,10.00,Shipped,2025-05-01\n"  # line 2
    text += "A-2,Lee,5.00,shipped,2025-05-02\n"  # line 3
    text += "A-1,Kim,10.00, shipped ,2025-05-01\n"  # line 4: a copy of line 2, its status the same word
    text += "A-3,Ann,7.00,SHIPPED,2025-05-03\n"  # line 5
    text += "A-3,Ann,7.00,delivered,2025-05-04\n"  # line 6: A-3's later state: the last row wins
    result = clean(text, tmp_path, buckets=buckets)
    assert (result.duplicates, result.superseded, result.orders, result.rows_rejected) == (1, 1, 3, 0)
    assert {k: (r["status"], r["source_line"]) for k, r in orders(result).items()} == {
        "A-1": ("shipped", 2),
        "A-2": ("shipped", 3),
        "A-3": ("delivered", 5),
    }
    assert total(result) == Decimal("22.00")
