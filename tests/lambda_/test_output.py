"""The Parquet files per order month, written from orders in any order, and the stale orders' count
and sample (the orders themselves are stored once, flagged in the Parquet)."""

import random
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from filter_and_process_orders import output as output_module
from filter_and_process_orders.contract import SCHEMA
from filter_and_process_orders.months import BODY
from filter_and_process_orders.output import Output

INGESTED = datetime(2025, 6, 1, 12, tzinfo=UTC)


def orders(rows: list[dict]) -> pa.Table:
    """Orders as the grain step hands them over: the contract's columns less source_key and ingested_at
    (every order has a source line: the row's place, from line 2, unless given)."""
    defaults = {"customer": "Kim", "status": "shipped", "quantity": 1, "line_count": 1, "stale": False}
    full = [{f.name: {**defaults, "source_line": i + 2, **r}.get(f.name) for f in BODY} for i, r in enumerate(rows)]
    return pa.Table.from_pylist(full, schema=BODY)


def test_orders_land_in_their_month_in_arrival_order_even_centuries_apart(tmp_path):
    rng = random.Random(5)
    days = [date(1, 1, 1), date(1999, 12, 31), date(2025, 6, 15), date(2025, 6, 1), date(9999, 12, 31)]
    days += [date(2024, 1, 1) + timedelta(days=rng.randrange(700)) for _ in range(400)]
    rows = [
        {"order_id": f"A-{i}", "amount": Decimal(rng.randrange(1, 99999)) / 100, "order_date": d, "source_line": i + 2}
        for i, d in enumerate(days)
    ]
    for i in range(len(rows)):
        rows[i]["stale"] = i % 3 == 0
    output = Output(tmp_path, source_key="raw/a.csv", ingested_at=INGESTED)
    for start in range(0, len(rows), 97):  # buckets of any size, months mixed in each
        output.add(orders(rows[start : start + 97]))
    files = output.finish()

    expected: dict[str, list[str]] = {}
    for r in rows:
        expected.setdefault(f"{r['order_date']:%Y-%m}".zfill(7), []).append(r["order_id"])
    assert sorted(files) == sorted(expected) and "0001-01" in files and "9999-12" in files
    for month, path in files.items():
        table = pq.read_table(path)
        assert table.schema.equals(SCHEMA)
        assert table.column("order_id").to_pylist() == expected[month]  # file order within a month
        assert set(table.column("source_key").to_pylist()) == {"raw/a.csv"}
        assert set(table.column("ingested_at").to_pylist()) == {INGESTED}
    assert output.orders == len(rows)
    assert output.amount_total == sum(r["amount"] for r in rows)
    assert output.amount_counted == sum(r["amount"] for r in rows if not r["stale"])

    flagged = [r for r in rows if r["stale"]]
    stored = [row for path in files.values() for row in pq.read_table(path).to_pylist() if row["stale"]]
    assert sorted(r["order_id"] for r in stored) == sorted(r["order_id"] for r in flagged)
    assert output.stale.count == len(flagged)
    first = sorted(flagged, key=lambda r: r["source_line"])[:20]
    assert [(s["order_id"], Decimal(s["amount"]), s["source_line"]) for s in output.stale.sample] == [
        (r["order_id"], r["amount"], str(r["source_line"])) for r in first
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{m}.parquet" for m in files)  # no CSV


def test_a_file_without_stale_orders_has_no_sample_and_counts_every_order(tmp_path):
    output = Output(tmp_path, source_key="raw/b.csv", ingested_at=INGESTED)
    output.add(orders([{"order_id": "B-1", "amount": Decimal("10.50"), "order_date": date(2025, 2, 1)}]))
    output.add(orders([{"order_id": "B-2", "amount": Decimal("4.25"), "order_date": date(2025, 3, 9)}]))
    assert sorted(output.finish()) == ["2025-02", "2025-03"]
    assert (output.amount_total, output.amount_counted) == (Decimal("14.75"), Decimal("14.75"))
    assert (output.stale.count, output.stale.sample) == (0, [])


def test_a_parquet_file_that_cannot_be_written_fails_the_caller_not_only_the_writer_thread(tmp_path):
    output = Output(tmp_path / "gone", source_key="raw/c.csv", ingested_at=INGESTED)  # no such directory
    output.add(orders([{"order_id": "C-1", "amount": Decimal("1.00"), "order_date": date(2025, 2, 1)}]))
    with pytest.raises(OSError):
        output.finish()


def test_only_the_rows_named_are_written_and_counted_when_a_table_holds_other_lines_too(tmp_path):
    rng = random.Random(9)
    rows = [
        {
            "order_id": f"R-{i}",
            "amount": Decimal(rng.randrange(1, 99999)) / 100,
            "order_date": date(2025, 1, 1) + timedelta(days=rng.randrange(120)),
            "source_line": i + 2,
            "stale": i % 4 == 0,
        }
        for i in range(300)
    ]
    picked = sorted(rng.sample(range(300), 170))
    output = Output(tmp_path, source_key="raw/r.csv", ingested_at=INGESTED)
    output.add(orders(rows), np.array(picked))
    output.add(orders(rows[:5]), np.array([], np.int64))  # nothing named: nothing written
    files = output.finish()

    kept = [rows[i] for i in picked]
    written = {month: pq.read_table(path).column("order_id").to_pylist() for month, path in files.items()}
    expected: dict[str, list[str]] = {}
    for r in kept:
        expected.setdefault(f"{r['order_date']:%Y-%m}", []).append(r["order_id"])
    assert written == expected
    assert (output.orders, output.amount_total) == (170, sum(r["amount"] for r in kept))
    assert output.amount_counted == sum(r["amount"] for r in kept if not r["stale"])
    stored = [row["order_id"] for path in files.values() for row in pq.read_table(path).to_pylist() if row["stale"]]
    assert sorted(stored) == sorted(r["order_id"] for r in kept if r["stale"]) and output.stale.count == len(stored)


def test_the_sample_is_the_first_stale_orders_by_line_whatever_order_the_buckets_come_in(tmp_path):
    rng = random.Random(3)
    lines = rng.sample(range(2, 5000), 600)  # buckets of orders from anywhere in the file
    lowest = min(line for line in lines if line % 2 == 0)  # the first stale order
    rows = [
        {
            "order_id": f"L-{line}",
            "customer": "=cmd|' /C calc'!A0" if line == lowest else "Kim",
            "amount": Decimal(line) / 100,
            "order_date": date(2025, 1, 1) + timedelta(days=line % 90),
            "source_line": line,
            "stale": line % 2 == 0,
        }
        for line in lines
    ]
    output = Output(tmp_path, source_key="raw/l.csv", ingested_at=INGESTED)
    for start in range(0, len(rows), 50):
        output.add(orders(rows[start : start + 50]))
    output.finish()
    first = sorted((r for r in rows if r["stale"]), key=lambda r: r["source_line"])[:20]
    assert [s["source_line"] for s in output.stale.sample] == [str(r["source_line"]) for r in first]
    assert output.stale.count == sum(r["stale"] for r in rows)
    assert [s["customer"] for s in output.stale.sample] == ["'=cmd|' /C calc'!A0"] + ["Kim"] * 19  # inert


def test_customers_that_mostly_differ_are_written_without_a_dictionary_and_read_back_the_same(tmp_path):
    def written(customer, workdir):
        workdir.mkdir()
        rows = [
            {"order_id": f"A-{i}", "customer": customer(i), "amount": Decimal(i), "order_date": date(2025, 3, 1)}
            for i in range(600)
        ]
        output = Output(workdir, source_key="raw/a.csv", ingested_at=INGESTED)
        output.add(orders([{**r, "source_line": i + 2} for i, r in enumerate(rows)]))
        path = output.finish()["2025-03"]
        encodings = pq.ParquetFile(path).metadata.row_group(0).column(1).encodings  # customer
        return pq.read_table(path).column("customer").to_pylist(), "RLE_DICTIONARY" in encodings

    many, few = (lambda i: f"Customer {i}"), (lambda i: f"Customer {i % 7}")
    assert written(many, tmp_path / "many") == ([many(i) for i in range(600)], False)
    assert written(few, tmp_path / "few") == ([few(i) for i in range(600)], True)


def test_once_the_last_orders_are_in_a_file_closes_after_its_last_row_group_while_the_others_are_written(
    tmp_path, monkeypatch
):
    # Each add writes a batch of row groups, one per month. A writer thread that wrote a row group of
    # the last batch before `finish` began holds back until then (`finish` closes that month): at least
    # ten months of that batch are written once `finish` began, with nothing left for later.
    monkeypatch.setattr(output_module, "BUFFERED_ROWS", 1)
    heard: list[tuple[str, bool]] = []
    finishing = threading.Event()

    def on_write(path, closed):
        heard.append((path.stem, closed))
        if closed:
            finishing.set()
        elif heard.count((path.stem, False)) == 4:  # the month's row group in the last batch
            finishing.wait(10)

    output = Output(tmp_path, source_key="raw/f.csv", ingested_at=INGESTED, on_write=on_write)
    rows = [
        {"order_id": f"F-{i}", "amount": Decimal(i + 1), "order_date": date(2024, 1 + i % 12, 1), "source_line": i + 2}
        for i in range(2_400)
    ]
    for start in range(0, len(rows), 600):  # four batches, every month in each
        output.add(orders(rows[start : start + 600]))
    files = output.finish()

    assert sorted(files) == [f"2024-{m:02d}" for m in range(1, 13)]
    events = {month: [closed for name, closed in heard if name == month] for month in files}
    # Closed once, last. The months written once `finish` began were closed by the writer thread, with
    # no append reported first (before, every file was closed only after the whole batch: 4 appends).
    assert all(e[-1] and not any(e[:-1]) for e in events.values())
    appends = [len(e) - 1 for e in events.values()]
    assert appends.count(3) >= 10 and set(appends) <= {3, 4}
    written = {month: pq.read_table(path).column("order_id").to_pylist() for month, path in files.items()}
    expected: dict[str, list[str]] = {}
    for r in rows:
        expected.setdefault(f"{r['order_date']:%Y-%m}", []).append(r["order_id"])
    assert written == expected and output.amount_total == sum(r["amount"] for r in rows)
