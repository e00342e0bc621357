"""The independent oracle for `tests/data/wild/` and `tests/data/shapes/`: each file's expected
outcome, from its spec.

Never imports the cleaner. Reads each file with the csv module, parses amounts with Decimal by
README's rule as written there ("The cleaner", "Numbers": `_parts`, `_read`) and dates with
`strptime` as its spec (`spec.py`, `shapes.py`) says, checks the evidence the spec claims, and
applies the contract's rules (placeholders, spreadsheet ids, grain, stale rule).

    python -m tests.oracle.wild            # print the outcomes as JSON
    python -m tests.oracle.wild --write    # regenerate tests/data/wild.expected.json and shapes.expected.json

Outcome per file (amounts are strings of exact decimals with two places):
`status` processed|rejected; for rejected `reason_code` (+ `column` and `lines`, the non-blank data
rows under the header, when the file is a CSV); for processed `header_line`,
`grain` (order|line_items|history), `decimal_separator` with its `separator_votes`, `lines`
(non-blank data rows), `rows_rejected` {code: n}, `duplicates` (exact duplicate rows counted
once), `grain`, `orders` and `amount_total` (every order written, stale or not), `line_count`
(lines that made the written orders), `stale` (orders flagged stale as of the reference date),
`orders_counted`/`amount_counted` (orders that count: not stale), `months` {YYYY-MM: orders}.
"""

import csv
import hashlib
import io
import json
import re
import sys
import unicodedata
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

from tests.oracle.shapes import SHAPE_SPECS
from tests.oracle.spec import PLACEHOLDERS, REFERENCE_DATE, STALE_AFTER_DAYS, STALE_STATUSES, WILD_SPECS

DATA = Path(__file__).resolve().parents[1] / "data"
WILD = DATA / "wild"
EXPECTED = DATA / "wild.expected.json"
# name -> (folder of files, their specs, the committed outcomes)
SETS = {
    "wild": (WILD, WILD_SPECS, EXPECTED),
    "shapes": (DATA / "shapes", SHAPE_SPECS, DATA / "shapes.expected.json"),
}
CENTS = Decimal("0.01")
SCIENTIFIC_ID = re.compile(r"^[0-9](\.[0-9]+)?E[+-][0-9]+$", re.IGNORECASE)
# Vocabulary that would name the column a rejected file is said to lack (checked absent).
COLUMN_WORDS = {
    "amount": ("amount", "total", "sales", "price", "revenue", "value", "sum", "cost", "paid"),
    "order_date": ("date", "time", "day", "created", "dt"),
}
OTHER = {".": ",", ",": "."}
# README, "The cleaner", "Numbers" and "Trim", read as written there (not from the cleaner's code).
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"  # trimmed at either end as whitespace is
CURRENCY_SIGNS = "$€£¥₹₽¢"
GROUP_SPACES = " \u00a0\u202f\u2009"  # each its own kind of thousands mark, as `,`, `.` and `'` are
ARABIC_DECIMAL, ARABIC_THOUSANDS = "\u066b", "\u066c"  # in either convention; such a cell casts no vote
MOST = Decimal("9999999999.99")  # decimal(12,2)
LINE_UNIT = Decimal("0.00000001")  # a cell is read to 8 decimal places, the digits past them dropped
# A cell's parts: spaces, a sign, a parenthesis, a currency sign, a word (a code only as three capitals),
# and the number: digits, with marks and spaces between digits only. Anything else is no amount.
_PART = re.compile(
    f"(?P<space>[{GROUP_SPACES}]+)|(?P<sign>[-+])|(?P<paren>[()])|(?P<currency>[{CURRENCY_SIGNS}])|"
    f"(?P<word>[^\\W\\d_]+)|(?P<number>\\d(?:[\\d.,'{ARABIC_DECIMAL}{ARABIC_THOUSANDS}{GROUP_SPACES}]*\\d)?)"
)


class SpecMismatch(AssertionError):
    """The file does not show what its spec claims."""


def _cell(text: str) -> str:
    """Trimmed of whitespace (what `str.strip()` takes) and zero-width characters at either end; "" for a
    placeholder."""
    trimmed = text.strip().strip(ZERO_WIDTH)
    while trimmed != text:
        text, trimmed = trimmed, trimmed.strip().strip(ZERO_WIDTH)
    return "" if text.lower() in PLACEHOLDERS else text


