"""The column parsers (the fast paths) read every cell of the second generator's exports
(bench/exports.py) as the single-value parsers do, and as the benchmark's plain-Python model of the
rules (bench/row_by_row.py) does: three date shapes in one column, "$1,234.50" beside 1234.5, thousands-only
amounts, decimal commas, padded, blank, placeholder and garbage cells."""

import csv
import io

import pyarrow as pa
import pytest
from filter_and_process_orders.amounts import amounts, parse_amount
from filter_and_process_orders.dates import dates, parse_date
from filter_and_process_orders.values import cleaned_text

from bench import row_by_row
from bench.exports import export_bytes
from bench.rules import blank, layout

SAMPLES = [(dialect, seed) for dialect in ("us", "eu") for seed in (1, 2, 3, 4)]


def column(tmp_path, dialect: str, seed: int, name: str) -> list[str]:
    path = tmp_path / "export.csv"
    path.write_bytes(export_bytes(4000, dialect, seed))
    shape = layout(path)
    text = io.StringIO(path.read_text(encoding=shape.encoding), newline="")
    records = list(csv.reader(text, delimiter=shape.delimiter))[shape.skip + 1 :]
    return [r[shape.mapping[name]] for r in records if len(r) > shape.mapping[name]]


@pytest.mark.parametrize(("dialect", "seed"), SAMPLES)
def test_every_amount_cell_reads_the_same_in_the_column_parser_the_cell_parser_and_the_model(tmp_path, dialect, seed):
    cells = column(tmp_path, dialect, seed, "amount")
    comma = dialect == "eu"
    text = cleaned_text(pa.array(cells))
    values, _ = amounts(text, decimal_comma=comma)
    fast = dict(zip(cells, values.to_pylist()))
    single = {c: parse_amount(t or "", comma) for c, t in zip(cells, text.to_pylist())}
    model = {c: row_by_row.parse_amount(blank(c), comma) for c in cells}
    assert len(set(cells)) > 1000  # many shapes, not a few values
    assert {c: (fast[c], single[c]) for c in fast if fast[c] != single[c]} == {}
    assert {c: (fast[c], model[c]) for c in fast if fast[c] != model[c]} == {}


@pytest.mark.parametrize(("dialect", "seed"), SAMPLES)
def test_every_date_cell_reads_the_same_in_the_column_parser_the_cell_parser_and_the_model(tmp_path, dialect, seed):
    cells = column(tmp_path, dialect, seed, "order_date")
    day_first = dialect == "eu"
    text = cleaned_text(pa.array(cells))
    fast = dict(zip(cells, dates(text, day_first=day_first).to_pylist()))
    single = {c: parse_date(t or "", day_first) for c, t in zip(cells, text.to_pylist())}
    model = {c: row_by_row.parse_date(blank(c), day_first) for c in cells}
    assert {c: (fast[c], single[c]) for c in fast if fast[c] != single[c]} == {}
    assert {c: (fast[c], model[c]) for c in fast if fast[c] != model[c]} == {}
