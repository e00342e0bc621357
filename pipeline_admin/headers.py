"""What the Lambda will make of a file's header row, decided by the Lambda's own pure code.

The upload page and the mapping form use it so that "recognised" means exactly what the
Lambda does with the file, not a second opinion.
"""

import io
from dataclasses import dataclass, field

from filter_and_process_orders.mapping import REQUIRED, SYNONYMS, map_headers, missing_required
from filter_and_process_orders.reading import UnreadableFile, open_rows

HEADER_SAMPLE_BYTES = 64 * 1024
COLUMNS = tuple(SYNONYMS)  # order_id, customer, amount, status, order_date
REQUIRED_COLUMNS = REQUIRED


@dataclass(frozen=True)
class HeaderCheck:
    header: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # canonical column -> header name
    missing: list[str] = field(default_factory=list)
    problem: str = ""

    @property
    def recognised(self) -> bool:
        return not self.problem and not self.missing


def header_inspect(*, sample: bytes, explicit: dict[str, str] | None = None) -> HeaderCheck:
    """Read the header from the first bytes of a file and map it as the Lambda would."""
    try:
        _, records = open_rows(io.BytesIO(sample[:HEADER_SAMPLE_BYTES]))
        _, header = next(records, (0, []))
    except UnreadableFile as exc:
        return HeaderCheck(problem=str(exc))
    header = [h.strip() for h in header]
    if not any(header):
        return HeaderCheck(problem="the file has no header row")
    mapping = map_headers(header, explicit)
    return HeaderCheck(
        header=header, mapping={column: header[i] for column, i in mapping.items()}, missing=missing_required(mapping)
    )


@dataclass(frozen=True)
class RecognisedColumn:
    column: str
    required: bool
    names: tuple[str, ...]  # header names the Lambda maps onto it, compared without case or separators


def recognised_columns() -> list[RecognisedColumn]:
    """The orders columns and the header names the Lambda recognises for each, required ones first."""
    ordered = (*REQUIRED_COLUMNS, *(c for c in COLUMNS if c not in REQUIRED_COLUMNS))
    return [RecognisedColumn(c, c in REQUIRED_COLUMNS, tuple(SYNONYMS[c])) for c in ordered]


def template_csv() -> str:
    """A file the Lambda recognises as it is: every column under its first name, and one example order."""
    example = {"order_id": "A-1001", "order_date": "2025-05-01", "amount": "129.90", "customer": "Acme Ltd"}
    example["status"] = "shipped"
    columns = [c.column for c in recognised_columns()]
    return ",".join(columns) + "\r\n" + ",".join(example.get(c, "") for c in columns) + "\r\n"
