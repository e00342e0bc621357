"""Order exports shaped like other people's systems, for benchmarks and property tests.

    python bench/exports.py out.csv --rows 1000000 --dialect eu --seed 3

Two dialects, both seeded and deterministic, written in blocks of vectorised numpy/pyarrow work:

- `us` (a web shop's order list, one row per order, an order's history repeated anywhere):
  UTF-8 BOM, `,`, LF; `Order Number,Customer,Order Total,Status,Created At,Sales Channel,Note`.
  Dates mix ISO `2024-03-05`, `03/05/2024` (month first; days over 12 decide the order) and ISO
  with a time `2024-03-05 14:22:10`. Amounts mix `1234.5`, `980`, quoted `"$1,234.50"` and
  quoted thousands-only `"1,250"` (decimal point decided by the file). Customers are quoted
  `"Last, First"`. About 6 % of rows repeat an earlier or later order anywhere in the file with a
  new status and date (same customer and amount); a few notes hold the delimiter, a doubled
  quote or a line break inside quotes.
- `eu` (a spreadsheet of line items): an Excel `sep=;` line, a title line and a blank line
  before the header, `;`, CRLF; `Row ID;Order ID;Order Date;Customer Name;Product Name;Category;
  Country;Quantity;Sales`. Orders have 1-4 lines with different products whose amounts sum into
  the order; 3 % of lines sit elsewhere in the file, 1 % add a line to an order of an earlier
  block, 0.5 % are exported twice verbatim. Decimal commas `1.234,56`, `12,5`, `980` and
  thousands-only `2.005` (two thousand and five). Dates `19/04/2024` (day first), ISO, ISO
  with a time. Text cells are quoted; product names hold `;` and doubled quotes.

In every column about 3 % of cells are messy: padded with spaces (still valid), blank, a
placeholder (`NULL`, `N/A`, `#N/A`, `null`, `-`, `None`, `n/a`) or garbage typical of the column
(`abc`, `12.3.4`, `2024-02-30`, `4.40213E+11`, ...). Exception: `eu` amounts are never blank or a
placeholder, since a line without an amount is a continuation line of its order, not a reject.
Reference date for the stale rule: 2025-06-01 (dates run from 2023-01-01 to 2025-05-31).
"""

