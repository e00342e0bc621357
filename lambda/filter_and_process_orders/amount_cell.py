"""One amount cell, the pure-Python way (`parse_amount`), and the shapes of an amount the kernels of `amounts`
read by the same rules (a property test holds them to each other). A number, with a sign, parentheses or a
trailing minus for a negative (`(12.00)`, `12.00-`; one of them at most, a `+` before the number being one:
`(-12.00)`, `(+12.00)`, `-12.00-` are no amounts, which was meant cannot be told), and a currency sign
(`$ € £ ¥ ₹ ₽ ¢`) or upper-case code (`USD`) before or after it (or both: `$5 USD`), inside or outside the
sign (`-USD 5.00`, `(1234.50 USD)`, review B10-7): before its first digit and after its last, currency
signs, spaces, apostrophes and one code go (`€ 1 234.50`, `- 5.00`). Between its digits only the decimal
separator and thousands marks stand: the convention's `,` (or `.`), or a space (also U+00A0, U+202F, U+2009)
or an apostrophe, one kind in a cell, in groups of three after a first of one to three digits (`1,2345.00`,
`12 34` and `12€50` are no amounts; review B9-1). Digits of other scripts read as ASCII ones (`digits`), and
U+066B ARABIC DECIMAL SEPARATOR and U+066C ARABIC THOUSANDS SEPARATOR as the convention's decimal separator
and thousands mark (`١٬٢٣٤٫٥٠` is 1234.50 in either convention: they say which they are, so such a cell is
read in either and casts no vote, `separators`); U+2212 MINUS SIGN, `US$`, `R$` and lower-case codes are not
read."""

import re
from decimal import ROUND_DOWN, Decimal

from .digits import fold
from .trim import trim

LINE_SCALE = 8  # decimals a cell is read to
TOO_BIG = Decimal("9999999999.995")  # a cell from here up has more cents than decimal(12,2) holds
_LINE_UNIT = Decimal(1).scaleb(-LINE_SCALE)

# One currency code before the first digit and one after the last, wherever a currency sign may stand
# there (`-USD 5.00`, `(1234.50 USD)`, `5.00 EUR-`; review B10-7): replaced by CODES_KEPT, what stood
# around it (RE2 and Python alike). What is left beside the number then reads as it would with a sign.
CODES, CODES_KEPT = r"^([^0-9]*?)[A-Z]{3}|[A-Z]{3}([^0-9]*)$", r"\1\2"
EDGE = "[$€£¥₹₽¢\\s'\u00a0\u202f]"  # taken off before the first digit and after the last
GROUPS = "' \u00a0\u202f\u2009"  # thousands marks besides the convention's `,` or `.`
# Per convention (decimal comma?), the Arabic decimal separator and thousands mark as its own (`digits.fold`).
ARABIC_MARKS = {comma: str.maketrans("\u066b\u066c", ",." if comma else ".,") for comma in (False, True)}


def _grouped(mark: str, decimal: str) -> str:
    groups = "|".join(f"(?:{m}[0-9]{{3}})+" for m in (mark, *GROUPS))
    return f"^[1-9][0-9]{{0,2}}(?:{groups})(?:{decimal}[0-9]+)?$"


# The number, first digit to last, in each convention (RE2 and Python alike).
POINT = (r"^[0-9]+$", r"^[0-9]+\.[0-9]+$", _grouped(",", r"\."))
COMMA = (r"^[0-9]+$", r"^[0-9]+,[0-9]+$", _grouped(r"\.", ","))

_PY_CODES, _PY_EDGE, _PY_GROUPS = re.compile(CODES), re.compile(EDGE), re.compile(f"[{GROUPS}]")
_PY_NUMBER = re.compile(r"[0-9](?:.*[0-9])?")  # first digit to last
_PY_LEAD, _PY_TAIL = re.compile(r"(\(?)([-+]?)"), re.compile(r"(?:[.,]-)?(-?)(\)?)")


def parse_amount(text: str, decimal_comma: bool = False) -> Decimal | None:
    """One cell, the pure-Python way: any Unicode digits, `12,-` for whole units, any number of
    decimals (cut toward zero to LINE_SCALE places: the half-cent boundaries have 3 decimals, so the
    cut never moves a value across one and the order's single rounding stays exact). The same rules and value as
    `amounts`; None when the cell is not an amount in this convention, or one too large (`amount_is_too_large`)."""
    return fitting(read(text, decimal_comma))


def amount_is_too_large(text: str, decimal_comma: bool = False) -> bool:
    """Whether one cell reads as an amount in this convention whose cents decimal(12,2) cannot hold
    (`amount_too_large`; `amounts` marks the same cells)."""
    return too_large(read(text, decimal_comma))


def too_large(value: Decimal | None) -> bool:
    return value is not None and abs(value) >= TOO_BIG


def fitting(value: Decimal | None) -> Decimal | None:
    return None if too_large(value) else value


def read(text: str, decimal_comma: bool) -> Decimal | None:
    """`parse_amount` without the size limit: a value too large is returned as it is written."""
    s = _PY_CODES.sub(CODES_KEPT, fold(trim(text), ARABIC_MARKS[decimal_comma]))
    number = _PY_NUMBER.search(s)
    lead = number and _PY_LEAD.fullmatch(_PY_EDGE.sub("", s[: number.start()]))
    tail = lead and _PY_TAIL.fullmatch(_PY_EDGE.sub("", s[number.end() :]))
    if not (number and lead and tail) or (lead.group(1) == "(") != (tail.group(2) == ")"):
        return None
    if (lead.group(1) == "(") + bool(lead.group(2)) + (tail.group(1) == "-") > 1:  # `(-5.00)`, `+5-`: which?
        return None
    num = number.group()
    patterns = COMMA if decimal_comma else POINT
    if not any(re.match(p, num) for p in patterns):
        return None
    num = _PY_GROUPS.sub("", num)
    num = num.replace(".", "").replace(",", ".") if decimal_comma else num.replace(",", "")
    value = Decimal(num)  # digits with at most one point: exact, of any length
    if value < TOO_BIG:  # past it, its exact value is kept (and never fits)
        value = value.quantize(_LINE_UNIT, ROUND_DOWN)
    return -value if lead.group(1) == "(" or lead.group(2) == "-" or tail.group(1) == "-" else value