def _parts(text: str) -> tuple[bool, str] | None:
    """(negative, the number's text with its digits made ASCII) of an amount cell: one number; before it and
    after it, currency signs (CURRENCY_SIGNS) and at most one upper-case three-letter code a side (`$5 USD`
    reads 5; what they name is not compared); at most one negative, `-` before it, parentheses around it
    or `-` after it (a `+` before it instead: `(-5.00)` is no amount), with the currency inside or outside
    the parentheses alike. None when the cell is not so made."""
    digits = "".join(str(unicodedata.decimal(c)) if unicodedata.category(c) == "Nd" else c for c in text)
    parts, at = [], 0
    while at < len(digits):
        found = _PART.match(digits, at)
        if found is None:
            return None
        kind = found.lastgroup
        if kind == "word" and not re.fullmatch("[A-Z]{3}", found.group()):
            return None
        if kind != "space":
            parts.append((kind if kind != "word" else "code", found.group()))
        at = found.end()
    kinds = [kind for kind, _ in parts]
    if kinds.count("number") != 1:
        return None
    number = kinds.index("number")
    before, after = parts[:number], parts[number + 1 :]
    if any(sum(kind == "code" for kind, _ in side) > 1 for side in (before, after)):
        return None  # one code a side; currency signs, a sign and a code alike (`$5 USD`), are not compared
    if any(text == ")" for _, text in before) or any(text == "(" for _, text in after):
        return None
    opened, closed = sum(text == "(" for _, text in before), sum(text == ")" for _, text in after)
    leading = [text for kind, text in before if kind == "sign"]
    trailing = [text for kind, text in after if kind == "sign"]
    if opened != closed or (trailing and (trailing != ["-"] or after[-1][1] != "-")):
        return None  # (a trailing minus ends the cell)
    if len(leading) + len(trailing) + opened > 1:  # one sign at most, parentheses being one
        return None
    return leading == ["-"] or trailing == ["-"] or opened == 1, parts[number][1]


def _read(number: str, separator: str) -> Decimal | None:
    """The number's value with `separator` as its decimal mark, None when that convention does not read
    it: groups of three after a first of one to three digits, marked by one kind of thousands mark (the
    convention's other mark, a space of GROUP_SPACES, an apostrophe; ARABIC_THOUSANDS beside
    ARABIC_DECIMAL), and at most one decimal mark with digits on both sides."""
    if ARABIC_DECIMAL in number or ARABIC_THOUSANDS in number:
        separator, marks = ARABIC_DECIMAL, {ARABIC_THOUSANDS}
    else:
        marks = {OTHER[separator], "'", *GROUP_SPACES}
    used = {c for c in number if not c.isdigit() and c != separator}
    if len(used) > 1 or not used <= marks:
        return None
    mark = next(iter(used), None)
    grouped = f"[0-9]{{1,3}}({re.escape(mark)}[0-9]{{3}})+|" if mark else ""
    if not re.fullmatch(f"({grouped}[0-9]+)({re.escape(separator)}[0-9]+)?", number):
        return None
    value = Decimal((number.replace(mark, "") if mark else number).replace(separator, "."))
    if value.as_tuple().exponent < -8:  # read to 8 decimal places, the digits past them dropped
        value = value.quantize(LINE_UNIT, ROUND_DOWN)
    return value


def _readings(text: str) -> dict[str, Decimal]:
    """{separator: value} for each convention that reads the cell (an ARABIC_DECIMAL cell reads alike in both)."""
    made = _parts(text)
    if made is None:
        return {}
    negative, number = made
    values = {sep: _read(number, sep) for sep in OTHER}
    return {sep: -value if negative else value for sep, value in values.items() if value is not None}


def _amount(text: str, separator: str) -> Decimal | str:
    """The cell's value read with the file's decimal separator, or the reason code it cannot be:
    `amount_format` when only the other convention reads it, `amount_too_large` when it rounds (to
    cents, half away from zero) past MOST, `bad_amount` when no convention reads it."""
    readings = _readings(text)
    if separator in readings:
        value = readings[separator]
        return value if abs(value).quantize(CENTS, ROUND_HALF_UP) <= MOST else "amount_too_large"
    return "amount_format" if readings else "bad_amount"


