"""The independent oracle for `tests/data/wild/` and `tests/data/shapes/`: each file's expected
outcome, from its spec.

Never imports the cleaner. Reads each file with the csv module, parses amounts with Decimal and
dates with `strptime` as its spec (`spec.py`, `shapes.py`) says, checks the evidence the spec claims, and
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
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
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
# The two ways to write a number (issue 12, "Number format"): a cell is unambiguous when only one reads it.
READS = {
    ".": re.compile(r"^-?([0-9]+(\.[0-9]+)?|[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]+)?)$"),
    ",": re.compile(r"^-?([0-9]+(,[0-9]+)?|[1-9][0-9]{0,2}(\.[0-9]{3})+(,[0-9]+)?)$"),
}
OTHER = {".": ",", ",": "."}


class SpecMismatch(AssertionError):
    """The file does not show what its spec claims."""


def _cell(text: str) -> str:
    text = text.strip()
    return "" if text.lower() in PLACEHOLDERS else text


def _number(text: str) -> str:
    """The cell without currency signs and spaces (`$1,234.50` -> `1,234.50`)."""
    return re.sub(r"[$€£\s\u00a0]", "", text)


def _amount(text: str, separator: str) -> Decimal | str:
    """The cell's value read with the file's decimal separator, or the reason code it cannot be."""
    text = _number(text)
    if READS[separator].match(text):
        thousands = OTHER[separator]
        value = Decimal(text.replace(thousands, "").replace(separator, "."))
        # decimal(12,2) holds 9,999,999,999.99: a cell that rounds (half up) to more cents is too large
        return value if abs(value) < Decimal("9999999999.995") else "amount_too_large"
    return "amount_format" if READS[OTHER[separator]].match(text) else "bad_amount"


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
    votes = Counter()
    for text in map(_number, amounts):
        point, comma = bool(READS["."].match(text)), bool(READS[","].match(text))
        votes["point"] += point and not comma
        votes["comma"] += comma and not point
        votes["ambiguous"] += point and comma and bool(re.search("[.,]", text))
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
