"""The rules of bench/rules.py in plain Python, one row at a time: the benchmark's row-by-row peer
and the property tests' model of the cleaner (tests/lambda_/test_exports.py).

`clean_file(path)` reads the file twice with the csv module: once for the per-file decisions
(decimal separator, date order, grain), once to clean and gather orders. Amounts are Decimals.
"""

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from bench.rules import (
    COMMA_AMOUNT,
    COMMA_VOTE,
    CURRENCY,
    ISO_DATE,
    NUMERIC_DATE,
    POINT_AMOUNT,
    POINT_VOTE,
    SCIENTIFIC_ID,
    STALE,
    STALE_BEFORE,
    Layout,
    blank,
    layout,
    trim,
)

MAPPED = (
    "order_id",
    "line_id",
    "customer",
    "amount",
    "status",
    "order_date",
    "product",
    "category",
    "country",
    "channel",
)


@dataclass
class Order:
    order_id: str
    customer: str
    amount: Decimal
    status: str
    order_date: date
    quantity: int | None
    line_count: int = 1
    stale: bool = False


@dataclass
class Outcome:
    orders: dict[str, Order] = field(default_factory=dict)
    rejected: int = 0
    duplicates: int = 0
    comma: bool = False
    day_first: bool = False
    line_items: bool = False

    @property
    def cents(self) -> int:
        return int(sum(o.amount for o in self.orders.values()) * 100)

    @property
    def stale(self) -> int:
        return sum(o.stale for o in self.orders.values())


def _records(path: Path, shape: Layout):
    with open(path, newline="", encoding=shape.encoding) as fh:
        for _ in range(shape.skip + 1):
            fh.readline()
        for record in csv.reader(fh, delimiter=shape.delimiter):
            if any(trim(c) for c in record):
                yield record


def _cell(record: list[str], index: int | None) -> str:
    return blank(record[index]) if index is not None and index < len(record) else ""


def _money(text: str) -> str:
    return re.sub(CURRENCY, "", text)


def decide(path: Path, shape: Layout) -> tuple[bool, bool, bool]:
    """(decimal comma, day first, line items) for the whole file."""
    m = shape.mapping
    point = comma = day = month = 0
    first_product: dict[str, str] = {}
    line_items = "product" not in m
    for record in _records(path, shape):
        money = _money(_cell(record, m["amount"]))
        point += bool(re.match(POINT_VOTE, money))
        comma += bool(re.match(COMMA_VOTE, money))
        when = _cell(record, m["order_date"])
        if re.match(NUMERIC_DATE, when):
            a, b, _ = when.split("/")
            day, month = day + (int(a) > 12), month + (int(b) > 12)
        if not line_items:
            order_id, product = _cell(record, m["order_id"]), _cell(record, m["product"])
            if first_product.setdefault(order_id, product) != product:
                line_items = True
    return comma > point, day > month, line_items and "product" in m


def parse_amount(text: str, comma: bool) -> Decimal | None:
    money = _money(text)
    if not re.match(COMMA_AMOUNT if comma else POINT_AMOUNT, money):
        return None
    if comma:
        return Decimal(money.replace(".", "").replace(",", "."))
    return Decimal(money.replace(",", ""))


def parse_date(text: str, day_first: bool) -> date | None:
    try:
        if re.match(ISO_DATE, text):
            return date(int(text[:4]), int(text[5:7]), int(text[8:10]))
        if re.match(NUMERIC_DATE, text):
            a, b, y = (int(p) for p in text.split("/"))
            return date(y, b, a) if day_first else date(y, a, b)
    except ValueError:
        return None
    return None


def status_of(text: str) -> str:
    text = text.lower()
    return "cancelled" if text == "canceled" else text


def clean_file(path: Path) -> Outcome:
    shape = layout(path)
    out = Outcome()
    out.comma, out.day_first, out.line_items = decide(path, shape)
    m = shape.mapping
    seen: dict[str, set[int]] = {}
    for record in _records(path, shape):
        cells = {c: _cell(record, m.get(c)) for c in MAPPED}
        order_id = cells["order_id"]
        amount = parse_amount(cells["amount"], out.comma)
        when = parse_date(cells["order_date"], out.day_first)
        if not order_id or re.match(SCIENTIFIC_ID, order_id) or amount is None or when is None:
            out.rejected += 1
            continue
        raw_quantity = _cell(record, m.get("quantity"))
        quantity = int(raw_quantity) if raw_quantity.isdigit() else None
        status = status_of(cells["status"])
        if out.line_items:
            key = hash((tuple(cells.values()), quantity))
            before = out.orders.get(order_id)
            if before:  # a further line, or a repeat of one counted once where it last appears
                repeat = key in seen[order_id]
                if not repeat:
                    before.amount += amount
                    before.quantity = (before.quantity or 0) + (quantity or 0) if quantity or before.quantity else None
                    before.line_count += 1
                out.duplicates += repeat
                seen[order_id].add(key)
                before.order_date = when  # the last line wins; an empty cell is no conflict
                before.customer, before.status = cells["customer"] or before.customer, status or before.status
                continue
            seen[order_id] = {key}
        elif order_id in out.orders:
            out.duplicates += 1
            del out.orders[order_id]  # the last row wins, in the position of its last row
        out.orders[order_id] = Order(order_id, cells["customer"], amount, status, when, quantity)
    for order in out.orders.values():
        order.stale = order.status in STALE and order.order_date <= STALE_BEFORE
    return out


def write_parquet(outcome: Outcome, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    orders = list(outcome.orders.values())
    columns = ["order_id", "customer", "amount", "status", "order_date", "quantity", "line_count", "stale"]
    table = pa.table({c: [getattr(o, c) for o in orders] for c in columns})
    pq.write_table(table, path, compression="snappy")
