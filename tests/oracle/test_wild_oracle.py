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


# README's amount rule ("The cleaner", "Numbers"), its own examples, each value by hand.
D = wild.Decimal
README_AMOUNTS = [
    ("$1,234.50", ".", D("1234.50")),
    ("1 234,50 €", ",", D("1234.50")),
    ("USD -5.00", ".", D("-5.00")),
    ("($1,234.50)", ".", D("-1234.50")),
    ("1.234,50-", ",", D("-1234.50")),
    ("-USD 5.00", ".", D("-5.00")),
    ("(USD 1,234.50)", ".", D("-1234.50")),
    ("1,234.50 USD-", ".", D("-1234.50")),
    ("1 234.50", ".", D("1234.50")),
    ("CHF 1'234.50", ".", D("1234.50")),
    ("1\u00a0234.50", ".", D("1234.50")),
    ("+12.5", ".", D("12.5")),
    ("١٢,٥٠", ",", D("12.50")),  # Arabic-Indic digits, a decimal comma
    ("١٬٢٣٤٫٥٠", ".", D("1234.50")),  # U+066C thousands, U+066B decimal: in either convention
    ("١٬٢٣٤٫٥٠", ",", D("1234.50")),
    ("9999999999.99", ".", D("9999999999.99")),  # the most decimal(12,2) holds
    ("10000000000", ".", "amount_too_large"),
    ("12,50", ".", "amount_format"),  # only a decimal comma reads it
    ("1,234.56", ",", "amount_format"),
    *((cell, ".", "bad_amount") for cell in ["12€50", "5$00", "1 23.50", "12.50 3", "1,234 567.00", "\u22125.00"]),
    *((cell, ".", "bad_amount") for cell in ["US$5.00", "R$5.00", "usd 5", ".5", "12.", "1e3"]),
]


@pytest.mark.parametrize(("cell", "separator", "expected"), README_AMOUNTS)
def test_the_oracle_reads_an_amount_as_readme_says(cell, separator, expected):
    """Before, the oracle took out every currency sign and space anywhere (`12€50` was 1250), and read no
    code, parenthesis, trailing minus, `+`, apostrophe or digit of another script."""
    assert wild._amount(cell, separator) == expected


@pytest.mark.parametrize(
    ("cells", "votes"),
    [  # a cell only one convention reads votes; one both read differently is ambiguous; U+066B/C: no vote
        (["$1,234.50", "12,50", "1.234", "١٬٢٣٤٫٥٠", "7"], {"point": 1, "comma": 1, "ambiguous": 1}),
        (["CHF 1'234.50", "(USD 1,234.50)", "1 234,50 €"], {"point": 2, "comma": 1, "ambiguous": 0}),
    ],
)
def test_the_oracle_counts_decimal_separator_votes_as_readme_says(cells, votes):
    got = wild._check_separator(cells, {"decimal": "." if votes["point"] >= votes["comma"] else ","})
    assert {k: got[k] for k in votes} == votes


def test_nan_is_a_placeholder_and_zero_width_characters_are_trimmed():
    assert (wild._cell(" nan "), wild._cell("\u200b12.50\ufeff"), wild._cell("NaN")) == ("", "12.50", "")
