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
    amount: Decimal | None  # None while no line of the order has one
    status: str
    order_date: date | None
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
    """Rows are read one at a time; a row whose amount or date cell is empty (not unreadable) is a line
    of its order like any other. Line items: a line's rows (alike but for status and date: an exact
    repeat or a later version) count once, amounts and quantities summed,
    the last non-empty date, customer and status. History: the order's last row, a cell it leaves empty
    taking the order's last non-empty value. Then an order without an amount on any line is rejected
    with its lines, and one without a date likewise."""
    shape = layout(path)
    out = Outcome()
    out.comma, out.day_first, out.line_items = decide(path, shape)
    m = shape.mapping
    seen: dict[str, set[int]] = {}
    lines: dict[str, int] = {}  # rows kept per order (not exact repeats): rejected with it
    for record in _records(path, shape):
        cells = {c: _cell(record, m.get(c)) for c in MAPPED}
        order_id = cells["order_id"]
        amount = parse_amount(cells["amount"], out.comma) if cells["amount"] else None
        when = parse_date(cells["order_date"], out.day_first) if cells["order_date"] else None
        unread = (cells["amount"] and amount is None) or (cells["order_date"] and when is None)
        if not order_id or re.match(SCIENTIFIC_ID, order_id) or unread:
            out.rejected += 1
            continue
        raw_quantity = _cell(record, m.get("quantity"))
        quantity = int(raw_quantity) if raw_quantity.isdigit() else None
        status = status_of(cells["status"])
        before = out.orders.get(order_id)
        if out.line_items:
            key = hash((tuple(v for c, v in cells.items() if c not in ("status", "order_date")), quantity))
            if before:  # a further line, or a repeat of one counted once where it last appears
                repeat = key in seen[order_id]
                if not repeat:
                    before.amount = amount if before.amount is None else before.amount + (amount or 0)
                    before.quantity = (before.quantity or 0) + (quantity or 0) if quantity or before.quantity else None
                    before.line_count += 1
                    lines[order_id] += 1
                out.duplicates += repeat
                seen[order_id].add(key)
                before.order_date = when or before.order_date  # the last line wins; an empty cell is no conflict
                before.customer, before.status = cells["customer"] or before.customer, status or before.status
                continue
            seen[order_id] = {key}
        elif before:
            out.duplicates += 1
            del out.orders[order_id]  # the last row wins, in the position of its last row; its gaps filled
            amount = before.amount if amount is None else amount
            when, quantity = when or before.order_date, before.quantity if quantity is None else quantity
            cells["customer"], status = cells["customer"] or before.customer, status or before.status
        lines[order_id] = lines.get(order_id, 0) + 1
        out.orders[order_id] = Order(order_id, cells["customer"], amount, status, when, quantity)  # type: ignore[arg-type]
    for order_id, order in list(out.orders.items()):
        if order.amount is None or order.order_date is None:  # no amount (no date) on any line
            del out.orders[order_id]
            out.rejected += lines[order_id]
            out.duplicates -= lines[order_id] - 1 if not out.line_items else 0
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