def _rows(raw: bytes, spec: dict) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(physical line, cells)]) with blank rows left out."""
    text = raw.decode(spec["encoding"])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=spec["delimiter"])
    rows, header = [], None
    for cells in reader:
        line = reader.line_num - _text_lines(cells)  # first physical line of the record
        if line < spec["header_line"]:
            continue
        if header is None:
            header = [c.strip() for c in cells]
            continue
        if any(c.strip() for c in cells):
            rows.append((line, cells))
    return header, rows


def _text_lines(cells: list[str]) -> int:
    """Line breaks inside the record's quoted cells (the reader's line_num counts its last line)."""
    return sum(c.count("\n") for c in cells)


def _check_rejection(header: list[str], spec: dict) -> None:
    column = spec["rejected"]["column"]
    if column in spec.get("columns", {}):
        raise SpecMismatch(f"the spec maps {column} but says it is missing")
    for cell in header:
        if any(word in cell.lower() for word in COLUMN_WORDS[column]):
            raise SpecMismatch(f"header cell {cell!r} could be the missing {column}")


def _check_separator(amounts: list[str], spec: dict) -> dict:
    """A cell only one convention reads votes for it; one both read differently is ambiguous (`1.234`)."""
    votes = Counter()
    for text in amounts:
        readings = _readings(text)
        point, comma = "." in readings, "," in readings
        votes["point"] += point and not comma
        votes["comma"] += comma and not point
        votes["ambiguous"] += point and comma and readings["."] != readings[","]
    decided = "," if votes["comma"] > votes["point"] else "." if votes["point"] else None
    if decided is not None and decided != spec["decimal"]:
        raise SpecMismatch(f"amount cells vote {dict(votes)}, the spec says {spec['decimal']!r}")
    # assumed: only ambiguous cells show a separator, so the setting decides (none shown: nothing to assume)
    assumed = decided is None and votes["ambiguous"] > 0
    return {"point": votes["point"], "comma": votes["comma"], "ambiguous": votes["ambiguous"], "assumed": assumed}


def _problem(value: dict, spec: dict) -> tuple[str | None, Decimal | None, date | None]:
    """(reason code or None, amount, order date) of one row's mapped cells."""
    if not value["order_id"]:
        return "missing_order_id", None, None
    if SCIENTIFIC_ID.match(value["order_id"]):
        return "mangled_id", None, None
    if not value["amount"]:
        return "missing_amount", None, None
    amount = _amount(value["amount"], spec["decimal"])
    if isinstance(amount, str):
        return amount, None, None
    if not value["order_date"]:
        return "missing_order_date", None, None
    try:
        return None, amount, datetime.strptime(value["order_date"], spec["date_format"]).date()
    except ValueError:
        return "bad_order_date", None, None


def outcome(name: str, raw: bytes, spec: dict) -> dict:
    """The expected outcome of one file (see the module docstring for the keys)."""
    base = {"file": name, "sha256": hashlib.sha256(raw).hexdigest()}
    if spec["kind"] == "workbook":
        if not (raw.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in raw and b"xl/" in raw):
            raise SpecMismatch(f"{name} is not an Excel workbook")
        return base | {"status": "rejected", "reason_code": spec["rejected"]["code"]}
    header, rows = _rows(raw, spec)
    if header != spec["header"]:
        raise SpecMismatch(f"{name}: header is {header}")
    if "rejected" in spec:
        _check_rejection(header, spec)
        return base | {
            "status": "rejected",
            "reason_code": spec["rejected"]["code"],
            "column": spec["rejected"]["column"],
            "lines": len(rows),
        }
    index = {column: header.index(cell) for column, cell in spec["columns"].items()}
    separator = _check_separator([r[index["amount"]].strip() for _, r in rows], spec)
    values = [(line, {column: _cell(cells[i]) for column, i in index.items()}) for line, cells in rows]
    # Shopify-style: a row without amount and date whose order has a row with an amount is a further line
    priced = {v["order_id"] for _, v in values if v["amount"]} if spec.get("continuation") else set()
    rejected, seen, duplicates, lines = Counter(), set(), 0, []
    for line, value in values:
        problem, amount, day = _problem(value, spec)
        if problem in {"missing_amount", "missing_order_date"} and value["order_id"] in priced and not value["amount"]:
            problem, amount, day = None, Decimal(0), None
        if problem:
            rejected[problem] += 1
            continue
        key = tuple(sorted(value.items()))
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        lines.append(value | {"line": line, "exact": amount, "order_date": day})
    orders = _grain(lines, spec)
    for order in orders:  # an order whose lines sum past what decimal(12,2) holds is rejected with its lines
        if abs(order["amount"]) > MOST:
            rejected["amount_too_large"] += order["line_count"]
    orders = [order for order in orders if abs(order["amount"]) <= MOST]
    reference = date.fromisoformat(REFERENCE_DATE)
    for order in orders:
        order["stale"] = (
            order["status"] in STALE_STATUSES and (reference - order["order_date"]).days >= STALE_AFTER_DAYS
        )
    counted = [o for o in orders if not o["stale"]]
    return base | {
        "status": "processed",
        "header_line": spec["header_line"],
        "grain": spec["grain"],
        "decimal_separator": spec["decimal"],
        "separator_votes": separator,
        "lines": len(rows),
        "rows_rejected": dict(sorted(rejected.items())),
        "duplicates": duplicates,
        "orders": len(orders),
        "line_count": sum(o["line_count"] for o in orders),
        "amount_total": str(sum((o["amount"] for o in orders), Decimal("0.00"))),
        "amount_total_unrounded": str(sum(o["exact"] for o in orders)),
        "stale": len(orders) - len(counted),
        "orders_counted": len(counted),
        "amount_counted": str(sum((o["amount"] for o in counted), Decimal("0.00"))),
        "months": dict(sorted(Counter(o["order_date"].strftime("%Y-%m") for o in orders).items())),
    }


