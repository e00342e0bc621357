"""Time series without holes: every day, week or month of a range, those without orders as zeros.

The engines return only periods that have orders (`date_trunc` groups); a chart drawn from that
puts 2014-12 beside 2022-12 as if they were neighbours. Filling here, after the engine, works the
same for Athena and DuckDB and costs no scan.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from ..query import EARLIEST, LATEST, ReportQuery

# A range wider than this many periods is filled only between the first and last period with
# orders (an open range over decades at a day grain would draw tens of thousands of zeros).
MAX_PERIODS = 3700


def period_start(day: date, grain: str) -> date:
    """The first day of the period holding `day`: itself, its week's Monday (ISO weeks, as Trino's
    and DuckDB's date_trunc('week')), or its month's first day."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def period_next(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=7)
    if grain == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def periods_count(first: date, last: date, grain: str) -> int:
    days = (last - first).days
    if grain == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return days // (7 if grain == "week" else 1) + 1


def periods_fill(query: ReportQuery, rows: list[list]) -> list[list]:
    """`rows` are [period start, orders, revenue] sorted by period, possibly with holes; the
    result has one row per period from the range's first to its last (a bounded end of the
    query's range counts even without orders there), zeros where there were no orders.
    No rows in, no rows out: nothing matched."""
    if not rows:
        return []
    grain = query.grain
    by_start = {_as_date(row[0]): row[1:] for row in rows}
    first, last = min(by_start), max(by_start)
    wide_first = period_start(query.start_date, grain) if query.start_date != EARLIEST else first
    wide_last = period_start(query.end_date, grain) if query.end_date != LATEST else last
    if periods_count(min(first, wide_first), max(last, wide_last), grain) <= MAX_PERIODS:
        first, last = min(first, wide_first), max(last, wide_last)
    filled, current = [], first
    while current <= last:
        filled.append([current, *by_start.get(current, [0, Decimal("0.00")])])
        current = period_next(current, grain)
    return filled
