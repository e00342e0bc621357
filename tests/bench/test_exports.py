"""The second generator makes every shape it promises, the same bytes for the same seed, and the
benchmark's peers agree with the plain-Python model of the rules on them."""

import re

import pytest

from bench import peers
from bench.exports import export_bytes
from bench.row_by_row import clean_file


@pytest.fixture(scope="module")
def us() -> str:
    return export_bytes(20_000, "us", 5).decode("utf-8")


@pytest.fixture(scope="module")
def eu() -> str:
    return export_bytes(20_000, "eu", 5).decode("utf-8")


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes():
    assert export_bytes(3000, "eu", 9) == export_bytes(3000, "eu", 9)
    assert export_bytes(3000, "eu", 9) != export_bytes(3000, "eu", 10)


def test_the_us_dialect_mixes_date_shapes_money_shapes_quoted_names_and_repeated_orders(us):
    assert us.startswith("\ufeffOrder Number,")
    assert re.search(r",\d{4}-\d{2}-\d{2},", us) and re.search(r",\d{2}/\d{2}/\d{4},", us)
    assert re.search(r",\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},", us)
    assert re.search(r',"\$\d{1,2},\d{3}\.\d{2}",', us) and re.search(r",\d+\.\d{1,2},", us)
    assert re.search(r',"\d{1,2},\d{3}",', us)  # thousands only: 1,250
    assert re.search(r'^SO-\d+,"[A-Z][^",]+, [A-Z]', us, re.M)
    ids = re.findall(r"^(SO-\d+),", us, re.M)
    assert len(ids) - len(set(ids)) > 500
    assert "\ncall first\nthen deliver" in us.replace('"', "\n")


def test_the_eu_dialect_has_a_preamble_decimal_commas_line_items_and_lines_exported_twice(eu):
    assert eu.startswith("sep=;\r\nBestellungen Export")
    lines = eu.split("\r\n")
    assert lines[2] == "" and lines[3].startswith("Row ID;Order ID;")
    assert re.search(r";\d{1,3}\.\d{3},\d{2}\r\n", eu) and re.search(r";\d{1,3}\.\d{3}\r\n", eu)
    assert re.search(r";\d+,\d\r\n", eu)
    assert len(lines) - 1 - len(set(lines)) > 50  # verbatim repeats
    assert re.search(r"(?i);(NULL|N/A|#N/A);", eu)


@pytest.mark.parametrize("dialect", ["us", "eu"])
def test_every_column_has_padded_blank_placeholder_and_garbage_cells(dialect, us, eu, tmp_path):
    text = us if dialect == "us" else eu
    assert re.search(r"[;,] +\S+ *[;,]", text) and re.search(r"[;,](NULL|N/A|null|None)[;,]", text)
    assert "4.40213E+11" in text or "1.67185E+13" in text
    assert "2024-02-30" in text and ("#VALUE!" in text or "12.3.4" in text)


@pytest.mark.parametrize("dialect", ["us", "eu"])
@pytest.mark.parametrize("peer", ["polars", "duckdb", "pandas"])
def test_each_peer_keeps_the_orders_and_total_of_the_row_by_row_model(dialect, peer, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(export_bytes(4000, dialect, 3))
    model = clean_file(path)
    assert model.line_items == (dialect == "eu") and model.comma == (dialect == "eu")
    assert model.day_first == (dialect == "eu")
    out = tmp_path / "out"
    out.mkdir()
    assert getattr(peers, f"run_{peer}")(path, out) == {
        "orders": len(model.orders),
        "cents": model.cents,
        "stale": model.stale,
    }


@pytest.mark.parametrize("peer", ["polars", "duckdb", "pandas"])
def test_each_peer_trims_zero_width_characters_off_the_ends_of_cells_as_the_model_does(peer, tmp_path):
    # By hand: 1001 twice (the later row, 12.25, wins), 1002 20.00 (pending, 2025-04-01: stale), 1003
    # 5.00; the zero-width space inside 1004's amount and the id of nothing but one reject those rows.
    path = tmp_path / "zw.csv"
    path.write_text(
        "order_id,amount,order_date,status\n"
        "1001\u200b,10.50,2025-05-30,shipped\n"
        "\ufeff1001,\u200b12.25,2025-05-31,shipped\n"
        "1002, \u206020.00\u2060 ,\u200d2025-04-01,pending\n"
        "\u200d1003\u200c,5.00\ufeff,2025-05-29\u200b,\u200bshipped\n"
        "1004,1\u200b2.00,2025-05-30,shipped\n"
        "\u200b,1.00,2025-05-30,shipped\n",
        encoding="utf-8",
    )
    model = clean_file(path)
    assert (sorted(model.orders), model.cents, model.stale, model.rejected) == (["1001", "1002", "1003"], 3725, 1, 2)
    out = tmp_path / "out"
    out.mkdir()
    assert getattr(peers, f"run_{peer}")(path, out) == {"orders": 3, "cents": 3725, "stale": 1}
