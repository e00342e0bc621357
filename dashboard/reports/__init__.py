"""Report definitions: one Athena (Trino) SQL file per report, its chart, and the statement a
`ReportQuery` becomes.

Filter values are bound as execution parameters (`?`) and never enter the SQL text. Two things
are written into the text on purpose: the LIMIT, the time grain and the breakdown's column, from
the form's validated integer and choices (Athena takes `?` parameters in WHERE only, and a column
cannot be a parameter), and the query's fingerprint with the data version, so Athena's
result reuse (which matches on the query text) can never serve a result of other filters or of
older data. Every report selects from `filtered_orders`, defined once in `_orders.sql`.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import cache
from pathlib import Path

from ..query import DIMENSIONS, GRAINS, GROUPS, ParamError, ReportQuery, ReportQueryForm
from .periods import periods_fill

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r":([a-z_]+)\b")
WRITTEN_IN = ("limit", "fingerprint", "grain", "group_column", "value_column")
CENTS = Decimal("0.01")
AVERAGE_ROUNDING = ROUND_HALF_EVEN  # README "Dashboard": how an average's half cent rounds


def without_comments(sql: str) -> str:
    """SQL text without its `--` comments and blank lines (what is sent to the engine)."""
    return "\n".join(line.split("--", 1)[0].rstrip() for line in sql.splitlines() if line.split("--", 1)[0].strip())


__all__ = [
    "DASHBOARD", "OPTIONS", "PAGE", "REPORTS", "ParamError", "Report", "column_plural", "none_meaning", "other_label",
    "placeholders", "report_get", "report_query",
]  # fmt: skip


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    chart: str  # kpi | line | bar | donut | table | options (not drawn)
    takes_limit: bool = False
    takes_grain: bool = False
    takes_group: bool = False
    # The charts a card draws: one tuple of result columns per chart (empty: none).
    series: tuple[tuple[str, ...], ...] = ()
    # The page parameter a chart element narrows to ("customer", "statuses", "month"/dates for a
    # period, the breakdown's column); empty: its elements offer no drill-down.
    drills: str = ""
    # Average order values: computed here from each row's exact `revenue` and `orders`, not taken
    # from the engine (see `average_order_value`).
    averages: tuple[str, ...] = ()
    # A report that runs another's SQL file (`sql`, its slug) with that file's :group_column fixed
    # (`group`): sales-by-customer is the breakdown by customer, its top N plus one Other row.
    sql: str = ""
    group: str = ""

    @property
    def param_names(self) -> set[str]:
        if self.chart == "options":
            return set()
        names = {"start_date", "end_date", "period", "month", "statuses", "customer", "no_customer", *DIMENSIONS}
        flags = (("limit", self.takes_limit), ("grain", self.takes_grain), ("group_by", self.takes_group))
        return names | {name for name, wanted in flags if wanted}

    def form(self, raw: dict) -> ReportQueryForm:
        return ReportQueryForm(
            raw,
            report=self.slug,
            takes_limit=self.takes_limit,
            takes_grain=self.takes_grain,
            takes_group=self.takes_group,
        )

    def finish(self, query: ReportQuery, columns: list[str], rows: list[list]) -> list[list]:
        """The engine's rows as the report shows them: average order values from the exact revenue
        and orders, and for a time chart every period of the range, those without orders with zeros."""
        if self.averages:
            revenue, orders = columns.index("revenue"), columns.index("orders")
            indexes = [columns.index(c) for c in self.averages]
            for row in rows:
                for i in indexes:
                    row[i] = average_order_value(row[revenue], row[orders])
        return periods_fill(query, rows) if self.takes_grain else rows


def average_order_value(revenue, orders) -> Decimal | None:
    """An average order value in cents, Decimal('18.62'), from the exact revenue (a decimal or its
    text) and the number of orders; None without orders. The one rounding of derived money: the
    exact quotient rounded once to cents, a half cent to the even cent (`AVERAGE_ROUNDING`).

    Computed here, not by the engine, so Athena and DuckDB show the same cents: Trino divides a
    decimal to 6 places, so over more than 10,000 orders an average just past a half cent
    (25.0050002 over 20,001 orders) came back as the tie 25.005000; DuckDB divides in binary floating
    point. Half-even, because the course's published values round so (Charlie's 5793.70 / 20 =
    289.685 is published as 289.68; tests/data/orders.expected.json)."""
    if not orders:
        return None
    with localcontext(prec=80):  # a decimal(38,2) revenue over any count: exact far past a cent's tie
        return (Decimal(str(revenue)) / int(orders)).quantize(CENTS, rounding=AVERAGE_ROUNDING)


def other_label(count: int, column: str) -> str:
    """The name of the row a report folds its values past the top N into, `count` of them, of
    `column` (breakdown.sql's `other`): "Other (2 customers)", "Other (3 categories)"."""
    return f"Other ({count:,} {column.replace('_', ' ') if count == 1 else column_plural(column)})"


# Groupable columns that always have a value in a report: an order without a status is `unknown`
# (as the status mix shows it), so a report by status has no "(none)" row. The SQL each stands for.
ALWAYS_VALUED = {"status": "coalesce(status, 'unknown')"}


def none_meaning(column: str) -> str:
    """What the "(none)" row of a report by `column` holds, in words: "the orders without a customer"
    (breakdown.sql: the orders without a value, one row after the top N, never folded into Other);
    "" for a column that always has a value (`ALWAYS_VALUED`: status), whose report has no such row."""
    return "" if column in ALWAYS_VALUED else f"the orders without a {column.replace('_', ' ')}"


def column_plural(column: str) -> str:
    """A groupable column's values, in words: customers, statuses, categories, countries."""
    noun = column.replace("_", " ")
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "es" if noun.endswith("s") else noun + "s"


def report_query(slug: str, raw: dict) -> ReportQuery:
    """The one validation: request parameters -> ReportQuery. Raises ParamError naming the parameter."""
    form = report_get(slug).form({k: v for k, v in raw.items() if v not in (None, "", [])})
    if not form.is_valid():
        raise ParamError(form.first_error())
    return form.cleaned_data["query"]


@cache
def _templated(slug: str) -> str:
    fragment = (HERE / "_orders.sql").read_text()
    own = REPORTS[slug].sql if slug in REPORTS else ""  # (the drill list's SQL is no report's)
    body = (HERE / f"{(own or slug).replace('-', '_')}.sql").read_text()
    text = f"WITH query_fingerprint AS (SELECT ':fingerprint' AS fingerprint),\n{fragment}\n{body}"
    return without_comments(text)


def placeholders(slug: str) -> list[str]:
    """The bound parameters of a report's SQL, in order (`:limit` and `:fingerprint` are written in)."""
    return [name for name in PLACEHOLDER.findall(_templated(slug)) if name not in WRITTEN_IN]


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
    if ":grain" in text:
        if query.grain not in GRAINS:
            raise ParamError(f"{query.report} needs a grain: one of {', '.join(GRAINS)}")
        text = text.replace(":grain", query.grain)
    if ":group_column" in text:
        group = report_get(query.report).group or query.group_by
        if group not in GROUPS:
            raise ParamError(f"{query.report} needs group_by: one of {', '.join(GROUPS)}")
        column = ALWAYS_VALUED.get(group, group)
        text = text.replace(":group_column", column)
        text = text.replace(":value_column", report_get(query.report).group or "value")
    values = {
        "start_date": query.start_date,
        "end_date": query.end_date,
        "start_month": query.start_date.strftime("%Y-%m"),
        "end_month": query.end_date.strftime("%Y-%m"),
        "statuses": ",".join(query.statuses),
        "customer": query.customer,
        "no_customer": "1" if query.no_customer else "",
        **{name: "" for name in DIMENSIONS},
        **dict(query.dimensions),
    }
    return PLACEHOLDER.sub("?", text), [values[name] for name in placeholders(query.report)]


REPORTS = {
    r.slug: r
    for r in [
        Report("kpis", "Key figures", "kpi", averages=("average_order_value",)),
        Report(
            "orders-over-time", "Orders and revenue over time", "line", takes_grain=True,
            series=(("revenue", "orders"),), drills="period",
        ),
        Report(
            "sales-by-customer", "Sales by customer", "bar", takes_limit=True, averages=("average_order_value",),
            series=(("revenue", "orders"),), drills="customer", sql="breakdown", group="customer",
        ),
        Report("status-summary", "Status mix", "donut", series=(("orders",),), drills="statuses"),
        Report(
            "breakdown", "Breakdown", "bar", takes_limit=True, takes_group=True, averages=("average_order_value",),
            series=(("revenue", "orders"), ("average_order_value",)), drills="group",
        ),
        Report("top-orders", "Top orders", "table", takes_limit=True),
        Report("revenue-by-month", "Orders and revenue by month", "line", series=(("orders", "revenue"),)),
        Report(
            "aov-by-customer", "Average order value per customer", "bar", averages=("average_order_value",),
            series=(("average_order_value",),),
        ),
        Report("daily-orders", "Daily orders", "line", series=(("orders", "revenue"),)),
        Report("filter-values", "Filter values", "options"),
    ]
}  # fmt: skip
# The dashboard page, in order; these are also the default views warmed after new data.
# Revenue by month and daily orders are the time chart at a month or day grain there, so their
# own reports (API and CLI) cost no extra query per page.
DASHBOARD = ["kpis", "orders-over-time", "sales-by-customer", "status-summary", "breakdown", "top-orders"]
# What the filter bar offers (one query per data version, not per filter set): warmed with the page.
OPTIONS = "filter-values"
# What one dashboard page reads (besides the previous period's key figures for a bounded range),
# and the default views warmed after new data.
PAGE = [*DASHBOARD, OPTIONS]


def report_get(slug: str) -> Report:
    try:
        return REPORTS[slug]
    except KeyError:
        raise ParamError(f"unknown report {slug!r}; choose one of {', '.join(REPORTS)}") from None
