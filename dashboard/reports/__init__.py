"""Report definitions: one Athena (Trino) SQL file per report, its typed parameters and chart.

Parameters are validated here, server-side, and bound positionally by the engine; they never
reach the SQL text. Every report selects from `filtered_orders`, defined once in `_orders.sql`.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path

from django.utils import timezone
from filter_and_process_orders.contract import STORED
from filter_and_process_orders.values import STATUS_SYNONYMS, canonical_status

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r":([a-z_]+)\b")
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
RELATIVE_DATE = re.compile(r"today(?:([+-])(\d{1,5})d?)?")
STATUS_WORD = re.compile(r"[a-z][a-z_]{0,29}")
# The order's own columns (the contract's, less the bookkeeping ones) that every report can read.
ORDER_COLUMNS = ", ".join(c.name for c in STORED if c.name not in {"stale", "source_line", "source_key", "ingested_at"})
# The words the status filter offers; the Lambda writes these canonical forms.
KNOWN_STATUSES = sorted(set(STATUS_SYNONYMS.values()))


class ParamError(ValueError):
    """A report parameter is not valid; the message names it and says why."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # date | month | int | text | statuses
    default: object
    label: str = ""
    minimum: int = 1
    maximum: int = 1000

    def parse(self, raw) -> object:
        if self.kind == "statuses":
            return parse_statuses(self.name, raw)
        if raw is None or raw == "":
            return self.default
        text = str(raw).strip()
        try:
            if self.kind == "date":
                return parse_date(text)
            if self.kind == "month":
                if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
                    raise ValueError
                return text
            if self.kind == "int":
                value = int(text)
                if not self.minimum <= value <= self.maximum:
                    raise ParamError(f"{self.name} must be between {self.minimum} and {self.maximum}")
                return value
        except ValueError as exc:
            if isinstance(exc, ParamError):
                raise
            expected = {"date": "a date like 2025-02-01", "month": "a month like 2025-02", "int": "a whole number"}
            raise ParamError(f"{self.name} must be {expected[self.kind]}, got {text[:40]!r}") from None
        if len(text) > 100 or not re.fullmatch(r"[\w .,'&@+\-/()]*", text):
            raise ParamError(f"{self.name} has characters that are not allowed")
        return text


def parse_date(text: str) -> date:
    """An ISO date, or `today`, `today-30d`, `today+7d`: relative dates become absolute here, so
    the cache key names the days really queried and rolls over at midnight (UTC)."""
    if match := RELATIVE_DATE.fullmatch(text.lower()):
        sign, days = match.groups()
        offset = timedelta(days=int(days or 0)) * (-1 if sign == "-" else 1)
        try:
            return timezone.localdate() + offset
        except OverflowError:
            raise ValueError from None
    return date.fromisoformat(text)


def parse_statuses(name: str, raw) -> str:
    """Several statuses, as a list or comma-separated; canonical words, sorted, joined by commas.

    The engine binds the joined text as one parameter and the SQL splits it, so any number of
    statuses is still a single bound value, never SQL text."""
    items = raw if isinstance(raw, (list, tuple)) else str(raw or "").split(",")
    words = set()
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            word = canonical_status(part)
            if not STATUS_WORD.fullmatch(word):
                raise ParamError(f"{name}: {part.strip()[:40]!r} is not a status word")
            words.add(word)
    if len(words) > 20:
        raise ParamError(f"{name}: at most 20 statuses")
    return ",".join(sorted(words))


COMMON = [
    Param("start_date", "date", EARLIEST, "From"),
    Param("end_date", "date", LATEST, "To"),
    Param("statuses", "statuses", "", "Status"),
    Param("customer", "text", "", "Customer"),
]


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    chart: str  # kpi | line | bar | donut | table
    params: list[Param] = field(default_factory=list)
    # Averages leave the engine exact (Trino keeps decimals, DuckDB gives a double) and are
    # rounded here, half-even, so both engines show the same cents.
    cents: tuple[str, ...] = ()

    @property
    def all_params(self) -> list[Param]:
        return COMMON + self.params

    def clean_params(self, raw: dict) -> dict:
        """Typed, validated parameters, with defaults filled in: the cache key's part."""
        known = {p.name for p in self.all_params}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ParamError(f"unknown parameter {unknown[0]!r} for report {self.slug}")
        values = {p.name: p.parse(raw.get(p.name)) for p in self.all_params}
        if values.get("month"):
            year, month = map(int, values["month"].split("-"))
            values["start_date"] = max(values["start_date"], date(year, month, 1))
            next_month = date(year + month // 12, month % 12 + 1, 1)
            values["end_date"] = min(values["end_date"], date.fromordinal(next_month.toordinal() - 1))
        if values["start_date"] > values["end_date"]:
            raise ParamError("start_date must not be after end_date")
        return values

    def round_cents(self, columns: list[str], rows: list[list]) -> list[list]:
        indexes = [i for i, c in enumerate(columns) if c in self.cents]
        for row in rows:
            for i in indexes:
                if row[i] is not None:
                    row[i] = Decimal(str(row[i])).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        return rows

    def sql(self) -> str:
        return report_sql(self.slug)

    def bind(self, values: dict) -> list:
        """The positional parameters for `sql()`, in placeholder order."""
        derived = {
            **values,
            "start_month": values["start_date"].strftime("%Y-%m"),
            "end_month": values["end_date"].strftime("%Y-%m"),
        }
        return [derived[name] for name in placeholders(self.slug)]


@cache
def _templated(slug: str) -> str:
    fragment = (HERE / "_orders.sql").read_text().replace("{order_columns}", ORDER_COLUMNS)
    body = (HERE / f"{slug.replace('-', '_')}.sql").read_text()
    text = f"WITH filtered_orders AS (\n{fragment}\n)\n{body}"
    return "\n".join(line.split("--", 1)[0].rstrip() for line in text.splitlines() if line.split("--", 1)[0].strip())


def placeholders(slug: str) -> list[str]:
    return PLACEHOLDER.findall(_templated(slug))


def report_sql(slug: str) -> str:
    return PLACEHOLDER.sub("?", _templated(slug))


LIMIT = Param("limit", "int", 10, "Rows", 1, 1000)
REPORTS = {
    r.slug: r
    for r in [
        Report("kpis", "Key figures", "kpi", cents=("average_order_value",)),
        Report("revenue-by-month", "Orders and revenue by month", "line"),
        Report("sales-by-customer", "Sales by customer", "bar", [LIMIT], cents=("average_order_value",)),
        Report("status-summary", "Status mix", "donut"),
        Report("aov-by-customer", "Average order value per customer", "bar", cents=("average_order_value",)),
        Report("top-orders", "Top orders", "table", [Param("month", "month", "", "Month"), LIMIT]),
        Report("daily-orders", "Daily orders", "line"),
    ]
}
# The dashboard page, in order; these are also the default views warmed after new data.
# Average order value per customer is a series of sales-by-customer there, so its own report
# (API and CLI) costs no extra query per page.
DASHBOARD = ["kpis", "revenue-by-month", "sales-by-customer", "status-summary", "top-orders", "daily-orders"]


def report_get(slug: str) -> Report:
    try:
        return REPORTS[slug]
    except KeyError:
        raise ParamError(f"unknown report {slug!r}; choose one of {', '.join(REPORTS)}") from None
