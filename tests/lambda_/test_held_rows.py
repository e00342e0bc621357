"""Held-back rows (no amount, no date) rejected bucket by bucket after the last chunk: with many chunks and
many dedup buckets, each rejected line is found among the held rows once, in physical line order, and the
orders' totals are a plain model's (each order's amounts summed; an order with no amount on any line is
rejected `missing_amount`, all its lines)."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from filter_and_process_orders import spool as spool_module
from filter_and_process_orders import text as text_module
from filter_and_process_orders.cleaning import Rules, clean_stream

RULES = Rules(date(2025, 6, 1), frozenset({"pending"}), 30)


def _export(orders: int) -> tuple[str, list[int], Decimal, int]:
    """A line-item export whose second lines all come after every first line (far from their order):
    order i%3 == 0 one priced line; == 1 a priced line and a line without an amount (a continuation);
    == 2 two lines without an amount (rejected). Returns the text, the rejected lines, total, orders."""
    first, second = [], []
    rejected, total, kept = [], Decimal(0), 0
    for i in range(orders):
        amount = f"{i}.25" if i % 3 != 2 else ""
        first.append((f"O{i}", amount, f"P{i}a"))
        if i % 3:
            second.append((f"O{i}", "", f"P{i}b"))
        if i % 3 != 2:
            total, kept = total + Decimal(f"{i}.25"), kept + 1
    rows = first + second
    text = "Order ID,Amount,Order Date,Product\n"
    for number, (order, amount, product) in enumerate(rows, start=2):
        text += f"{order},{amount},2025-05-0{1 + number % 9},{product}\n"
        if int(order[1:]) % 3 == 2:
            rejected.append(number)
    return text, rejected, total, kept


@pytest.mark.parametrize("bucket_bytes", [8 << 20, 700, 97])
def test_held_back_rows_are_rejected_once_each_in_line_order_over_many_buckets(tmp_path, monkeypatch, bucket_bytes):
    monkeypatch.setattr(text_module, "CHUNK_BYTES", 2000)  # about twenty chunks
    monkeypatch.setattr(spool_module, "BYTES_PER_BUCKET", bucket_bytes)
    text, rejected_lines, total, kept = _export(600)
    buckets = spool_module.buckets_for(len(text))  # as the handler decides: 1, 36 or 258
    assert buckets == {8 << 20: 1, 700: 36, 97: 258}[bucket_bytes]
    result = clean_stream(
        io.BytesIO(text.encode()),
        rules=RULES,
        workdir=tmp_path,
        source_key="raw/t.csv",
        ingested_at=datetime(2025, 6, 1, tzinfo=UTC),
        buckets=buckets,
    )
    rows = list(csv.reader(io.StringIO(result.rejected_path.read_text())))[1:]
    assert [(int(r[0]), r[1]) for r in rows] == [(line, "missing_amount") for line in rejected_lines]
    assert [r[3] for r in rows] == [f"O{int(line_order)}" for line_order in _ids(text, rejected_lines)]
    orders = [r for m in sorted(result.months) for r in pq.read_table(result.months[m]).to_pylist()]
    assert (len(orders), sum((o["amount"] for o in orders), Decimal(0))) == (kept, total)
    assert len(rejected_lines) == 400  # 200 orders of two lines each


def _ids(text: str, lines: list[int]) -> list[str]:
    records = text.splitlines()
    return [records[line - 1].split(",")[0][1:] for line in lines]
