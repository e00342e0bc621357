"""Report definitions: one Athena (Trino) SQL file per report, its chart, and the statement a
`ReportQuery` becomes.

Filter values are bound as execution parameters (`?`) and never enter the SQL text. Two things
are written into the text on purpose: the LIMIT, from the form's validated integer (Athena takes
`?` parameters in WHERE only), and the query's fingerprint with the data version, so Athena's
result reuse (which matches on the query text) can never serve a result of other filters or of
older data. Every report selects from `filtered_orders`, defined once in `_orders.sql`.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path

from ..query import DIMENSIONS, ParamError, ReportQuery, ReportQueryForm

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r":([a-z_]+)\b")

__all__ = ["DASHBOARD", "REPORTS", "ParamError", "Report", "placeholders", "report_get", "report_query"]


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    chart: str  # kpi | line | bar | donut | table
    takes_limit: bool = False
    takes_month: bool = False
    # Averages leave the engine exact (Trino keeps decimals, DuckDB gives a double) and are
    # rounded here, half-even, so both engines show the same cents.
    cents: tuple[str, ...] = ()

    @property
    def param_names(self) -> set[str]:
        names = {"start_date", "end_date", "statuses", "customer", *DIMENSIONS}
        return names | ({"limit"} if self.takes_limit else set()) | ({"month"} if self.takes_month else set())

    def form(self, raw: dict) -> ReportQueryForm:
        return ReportQueryForm(raw, report=self.slug, takes_limit=self.takes_limit, takes_month=self.takes_month)

    def round_cents(self, columns: list[str], rows: list[list]) -> list[list]:
        indexes = [i for i, c in enumerate(columns) if c in self.cents]
        for row in rows:
            for i in indexes:
                if row[i] is not None:
                    row[i] = Decimal(str(row[i])).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        return rows


def report_query(slug: str, raw: dict) -> ReportQuery:
    """The one validation: request parameters -> ReportQuery. Raises ParamError naming the parameter."""
    form = report_get(slug).form({k: v for k, v in raw.items() if v not in (None, "", [])})
    if not form.is_valid():
        raise ParamError(form.first_error())
    return form.cleaned_data["query"]


@cache
def _templated(slug: str) -> str:
    fragment = (HERE / "_orders.sql").read_text()
    body = (HERE / f"{slug.replace('-', '_')}.sql").read_text()
    text = f"WITH query_fingerprint AS (SELECT ':fingerprint' AS fingerprint),\n{fragment}\n{body}"
    return "\n".join(line.split("--", 1)[0].rstrip() for line in text.splitlines() if line.split("--", 1)[0].strip())


def placeholders(slug: str) -> list[str]:
    """The bound parameters of a report's SQL, in order (`:limit` and `:fingerprint` are written in)."""
    return [name for name in PLACEHOLDER.findall(_templated(slug)) if name not in ("limit", "fingerprint")]


def report_statement(query: ReportQuery, *, data_version: int) -> tuple[str, list]:
    """The SQL text and its positional parameters for one query over one data version.

    The unused `query_fingerprint` view carries the query's fingerprint and the data version in
    the text (Trino drops it from the plan): two different queries never share a text."""
    text = _templated(query.report)
    text = text.replace(":fingerprint", f"{query.fingerprint}-v{int(data_version)}")
    if ":limit" in text:
        if query.limit is None:
            raise ParamError(f"{query.report} needs a limit")
        text = re.sub(r":limit\b", str(int(query.limit)), text)
    values = {
        "start_date": query.start_date,
        "end_date": query.end_date,
        "start_month": query.start_date.strftime("%Y-%m"),
        "end_month": query.end_date.strftime("%Y-%m"),
        "statuses": ",".join(query.statuses),
        "customer": query.customer,
        **{name: "" for name in DIMENSIONS},
        **dict(query.dimensions),
    }
    return PLACEHOLDER.sub("?", text), [values[name] for name in placeholders(query.report)]


REPORTS = {
    r.slug: r
    for r in [
        Report("kpis", "Key figures", "kpi", cents=("average_order_value",)),
        Report("revenue-by-month", "Orders and revenue by month", "line"),
        Report("sales-by-customer", "Sales by customer", "bar", takes_limit=True, cents=("average_order_value",)),
        Report("status-summary", "Status mix", "donut"),
        Report("aov-by-customer", "Average order value per customer", "bar", cents=("average_order_value",)),
        Report("top-orders", "Top orders", "table", takes_limit=True, takes_month=True),
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
