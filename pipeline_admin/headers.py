"""What the Lambda will make of a file's header row, decided by the Lambda's own pure code.

The upload page and the mapping form use it so that "recognised" means exactly what the
Lambda does with the file (the same header search past titles and `sep=` lines), not a second opinion.
"""

import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from filter_and_process_orders.contract import BY_NAME, MAPPABLE, REQUIRED
from filter_and_process_orders.header import Header, inspect
from filter_and_process_orders.header_line import header_line
from filter_and_process_orders.mapping import missing_required
from filter_and_process_orders.reasons import ROW_REASONS

# The Lambda's own rule of a row that repeats the header (two exports joined), not a second opinion.
from filter_and_process_orders.rejects import repeated_header
from filter_and_process_orders.text import SAMPLE_BYTES, UnreadableFile
from filter_and_process_orders.values import cleaned_text

HEADER_SAMPLE_BYTES = SAMPLE_BYTES
# The key of a column mapping (`Upload.column_mapping`) holding the header row staff chose: a physical
# line as text ("4"), sent to the Lambda as object metadata `header-line` (`services.choice_metadata`).
HEADER_LINE = "header_line"
COLUMNS = MAPPABLE  # the contract's columns a file can hold, in the contract's order
REQUIRED_COLUMNS = REQUIRED


@dataclass(frozen=True)
class HeaderCheck:
    header: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # contract column -> header name
    missing: list[str] = field(default_factory=list)
    problem: str = ""
    line: int = 0  # the physical line where the header row starts
    last_line: int = 0  # where it ends: after `line` when a quoted cell holds a line break ("Order⏎ID")
    skipped: list[dict] = field(default_factory=list)  # lines before it: [{"line", "text"}]
    # Each record of the first HEADER_SEARCH_LINES non-blank lines, one of which staff may pick as the
    # header instead, [{"line", "last_line", "header", "mapping", "missing", "skips"}] (as above; `skips`:
    # the rows choosing it skips, or that are skipped now, `_skips`, "" when none), and of them the other
    # records that look like a header too (`looks_like_header`), but for those after the header that
    # repeat it (`repeats_header`): the page says so beside the header. `repeats_note` names those
    # repeating it ("" when none).
    candidates: list[dict] = field(default_factory=list)
    others: list[dict] = field(default_factory=list)
    repeats_note: str = ""

    @property
    def recognised(self) -> bool:
        return not self.problem and not self.missing


def with_header_line(mapping: dict[str, str], line: int | None) -> dict[str, str]:
    """A column mapping carrying the header row staff chose (`HEADER_LINE`), when they chose one."""
    return {**mapping, HEADER_LINE: str(line)} if line else mapping


def header_line_of(column_mapping: dict | None) -> int | None:
    """The header row a column mapping carries (`HEADER_LINE`), a physical line (1 the first), read by the
    Lambda's own rule (`filter_and_process_orders.header_line`); None without one, or for a value that is no
    line number, which the Lambda ignores too (it searches the header)."""
    try:
        return header_line((column_mapping or {}).get(HEADER_LINE))
    except ValueError:
        return None


def header_inspect(*, sample: bytes, explicit: dict[str, str] | None = None, chosen: int | None = None) -> HeaderCheck:
    """Find and map the header in the first bytes of a file as the Lambda would; `chosen`: the header
    row staff chose (a physical line), read as the header when it starts a record of the searched lines."""
    try:
        found = inspect(sample[:HEADER_SAMPLE_BYTES], explicit, chosen)
    except UnreadableFile as exc:
        return HeaderCheck(problem=str(exc))
    records = [c for c in found.candidates if not blank_record(c.names)]
    read, candidates = _record(found), [_record(c) for c in records]
    for c in candidates:
        c["skips"] = _skips(c, read, candidates) if c["line"] != found.line else ""
    repeats = [c.line for c in records if repeats_header(c, found)]
    others = [
        c for c in candidates if c["line"] != found.line and c["line"] not in repeats and looks_like_header(c, read)
    ]
    note = _repeats_note(repeats)
    return HeaderCheck(**read, skipped=found.skipped, candidates=candidates, others=others, repeats_note=note)


def repeats_header(record: Header, header: Header) -> bool:
    """Whether a record after `header`, read as a row under it, is rejected `repeated_header` (its mapped
    cells are the header's names again: two exports joined, review B12-1): the Lambda's own rule
    (`rejects`), on the record's cells as `read_record` reads them, split by the header's delimiter (a
    record of another delimiter is another row). Such a record is no place where the orders table starts."""
    if record.line <= header.last_line or record.delimiter != header.delimiter or not header.mapping:
        return False
    cells = {c: record.names[i] if i < len(record.names) else None for c, i in header.mapping.items()}
    used = {c: cleaned_text(pa.array([cell], pa.string())) for c, cell in cells.items()}
    names = {c: header.names[i] for c, i in header.mapping.items()}
    return len(repeated_header(used, names, np.arange(1))) == 1