import argparse
import functools
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BLOCK = 250_000
MESSY = 0.03
FIRST_DAY, LAST_DAY = date(2023, 1, 1).toordinal() - 719163, date(2025, 5, 31).toordinal() - 719163
PLACEHOLDERS = ["NULL", "N/A", "#N/A", "null", "-", "None", "n/a"]
GARBAGE = {
    "id": ["4.40213E+11", "1.67185E+13", "#REF!"],
    "text": ["???", "#NAME?", "0", "x"],
    "amount": ["abc", "12.3.4", "#VALUE!", "1,2,3", "$", "--5"],
    "date": ["2024-02-30", "soon", "#######", "00/00/0000", "2024-13-01"],
    "int": ["two", "1.5.0", "#"],
}
LAST = ["Smith", "Garcia", "Nguyen", "O'Brien", "Kowalski", "Müller", "Rossi", "Dubois", "Tanaka", "Okafor"]
FIRST = ["Ann", "Bo", "Chloé", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena", "Maël"]
PRODUCTS = [
    'Monitor 27"',
    "Desk lamp",
    "Paper; A4, 500 sheets",
    "Chair mat",
    'Cable "flat" 2m',
    "Stapler",
    "Notebook",
    "Headset",
    "Bürostuhl",
    "Whiteboard",
    "Mouse pad",
    "USB hub",
    "Laptop stand",
]
US_STATUS = ["Shipped", "DELIVERED", "completed", "Pending", "PENDING", "Canceled", "cancelled", "processing"]
EU_STATUS = ["Completed", "SHIPPED", "pending", "Cancelled", "CANCELED", "returned"]
CHANNELS = ["Web", "Store", "Phone", "Marketplace"]
CATEGORIES = ["Furniture", "Office Supplies", "Technology"]
COUNTRIES = ["Deutschland", "Österreich", "France", "España", "Italia"]
NOTES = ["leave at door, ring twice", 'gift "wrap"', "call first\nthen deliver"]


def _num(a: np.ndarray) -> pa.Array:
    return pa.array(a).cast(pa.string())


def _cat(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _pick(pool: list[str] | pa.Array, index: np.ndarray) -> pa.Array:
    pool = pool if isinstance(pool, pa.Array) else pa.array(pool, pa.string())
    return pool.take(pa.array(index % len(pool)))


def _replace(text: pa.Array, mask: np.ndarray, make) -> pa.Array:
    """`text` with the cells under `mask` replaced by make(those cells): work only where it changes."""
    if not mask.any():
        return text
    return pc.replace_with_mask(text, pa.array(mask), make(text.filter(pa.array(mask))))


def _hash(x: np.ndarray, salt: int) -> np.ndarray:
    """A deterministic per-id integer, so an order's repeated rows agree wherever they are."""
    h = (x.astype(np.uint64) + np.uint64(salt)) * np.uint64(0x9E3779B97F4A7C15)
    return ((h ^ (h >> np.uint64(29))) >> np.uint64(16)).astype(np.int64)


def _quoted(text: pa.Array) -> pa.Array:
    return _cat('"', pc.replace_substring(text, '"', '""'), '"')


def _mess(rng, text: pa.Array, kind: str, blanks: bool = True, quote: bool = False) -> pa.Array:
    """About MESSY of the cells padded (still valid), blank, a placeholder or garbage of `kind`;
    with `quote`, the text is quoted (every cell) after that."""
    roll = rng.random(len(text))

    def messy(cells: pa.Array) -> pa.Array:
        r = roll[roll < MESSY] / MESSY
        k = len(cells)
        out = _cat(
            _pick([" ", "  ", "   "], rng.integers(0, 3, k)), cells, _pick(["", " ", "  "], rng.integers(0, 3, k))
        )
        if blanks:
            out = pc.if_else(pa.array((r >= 0.4) & (r < 0.55)), _pick(["", " "], rng.integers(0, 2, k)), out)
            out = pc.if_else(pa.array((r >= 0.55) & (r < 0.8)), _pick(PLACEHOLDERS, rng.integers(0, 99, k)), out)
        return pc.if_else(pa.array(r >= 0.8), _pick(GARBAGE[kind], rng.integers(0, 99, k)), out)

    out = _replace(text, roll < MESSY, messy)
    return _quoted(out) if quote else out


@functools.cache
def _calendar(fmt: str) -> pa.Array:
    """Every day of the generated range in `fmt`, by day number: formatted once, then taken."""
    return pa.array([date.fromordinal(d + 719163).strftime(fmt) for d in range(FIRST_DAY, LAST_DAY + 1)])


@functools.cache
def _clock() -> pa.Array:
    return pa.array([f" {s // 3600:02}:{s // 60 % 60:02}:{s % 60:02}" for s in range(86_400)])


def _dates(rng, days: np.ndarray, shares: tuple[float, float], numeric: str) -> pa.Array:
    """ISO for the first share, `numeric` (strftime) for the second, ISO with a time for the rest."""
    index = days - FIRST_DAY
    roll = rng.random(len(days))
    out = _calendar("%Y-%m-%d").take(pa.array(index))
    shaped = (roll >= shares[0]) & (roll < shares[0] + shares[1])
    out = _replace(out, shaped, lambda _: _calendar(numeric).take(pa.array(index[shaped])))
    timed = roll >= shares[0] + shares[1]
    return _replace(out, timed, lambda iso: _cat(iso, _pick(_clock(), rng.integers(0, 86_400, len(iso)))))


def _amounts(rng, cents: np.ndarray, comma: bool) -> pa.Array:
    """Amount text in the dialect's number format; whole and thousands-only shapes where exact.
    Decimal point: 1234.56, 12.5, 980, $1,234.50, 1,250; decimal comma: 1234,56, 12,5, 980,
    1.234,56, 2.005. One in a hundred plain amounts is negative."""
    n = len(cents)
    units, frac = cents // 100, cents % 100
    point, group = (",", ".") if comma else (".", ",")
    roll = rng.random(n)
    out = _cat(_num(units), point, pc.utf8_lpad(_num(frac), 2, "0"))
    short = (roll < 0.3) & (frac % 10 == 0) & (frac > 0)
    out = _replace(out, short, lambda _: _cat(_num(units[short]), point, _num(frac[short] // 10)))
    whole = frac == 0
    out = _replace(out, whole, lambda _: _num(units[whole]))

    def grouped(mask: np.ndarray, cents_too: bool) -> pa.Array:
        u = units[mask]
        text = _cat(_num(u // 1000), group, pc.utf8_lpad(_num(u % 1000), 3, "0"))
        return _cat(text, point, pc.utf8_lpad(_num(frac[mask]), 2, "0")) if cents_too else text

    big = units >= 1000
    if comma:
        out = _replace(out, (roll >= 0.75) & big & ~whole, lambda _: grouped((roll >= 0.75) & big & ~whole, True))
        out = _replace(out, (roll >= 0.75) & big & whole, lambda _: grouped((roll >= 0.75) & big & whole, False))
    else:
        out = _replace(out, (roll >= 0.7) & big, lambda _: _cat("$", grouped((roll >= 0.7) & big, True)))
        out = _replace(
            out,
            (roll >= 0.6) & (roll < 0.7) & big & whole,
            lambda _: grouped((roll >= 0.6) & (roll < 0.7) & big & whole, False),
        )
    negative = (rng.random(n) < 0.01) & (roll < 0.6)
    return _replace(out, negative, lambda cells: _cat("-", cells))


@functools.cache
def _people() -> pa.Array:
    return pa.array([f"{last}, {first}" for last in LAST for first in FIRST])


def _us_block(rng, start: int, n: int) -> pa.Array:
    orders = np.arange(start, start + n)
    repeat = rng.random(n) < 0.06
    # A repeat names any order of the file so far or of this block, and sits anywhere in the block.
    orders[repeat] = rng.integers(0, start + n, repeat.sum())
    orders = orders[rng.permutation(n)]
    h = _hash(orders, 1)
    changed = rng.random(n) < 0.5  # a repeat with a new status and date; else an exact repeat
    salt = np.where(changed, rng.integers(0, 1 << 30, n), 0)
    days = FIRST_DAY + (_hash(orders + salt, 2) % (LAST_DAY - FIRST_DAY + 1))
    cents = 100 + _hash(orders, 3) % 2_500_000
    cents = np.where(h % 7 == 0, cents - cents % 100, cents)  # some whole amounts
    amount = _mess(rng, _amounts(rng, cents, comma=False), "amount")
    amount = _replace(amount, pc.match_substring(amount, ",").to_numpy(zero_copy_only=False), _quoted)
    notes = rng.random(n) < 0.002
    cells = [
        _mess(rng, _cat("SO-", _num(10_000_000 + orders)), "id"),
        _mess(rng, _pick(_people(), h // 13), "text", quote=True),
        amount,
        _mess(rng, _pick(US_STATUS, _hash(orders + salt, 4)), "text"),
        _mess(rng, _dates(rng, days, (0.5, 0.3), "%m/%d/%Y"), "date"),
        _mess(rng, _pick(CHANNELS, h // 7), "text"),
        _replace(
            pa.nulls(n, pa.string()).fill_null(""), notes, lambda c: _quoted(_pick(NOTES, rng.integers(0, 3, len(c))))
        ),
    ]
    return _cat(pc.binary_join_element_wise(*cells, ","), "\n")


def _eu_block(rng, start: int, n: int) -> pa.Array:
    order_count = max(1, int(n / 2.0))
    lines_per = rng.choice([1, 2, 3, 4], order_count, p=[0.4, 0.3, 0.2, 0.1])
    first_order = start
    orders = np.repeat(np.arange(first_order, first_order + order_count), lines_per)[:n]
    line_no = np.arange(len(orders)) - np.repeat(np.cumsum(lines_per) - lines_per, lines_per)[:n]
    if len(orders) < n:  # the block's orders ran short: single-line orders fill it
        extra = np.arange(first_order + order_count, first_order + order_count + n - len(orders))
        orders, line_no = np.concatenate([orders, extra]), np.concatenate([line_no, np.zeros(len(extra), np.int64)])
    late = rng.random(n) < 0.01
    if first_order:  # a further line of an order from an earlier block, with a product it lacks
        orders[late] = rng.integers(0, first_order, late.sum())
        line_no[late] = 4 + rng.integers(0, len(PRODUCTS) - 4, late.sum())
    order = np.arange(n)
    moved = np.flatnonzero(rng.random(n) < 0.03)
    order[moved] = order[rng.permutation(moved)]  # 3 % of lines leave their order's neighbours
    orders, line_no = orders[order], line_no[order]
    h = _hash(orders, 11)
    product = (h + line_no) % len(PRODUCTS)
    quantity = 1 + _hash(orders * 16 + line_no, 12) % 5
    cents = quantity * (99 + _hash(orders * 16 + line_no, 13) % 40_000)  # a price per line: discounts
    cents = np.where(_hash(orders, 14) % 9 == 0, cents - cents % 100, cents)
    days = FIRST_DAY + h % (LAST_DAY - FIRST_DAY + 1)
    cells = [
        _num(np.arange(start, start + n) + 1),
        _mess(rng, _cat("DE-", _num(20_230_000_000 + (h % 3) * 10_000_000 + orders)), "id"),
        _mess(rng, _dates(rng, days, (0.25, 0.6), "%d/%m/%Y"), "date"),
        _mess(rng, _pick(_people(), h // 17), "text", quote=True),
        _mess(rng, _pick(PRODUCTS, product), "text", quote=True),
        _mess(rng, _pick(CATEGORIES, product), "text", quote=True),
        _mess(rng, _pick(COUNTRIES, h // 5), "text", quote=True),
        _mess(rng, _num(quantity), "int"),
        _mess(rng, _pick(EU_STATUS, h // 3), "text"),
        _mess(rng, _amounts(rng, cents, comma=True), "amount", blanks=False),
    ]
    lines = _cat(pc.binary_join_element_wise(*cells, ";"), "\r\n")
    twice = np.flatnonzero(rng.random(n) < 0.005)
    if len(twice):  # exported twice: the same line again, right after or further down
        where = np.minimum(twice + rng.integers(0, 50, len(twice)), n - 1)
        index = np.insert(np.arange(n), where + 1, twice)
        lines = lines.take(pa.array(index))
    return lines


HEADERS = {
    "us": "\ufeffOrder Number,Customer,Order Total,Status,Created At,Sales Channel,Note\n",
    "eu": "sep=;\r\nBestellungen Export — erstellt 2025-06-01 08:00\r\n\r\n"
    "Row ID;Order ID;Order Date;Customer Name;Product Name;Category;Country;Quantity;Status;Sales\r\n",
}


def blocks(rows: int, dialect: str = "us", seed: int = 19):
    """Yields the export's bytes: the preamble and header, then blocks of about `rows` records in all."""
    rng = np.random.default_rng(seed)
    make = {"us": _us_block, "eu": _eu_block}[dialect]
    yield HEADERS[dialect].encode()
    for start in range(0, rows, BLOCK):
        lines = make(rng, start, min(BLOCK, rows - start))
        offsets = lines.buffers()[1]
        first = np.frombuffer(offsets, np.int32, 1, lines.offset * 4)[0]
        last = np.frombuffer(offsets, np.int32, 1, (lines.offset + len(lines)) * 4)[0]
        yield memoryview(lines.buffers()[2])[first:last]


def export_bytes(rows: int, dialect: str = "us", seed: int = 19) -> bytes:
    return b"".join(bytes(b) for b in blocks(rows, dialect, seed))


def write_export(path: Path, rows: int, dialect: str = "us", seed: int = 19) -> None:
    with open(path, "wb") as out:
        for block in blocks(rows, dialect, seed):
            out.write(block)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dialect", choices=["us", "eu"], default="us")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    write_export(args.path, args.rows, args.dialect, args.seed)


if __name__ == "__main__":
    main(sys.argv[1:])
