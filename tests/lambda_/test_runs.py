"""runs.Runs, the numpy group-by of line items, against plain Python over the same lines."""

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from filter_and_process_orders.runs import SUM_TYPE, Runs

LINE = pa.decimal128(18, 8)


def model(group, values, valid):
    """{group: [valid values in line order]}, groups in the order of their first line."""
    found: dict[int, list] = {}
    for g, v, ok in zip(group.tolist(), values, valid):
        found.setdefault(g, []).extend([v] if ok else [])
    return found


@pytest.mark.parametrize("huge", [False, True])
def test_each_group_sums_largest_and_last_valid_line_match_a_python_model(huge):
    rng = np.random.default_rng(3 if huge else 4)
    n = 500
    group = rng.integers(0, 120, n).astype(np.int32)
    top = 999_999_999_999_999_999 if huge else 10**12  # huge: sums past an int64 take the exact path
    units = rng.integers(-top, top, n)
    valid = rng.random(n) > 0.2
    amounts = pa.array([Decimal(int(u)).scaleb(-8) if ok else None for u, ok in zip(units, valid)], LINE)
    runs = Runs.of(group)
    expected = model(group, [Decimal(int(u)).scaleb(-8) for u in units], valid)
    assert [group[runs.order[s]] for s in runs.starts] == list(expected)  # first-seen order
    sums = runs.decimal_totals(amounts, valid, largest=False)
    largest = runs.decimal_totals(amounts, valid, largest=True)
    assert sums.type == largest.type == SUM_TYPE
    assert sums.to_pylist() == [sum(v) if v else None for v in expected.values()]
    assert largest.to_pylist() == [max(v) if v else None for v in expected.values()]
    assert runs.counts(valid).tolist() == [len(v) for v in expected.values()]
    positions = np.arange(n) * 3
    last = model(group, positions.tolist(), valid)
    assert runs.last_valid(positions, valid).to_pylist() == [v[-1] if v else None for v in last.values()]
    if not huge:  # int64 sums (these fit)
        by_group = model(group, units.tolist(), valid)
        assert runs.sums(units, valid).tolist() == [sum(v) for v in by_group.values()]