def _lines(rows: list[int]) -> str:
    return f"line {rows[0]}" if len(rows) == 1 else f"lines {rows[0]}–{rows[-1]}"


def _skips(record: dict, header: dict, candidates: list[dict]) -> str:
    """What choosing `record` as the header row changes besides the header: the rows (records not blank)
    between it and `header`, read now and skipped then (it is below), or skipped now (it is above)."""
    below = record["line"] > header["line"]
    low, high = (header["last_line"], record["line"]) if below else (record["last_line"], header["line"])
    rows = [c["line"] for c in candidates if low < c["line"] < high]
    if not rows:
        return ""
    many = f"the {len(rows)} rows" if len(rows) > 1 else "the row"
    if below:
        return f"Choosing line {record['line']} skips {many} read now above it ({_lines(rows)})."
    verb = "are" if len(rows) > 1 else "is"
    return f"{many.capitalize()} between line {record['line']} and the header row ({_lines(rows)}) {verb} skipped now."


def _repeats_note(lines: list[int]) -> str:
    """The records after the header that repeat it, said as the Lambda reads them."""
    if not lines:
        return ""
    said = ", ".join(str(line) for line in lines)
    one = len(lines) == 1
    return (
        f"{'Line' if one else 'Lines'} {said} {'repeats' if one else 'repeat'} the header row: the Lambda rejects "
        f"{'it' if one else 'them'} (“{ROW_REASONS['repeated_header']}”) and reads the rows after "
        f"{'it' if one else 'them'} too."
    )


def blank_record(cells: list[str]) -> bool:
    """Whether every cell of a record is empty, whitespace or a placeholder (`N/A`, `#N/A`, `-`, ...): blank by
    the Lambda's own rule (`values.cleaned_text`, which `chunk` counts `rows_blank` by), no header row to offer
    (review B11-3)."""
    return cleaned_text(pa.array(cells, pa.string())).null_count == len(cells)


_VALUE = re.compile(r"[-+(]?[$€£¥]?\s?\d")  # a cell that starts as a number, an amount or a date does


def looks_like_header(record: dict, header: dict) -> bool:
    """Whether another record of the searched lines (as `_record` gives it) could be the header as well
    as `header`, the one the Lambda takes: none of its cells starts like a value (a digit, after a sign or
    a currency sign: an amount, a date, an id), and synonyms map a required column of it or it has at
    least as many non-empty cells. A summary's header (`order_id,amount,date`) above the table's (`Order
    No,Gross,Amount,Date`) is, and so is a table's header below a title; the summary's and the table's
    rows (`total,3.00,2025-05-31`) and a title line of one cell above a wider header are not."""
    cells = [c for c in record["header"] if c]
    if not cells or any(_VALUE.match(c) for c in cells):
        return False
    return len(record["missing"]) < len(REQUIRED) or len(cells) >= len([c for c in header["header"] if c])


def _record(found: Header) -> dict:
    """A record of the searched lines as the form offers it: its cells, what synonyms map, what is missing."""
    return {
        "header": found.names,
        "mapping": {column: found.names[i] for column, i in found.mapping.items()},
        "missing": missing_required(found.mapping),
        "line": found.line,
        "last_line": found.last_line,
    }


@dataclass(frozen=True)
class RecognisedColumn:
    column: str
    label: str
    required: bool
    names: tuple[str, ...]  # header names the Lambda maps onto it, compared without case or separators


def recognised_columns() -> list[RecognisedColumn]:
    """The contract's columns a file can hold and the header names recognised for each, required first."""
    ordered = (*REQUIRED_COLUMNS, *(c for c in COLUMNS if c not in REQUIRED_COLUMNS))
    return [RecognisedColumn(c, BY_NAME[c].label, c in REQUIRED_COLUMNS, BY_NAME[c].synonyms) for c in ordered]


TEMPLATE_EXAMPLE = {
    "order_id": "A-1001",
    "order_date": "2025-05-01",
    "amount": "129.90",
    "customer": "Acme Ltd",
    "status": "shipped",
    "quantity": "1",
}


def template_csv() -> str:
    """A file the Lambda recognises as it is: every column under its contract name, and one example order."""
    columns = [c.column for c in recognised_columns()]
    return ",".join(columns) + "\r\n" + ",".join(TEMPLATE_EXAMPLE.get(c, "") for c in columns) + "\r\n"