def _grain(lines: list[dict], spec: dict) -> list[dict]:
    """One dict per order: exact (the exact sum of its lines), amount (that sum rounded once to cents,
    half away from zero: standard money practice, never line by line), line_count, order_date, status."""
    by_id: dict[str, list[dict]] = {}
    for line in lines:
        by_id.setdefault(line["order_id"], []).append(line)
    orders = []
    for order_lines in by_id.values():
        if len(order_lines) > 1:
            products = {line.get("product") for line in order_lines}
            if spec["grain"] == "order":
                raise SpecMismatch(f"order {order_lines[0]['order_id']} has {len(order_lines)} rows in an orders file")
            if spec["grain"] == "line_items" and len(products) < len(order_lines):
                raise SpecMismatch(f"order {order_lines[0]['order_id']} repeats a product: not only line items")
            kept = [
                {k: v for k, v in line.items() if k not in {"status", "order_date", "line"}} for line in order_lines
            ]
            if spec["grain"] == "history" and any(line != kept[0] for line in kept):
                raise SpecMismatch(f"order {order_lines[0]['order_id']} differs in more than status and date")
        if spec["grain"] == "history":
            order_lines = order_lines[-1:]
        if spec.get("amount_level") == "order":  # the order's total repeated on each of its lines
            if len({line["exact"] for line in order_lines}) > 1:
                raise SpecMismatch(f"order {order_lines[0]['order_id']} has lines with different totals")
            order_lines = [order_lines[0]] + [line | {"exact": 0} for line in order_lines[1:]]

        def last(column: str, lines: list[dict] = order_lines):
            """The order's value: its last line's, where that line has one (continuation lines have none)."""
            return next((line[column] for line in reversed(lines) if line.get(column)), None)

        exact = sum(line["exact"] for line in order_lines)
        orders.append(
            {
                "amount": exact.quantize(CENTS, ROUND_HALF_UP),
                "exact": exact,
                "line_count": len(order_lines),
                "order_date": last("order_date"),
                "status": (last("status") or "").lower(),
            }
        )
    return orders


def outcomes(name: str = "wild") -> dict[str, dict]:
    """Every file's outcome in one set; every file in its folder must have a spec and vice versa."""
    folder, specs, _ = SETS[name]
    files = sorted(p.name for p in folder.iterdir() if p.name != "README.md")
    if files != sorted(specs):
        raise SpecMismatch(f"files without a spec or specs without a file: {set(files) ^ set(specs)}")
    return {file: outcome(file, (folder / file).read_bytes(), specs[file]) for file in files}


def render(result: dict) -> str:
    return json.dumps(result, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    for set_name, (_, _, expected) in SETS.items():
        text = render(outcomes(set_name))
        if "--write" in sys.argv:
            expected.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
