"""The cleaning rules, restated for the benchmark's peers (not imported from the Lambda).

Every peer applies the same rules to the same bytes (DESIGN.md "The orders contract", issue 12):

- header: the first of the first 20 non-blank lines that names an order id, an amount and a date
  (synonyms below); an Excel `sep=X` line fixes the delimiter; a UTF-8 BOM is skipped.
- every cell trimmed of whitespace (`str.isspace`: Unicode White_Space and U+001C-U+001F) and of the
  zero-width characters U+200B, U+200C, U+200D, U+2060, U+FEFF at either end (`TRIMMED`); whole-cell
  placeholders (`NULL`, `N/A`, `#N/A`, `NA`, `None`, `-`, `—`, any case) are empty.
- order id required; spreadsheet-mangled ids such as `4.40213E+11` reject the row.
- amount required: currency signs `$ € £` dropped; the decimal separator is decided once per file
  by the unambiguous cells (`12,50`, `1.234,56` vote comma; `12.5`, `1,234.56` vote point; a tie is
  a point); then `-1.234,56`/`-1,234.56` with optional grouping and at most two decimals, other
  shapes reject the row.
- date required: `YYYY-MM-DD` with an optional ` HH:MM[:SS]` or `THH:MM[:SS]`, or `D/M/YYYY` in the
  order decided once per file (a first number over 12 votes day first, a second one month first;
  a tie is month first); impossible dates reject the row.
- status lower-cased, `canceled` -> `cancelled`; quantity an integer or empty.
- an empty amount or date (after trimming and placeholders; `$` alone is no empty amount) does not
  reject the row: it is a line of its order; an unreadable one does.
- grain: with a product column and an order whose rows name different products, line items:
  rows identical in every mapped column but the status and the date (a line id such as `Row ID`
  included: an exact repeat, or a later version of the line) count once, at the place of the last
  of them; amounts and quantities are summed, the last non-empty date, customer
  and status. Otherwise the last row of an order id wins, a cell it leaves empty taking the order's
  last non-empty value. An order with no amount on any row is rejected, and one with no date.
- stale: status `pending` or `cancelled` and the date 30 or more days before the reference
  date (2025-06-01 here, given to the Lambda as the `as-of` metadata); stale orders are kept.
"""

import csv
import io
import re
from datetime import date, timedelta

REFERENCE = date(2025, 6, 1)
STALE_BEFORE = REFERENCE - timedelta(days=30)
STALE = ("pending", "cancelled")
PLACEHOLDERS = ("null", "n/a", "na", "none", "-", "—", "#n/a")
SYNONYMS = {
    "order_id": ("orderid", "ordernumber", "orderno", "order", "id"),
    "customer": ("customer", "customername", "client", "clientname"),
    "amount": ("amount", "total", "ordertotal", "totalamount", "sales"),
    "status": ("status", "orderstatus"),
    "order_date": ("orderdate", "createdat", "date"),
    "line_id": ("rowid", "lineid", "lineitemid", "lineno"),
    "product": ("product", "productname", "sku"),
    "category": ("category",),
    "country": ("country",),
    "channel": ("channel", "saleschannel"),
    "quantity": ("quantity", "qty"),
}
REQUIRED = ("order_id", "amount", "order_date")
# What a trim takes off either end of a cell: the whitespace characters and the zero-width ones.
TRIMMED = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
# Regular expressions written for both Python's re and RE2 (polars, DuckDB, pyarrow).
SCIENTIFIC_ID = r"^[+-]?[0-9](?:[.,][0-9]+)?[eE][+-][0-9]+$"
CURRENCY = r"[$€£ ]"
POINT_VOTE = r"^-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)\.[0-9]{1,2}$"
COMMA_VOTE = r"^-?(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+),[0-9]{1,2}$"
POINT_AMOUNT = r"^-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]{1,2})?$"
COMMA_AMOUNT = r"^-?(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)(?:,[0-9]{1,2})?$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?$"
NUMERIC_DATE = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def map_header(cells: list[str]) -> dict[str, int]:
    """{column: index} for the names this header gives; earlier synonyms win."""
    names = [normalise(c) for c in cells]
    mapping = {}
    for column, synonyms in SYNONYMS.items():
        for synonym in synonyms:
            if synonym in names and names.index(synonym) not in mapping.values():
                mapping[column] = names.index(synonym)
                break
    return mapping


class Layout:
    """Where a file's records start and how to split them: skip `skip` physical lines (the BOM
    is part of the first), then a header in `delimiter`, mapped to `columns` by `mapping`."""

    def __init__(self, skip: int, delimiter: str, columns: list[str], mapping: dict[str, int], encoding: str):
        self.skip, self.delimiter, self.columns, self.mapping, self.encoding = (
            skip,
            delimiter,
            columns,
            mapping,
            encoding,
        )

    def name(self, column: str) -> str | None:
        return self.columns[self.mapping[column]] if column in self.mapping else None


def layout(path) -> Layout:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    lines = head.decode(encoding, errors="replace").splitlines()
    delimiter, seen = None, 0
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > 20:
            break
        if line.lower().startswith("sep=") and len(line.strip()) == 5:
            delimiter = line.strip()[4]
            continue
        options = [delimiter] if delimiter else sorted(",;\t|", key=lambda d: -line.count(d))
        for candidate in options:
            cells = next(csv.reader(io.StringIO(line), delimiter=candidate))
            mapping = map_header(cells)
            if all(c in mapping for c in REQUIRED):
                return Layout(number, candidate, [c.strip() for c in cells], mapping, encoding)
    raise ValueError(f"{path}: no header naming an order id, an amount and a date in the first 20 lines")


def trim(value: str) -> str:
    return value.strip(TRIMMED)


def blank(value: str) -> str:
    """The trimmed cell, or '' for a placeholder."""
    value = trim(value)
    return "" if value.lower() in PLACEHOLDERS else value
