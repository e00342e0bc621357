"""Property: generated orders rendered as a messy export of each shape come back exactly.

The oracle is the generated orders themselves (a pure-Python model): whatever the shape (one row
per order, line items, Shopify-style continuation lines, an order's history, exact duplicates),
delimiter, decimal separator, date format, preamble or placeholders, the cleaner must recover every
order with its amount, customer, status, date, line count and stale flag.
"""

import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
from filter_and_process_orders.cleaning import Rules, clean_stream
from filter_and_process_orders.contract import PLACEHOLDERS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REFERENCE = date(2025, 6, 1)
RULES = Rules(REFERENCE, frozenset({"pending", "cancelled"}), 30)
STATUSES = ["shipped", "pending", "cancelled", "completed", None]


@dataclass
class Order:
    order_id: str
    customer: str | None
    status: str | None
    day: date
    lines: list[int]  # cents per line item

    @property
    def cents(self) -> int:
        return sum(self.lines)

    @property
    def stale(self) -> bool:
        return self.status in ("pending", "cancelled") and self.day <= REFERENCE - timedelta(days=30)


orders_strategy = st.lists(
    st.builds(
        Order,
        order_id=st.from_regex(r"\A[A-Z]{2}-[0-9]{1,6}\Z"),
        customer=st.one_of(  # a name such as "Na" or "None" is a placeholder by the rules, hence empty
            st.none(),
            st.from_regex(r"\A[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?\Z").filter(lambda n: n.lower() not in PLACEHOLDERS),
        ),
        status=st.sampled_from(STATUSES),
        day=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
        lines=st.lists(st.integers(min_value=-50_000, max_value=10**9), min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda o: o.order_id,
)


def money(cents: int, comma: bool, grouped: bool) -> str:
    whole, frac = divmod(abs(cents), 100)
    text = f"{whole:,}" if grouped else str(whole)
    if comma:
        text = text.replace(",", ".")
    return ("-" if cents < 0 else "") + text + ("," if comma else ".") + f"{frac:02d}"


DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d %b %Y", "%Y-%m-%d 10:11:12", "%b %d, %Y"]


@st.composite
def exports(draw):
    orders = draw(orders_strategy)
    shape = draw(st.sampled_from(["order", "line_items", "continuation", "priced_continuation", "history"]))
    # A history's later version may leave the amount or the date empty (a status log writing them on an
    # order's first row only): the order's last non-empty value stands, as for an empty status.
    gaps = draw(st.sampled_from(["", "amount", "date", "amount and date"])) if shape == "history" else ""
    if shape in ("order", "history"):
        for o in orders:
            o.lines = o.lines[:1]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    comma = draw(st.booleans()) and delimiter != ","  # a decimal comma file is rarely comma-delimited
    comma = comma or (delimiter == "," and draw(st.booleans()))  # but may be, with quotes
    grouped = draw(st.booleans())
    date_format = draw(st.sampled_from(DATE_FORMATS))
    placeholder = draw(st.sampled_from(["", "NULL", "N/A", "#N/A", "None", "-"]))
    preamble = draw(st.sampled_from([[], ["Orders export — generated 2025-03-05 10:00", ""], [f"sep={delimiter}"]]))
    header = ["Order ID", "Customer", "Status", "Order Date", "Product", "Total"]
    rows = []
    for o in orders:
        base = [o.order_id, o.customer or placeholder, o.status or placeholder, o.day.strftime(date_format)]
        if shape == "history":  # an earlier version of the order first: another status and day
            earlier = (o.day - timedelta(days=3)).strftime(date_format)
            rows.append(base[:2] + ["pending", earlier, "", money(100, comma, grouped)])
            amount = placeholder if "amount" in gaps else money(o.cents, comma, grouped)
            base[3] = placeholder if "date" in gaps else base[3]
            rows.append(base + ["", amount])
            # The oracle, by the rule: the later version's values; an empty one, the earlier's.
            o.lines = [100] if "amount" in gaps else o.lines
            o.day = o.day - timedelta(days=3) if "date" in gaps else o.day
            o.status = o.status or "pending"
            continue
        for j, cents in enumerate(o.lines):
            product = f"Item {j}" if shape in ("line_items", "continuation", "priced_continuation") else ""
            amount = money(cents, comma, grouped)
            if shape == "continuation":
                amount = money(o.cents, comma, grouped) if j == 0 else ""
            if shape == "priced_continuation" and j:  # Shopify's further lines: id, product and price only
                rows.append([o.order_id, placeholder, placeholder, placeholder, product, amount])
                continue
            rows.append(base + [product, amount])
    if rows and draw(st.booleans()):  # an exact duplicate of some line, next to it (as exports repeat rows)
        at = draw(st.integers(0, len(rows) - 1))
        rows.insert(at + 1, list(rows[at]))
    text = io.StringIO()
    for line in preamble:
        text.write(line + "\r\n")
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return orders, shape, comma, text.getvalue().encode(), draw(st.sampled_from([1, 16]))


def run(body: bytes, comma_default: bool, buckets: int = 1):
    rules = Rules(REFERENCE, RULES.stale_statuses, 30, decimal_comma_default=comma_default)
    with tempfile.TemporaryDirectory() as workdir:
        result = clean_stream(
            io.BytesIO(body),
            rules=rules,
            workdir=Path(workdir),
            source_key="raw/p.csv",
            ingested_at=datetime(2025, 6, 1, tzinfo=UTC),
            buckets=buckets,
        )
        rows = [r for m in sorted(result.months) for r in pq.read_table(result.months[m]).to_pylist()]
    return result, {r["order_id"]: r for r in rows}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_every_shape_of_messy_export_gives_back_exactly_the_generated_orders(export):
    orders, shape, comma, body, buckets = export
    # A file whose amounts are all ambiguous (none here: every amount has two decimals) would use the setting.
    # With several dedup buckets, the grain is often certain before the last one is sifted.
    result, got = run(body, comma_default=comma, buckets=buckets)
    expected = {o.order_id: (Decimal(o.cents) / 100, o.customer, o.status, o.day, o.stale) for o in orders}
    assert {k: (r["amount"], r["customer"], r["status"], r["order_date"], r["stale"]) for k, r in got.items()} == (
        expected
    ), (shape, result.grain)
    if shape in ("line_items", "continuation", "priced_continuation") and any(len(o.lines) > 1 for o in orders):
        assert result.grain == "line_items"
        assert {k: r["line_count"] for k, r in got.items()} == {o.order_id: len(o.lines) for o in orders}
    assert result.rows_rejected == 0
    assert result.amount_total == sum((Decimal(o.cents) / 100 for o in orders), Decimal(0))
