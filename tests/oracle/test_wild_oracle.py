"""The committed expected outcomes are what the independent oracle computes from the files."""

import ast
import hashlib
import sys

import pytest

from tests.oracle import shapes, wild
from tests.oracle import spec as specs
from tests.oracle.shapes import SHAPE_SPECS


@pytest.mark.parametrize("name", sorted(wild.SETS))
def test_the_committed_outcomes_are_what_the_oracle_computes_from_the_files(name):
    _, _, expected = wild.SETS[name]
    assert expected.read_text(encoding="utf-8") == wild.render(wild.outcomes(name))


def test_the_oracle_agrees_with_the_totals_worked_out_by_hand_for_the_shapes():
    computed = wild.outcomes("shapes")
    for name, spec in SHAPE_SPECS.items():
        assert {k: computed[name][k] for k in spec["by_hand"]} == spec["by_hand"], name


def test_the_oracle_imports_nothing_of_the_cleaner_or_the_site():
    imported = set()
    for module in (wild, specs, shapes):
        for node in ast.walk(ast.parse(wild.Path(module.__file__).read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"tests"}, imported


def test_the_reference_data_keeps_the_bytes_it_was_given():
    for line in (wild.DATA / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((wild.DATA / name).read_bytes()).hexdigest() == digest, name


def test_a_decimal_comma_file_reads_three_decimals_as_decimals_and_whole_cells_as_whole():
    spec = wild.WILD_SPECS["DavidJramillo__dataForTSCtarea2__Orders.csv"] | {"header": ["id", "amt", "day"]}
    spec["columns"] = {"order_id": "id", "amount": "amt", "order_date": "day", "product": "id"}
    body = 'id,amt,day\nA,"3610,848",1/2/2024\nB,"959,984",1/2/2024\nC,1863,1/2/2024\nD,"1.250,5",2/2/2024\n'
    result = wild.outcome("x.csv", body.encode(), spec | {"grain": "order"})
    assert result["amount_total"] == str(sum(map(wild.Decimal, ["3610.85", "959.98", "1863", "1250.50"])))
    assert result["months"] == {"2024-02": 4}


def test_a_spec_that_contradicts_its_file_is_refused():
    spec = wild.WILD_SPECS["AjayyMohite__Online_Book_Store-SQL__Orders.csv"] | {"decimal": ","}
    raw = (wild.WILD / "AjayyMohite__Online_Book_Store-SQL__Orders.csv").read_bytes()
    try:
        wild.outcome("x.csv", raw, spec)
    except wild.SpecMismatch as exc:
        assert "vote" in str(exc)
    else:
        raise AssertionError("a decimal-comma spec was accepted for a decimal-point file")
