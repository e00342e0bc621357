"""Rows above the header that read as orders: the header search (`header`) picked a record below lines
whose cells under the header's order id, amount and order date columns read as an id, an amount and a
date (data rows before the header: a table pasted under its own first rows, an export's header moved
down). They are skipped as every line before the header is (`skipped_lines`); the warning
`rows_before_header` tells staff that what was skipped may be orders (not when staff chose the header
row: the file page told them which rows that skips)."""

from .amount_cell import read
from .dates import parse_date
from .header import LINE, Header
from .header_record import read_record
from .values import is_placeholder


def rows_before_header(sample: str, header: Header) -> list[int]:
    """The physical lines where the records before `header` start that read as orders under its columns,
    split by its delimiter; `sample`: the file's first text (decoded), in which the header was found."""
    if any(column not in header.mapping for column in _REQUIRED):  # (a file rejected missing_column)
        return []
    lines = LINE.findall(sample) or [sample]
    above, found, number = lines[: header.line - 1], [], 1
    while number <= len(above):
        cells, spans, _ = read_record(above[number - 1 :], header.delimiter)
        if _reads_as_order(cells, header.mapping):
            found.append(number)
        number += spans
    return found


def _reads_as_order(cells: list[str], mapping: dict[str, int]) -> bool:
    """Whether a record's cells (trimmed) hold an order id, an amount (in either decimal convention, of
    any size) and a date (in either day/month order) where the header has those columns."""
    order_id, amount, when = (cells[i] if i < len(cells) else "" for i in map(mapping.get, _REQUIRED))
    return (
        bool(order_id)
        and not is_placeholder(order_id)
        and any(read(amount, comma) is not None for comma in (False, True))
        and any(parse_date(when, day_first) is not None for day_first in (False, True))
    )


_REQUIRED = ("order_id", "amount", "order_date")
