"""Single values: amounts, dates and statuses as staff really write them."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

MAX_AMOUNT = Decimal("9999999999.99")  # decimal(12,2)
CENTS = Decimal("0.01")

_CURRENCY = re.compile(r"^[A-Z]{3}(?=[\s\d(+\-$€£¥₹])|(?<=\d)\s*[A-Z]{3}$|[$€£¥₹₽¢\s'\u00a0\u202f]")
_NUMBER_CHARS = re.compile(r"^[\d,.()+\-]+$")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")


def parse_amount(text: str) -> Decimal | None:
    s = _CURRENCY.sub("", text.strip())
    if not s or not _NUMBER_CHARS.match(s):
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if s.endswith("-"):
        negative, s = True, s[:-1]
    if s.startswith("-"):
        negative, s = not negative, s[1:]
    elif s.startswith("+"):
        s = s[1:]
    if not s or "(" in s or ")" in s or "-" in s or "+" in s:
        return None
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        s = s.replace(",", "") if _THOUSANDS_COMMA.match(s) and len(s.split(",")[-1]) == 3 else s.replace(",", ".")
    elif s.count(".") > 1 and _THOUSANDS_DOT.match(s):
        s = s.replace(".", "")
    try:
        value = Decimal(s).quantize(CENTS)
    except InvalidOperation:
        return None
    if negative:
        value = -value
    if abs(value) > MAX_AMOUNT or not value.is_finite():
        return None
    return value


MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T].*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})([/\-.])(\d{1,2})\2(\d{2}|\d{4})(?:[ T].*)?$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})[\s\-/]+([A-Za-z]{3,9})\.?[\s\-/,]+(\d{2}|\d{4})(?:[ T].*)?$")
_MONTH_NAME_DAY = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:[ T].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 2000 if y < 70 else 1900
    return y


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def date_order_evidence(text: str) -> str | None:
    """'DMY' or 'MDY' when a numeric date can only be read one way; None otherwise."""
    m = _NUMERIC.match(text.strip())
    if not m:
        return None
    a, sep, b = int(m.group(1)), m.group(2), int(m.group(3))
    if sep == ".":
        return "DMY"
    if a > 12 >= b:
        return "DMY"
    if b > 12 >= a:
        return "MDY"
    return None


def parse_date(text: str, day_first: bool = False) -> date | None:
    s = text.strip()
    if not s:
        return None
    if m := _ISO.match(s):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _NUMERIC.match(s):
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), _year(m.group(4))
        if sep == "." or day_first:
            return _make(y, b, a)
        return _make(y, a, b)
    if m := _DAY_MONTH_NAME.match(s):
        month = MONTHS.get(m.group(2).lower())
        return _make(_year(m.group(3)), month, int(m.group(1))) if month else None
    if m := _MONTH_NAME_DAY.match(s):
        month = MONTHS.get(m.group(1).lower())
        return _make(int(m.group(3)), month, int(m.group(2))) if month else None
    if m := _COMPACT.match(s):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


STATUS_SYNONYMS = {
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "cancel": "cancelled",
    "completed": "completed",
    "complete": "completed",
    "done": "completed",
    "shipped": "shipped",
    "delivered": "delivered",
    "pending": "pending",
    "confirmed": "confirmed",
    "refunded": "refunded",
    "returned": "returned",
}


def canonical_status(text: str) -> str:
    s = re.sub(r"[\s\-]+", "_", text.strip().lower())
    return STATUS_SYNONYMS.get(s, s)
