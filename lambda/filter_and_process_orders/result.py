"""What a cleaning run is given (`Rules`) and what it gives back (`CleanResult`)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from .decide import Decisions
from .doubts import Doubts
from .evidence import Evidence
from .utf8 import StrayBytes


@dataclass(frozen=True)
class Rules:
    reference_date: date
    stale_statuses: frozenset[str]
    stale_after_days: int
    day_first_default: bool = False
    decimal_comma_default: bool = False


@dataclass
class CleanResult:
    encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    header_last_line: int  # after header_line when a quoted header cell holds a line break
    mapping: dict[str, str]  # contract column -> header name
    skipped_lines: list[dict] = field(default_factory=list)
    rows_before_header: list[int] = field(default_factory=list)  # lines of records above it that read as orders
    unmapped: list[str] = field(default_factory=list)
    decisions: Decisions = field(default_factory=Decisions)
    grain: str = "order"
    grain_overridden: bool = False
    evidence: Evidence = field(default_factory=Evidence)
    rows_in: int = 0
    rows_blank: int = 0  # data records every cell of which is empty, whitespace or a placeholder (`chunk`)
    rows_rejected: int = 0
    rejected_reasons: Counter = field(default_factory=Counter)  # code -> rows
    duplicates: int = 0
    doubts: Doubts = field(default_factory=Doubts)  # kept values that become warnings
    stray_bytes: StrayBytes = field(default_factory=StrayBytes)  # not UTF-8, read as Windows-1252
    superseded: int = 0
    merged: int = 0
    orders: int = 0
    orders_stale: int = 0
    amount_total: Decimal = Decimal(0)  # every order written, stale or not: a check total
    amount_counted: Decimal = Decimal(0)  # the orders that count
    months: dict[str, Path] = field(default_factory=dict)
    rejected_path: Path | None = None
    rejected_sample: list[dict] = field(default_factory=list)
    stale_sample: list[dict] = field(default_factory=list)

    @property
    def order_totals(self) -> bool:
        """Line items whose amount column is the order's total on each line (the evidence's guess,
        see `evidence.Evidence.amount_is_order_total`), counted once per order. Never when staff chose
        the grain: their `line_items` means lines whose amounts are summed."""
        return self.evidence.amount_is_order_total and not self.grain_overridden

    @property
    def lines(self) -> int:
        """The rows made into orders: every row but the rejected ones and the exact duplicates'
        extra copies (counted as duplicates, never summed). The N of "N lines → M orders"."""
        return self.rows_in - self.rows_rejected - self.duplicates

    @property
    def rows_out(self) -> int:
        """Orders written that count in reports (not stale)."""
        return self.orders - self.orders_stale
