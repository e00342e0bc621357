from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils.formats import number_format

from ..reports import column_plural
from ..selectors import rows_named

register = template.Library()


@register.filter
def query_string(params: dict) -> str:
    return urlencode(
        {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in params.items() if v not in ("", None)}
    )


@register.filter
def first_row(result) -> list:
    return list(zip(result.columns, result.rows[0])) if result.rows else []


@register.filter
def humanize_column(name: str) -> str:
    return name.replace("_", " ").capitalize()


@register.filter
def plural(column: str) -> str:
    """`card.folded|plural`: a column's values in words ("customers"), `reports.column_plural`."""
    return column_plural(column)


@register.filter
def chart_payload(card) -> dict:
    """What a card's charts draw: the result's columns and rows, and each row's name as the table
    names it (`table_rows`: "(none)", "Other (2 customers)")."""
    result = card.result
    return {"columns": result.columns, "rows": result.rows, "labels": [row[0] for row in table_rows(card)[1]]}


@register.filter
def iso_datetime(text: str):
    """Results store times as ISO text (JSON); the `date` filter needs a datetime."""
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


# Key figures that are amounts of money (shown with the currency), the others are counts.
MONEY = ("revenue", "average_order_value", "amount")
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "INR": "₹"}


@register.filter
def money(value) -> str:
    """An amount with the DASHBOARD_CURRENCY's symbol (or code), two decimals and the thousands
    separator of the active locale (Django's l10n formats): `$30,205.10`; "–" for no value (the
    average order value of no orders)."""
    if value in (None, ""):
        return "–"
    amount = Decimal(str(value))
    code = settings.DASHBOARD_CURRENCY
    sign = "-" if amount < 0 else ""
    return f"{sign}{SYMBOLS.get(code, code + ' ')}{number_format(abs(amount), 2, force_grouping=True)}"


@register.filter
def count(value) -> str:
    """A whole number with the locale's thousands separator: `1,234`."""
    return "–" if value in (None, "") else number_format(int(value), 0, force_grouping=True)


@dataclass(frozen=True)
class Tile:
    column: str
    value: object  # as stored: a decimal string, an int or None
    shown: str
    change: str = ""  # "+1,234.56 (+12.3%)" against the previous period; "n/a" when it has no orders; empty without one
    direction: str = ""  # up | down | flat


def _change(column: str, now, before) -> tuple[str, str]:
    """The change of one figure; a percentage of nothing is "n/a" (as Metabase shows it): a
    previous value of 0 keeps the absolute change."""
    current, previous = Decimal(str(now or 0)), Decimal(str(before or 0))
    delta = current - previous
    shown = money(delta) if column in MONEY else count(delta)
    shown = shown if delta < 0 else "+" + shown
    percent = f"{delta / previous * 100:+.1f}%" if previous else "n/a" if delta else "±0%"
    return f"{shown} ({percent})", "up" if delta > 0 else "down" if delta < 0 else "flat"


def _previous_figures(card) -> dict | None:
    """The previous period's key figures by column, once computed (None before, or without one)."""
    previous = card.previous.result if card.previous else None
    if previous is None or previous.error or not previous.rows:
        return None
    return dict(zip(previous.columns, previous.rows[0]))


@register.filter
def kpi_tiles(card) -> list[Tile]:
    """The key figures of a KPI card, formatted, each with its change against the previous
    period of the same length when the page has one (`card.previous`, a bounded range) and it is
    computed. A previous period without orders has nothing to compare with: every tile says
    "n/a" (its average order value does not exist, and 0 -> x is no percentage); so does the
    average order value of a period without orders (shown "–"), whose revenue is $0.00."""
    result = card.result
    if not result or not result.rows:
        return []
    before = _previous_figures(card)
    tiles = []
    for column, value in zip(result.columns, result.rows[0]):
        shown = money(value) if column in MONEY else count(value)
        if before is None:
            change, direction = "", ""
        elif not before.get("orders") or value is None:
            change, direction = "n/a", "flat"
        else:
            change, direction = _change(column, value, before.get(column))
        tiles.append(Tile(column, value, shown, change, direction))
    return tiles


@register.filter
def previous_empty(card) -> bool:
    """The previous period is computed and has no orders."""
    before = _previous_figures(card)
    return before is not None and not before.get("orders")


@register.simple_tag
def previous_range(card) -> str:
    """`2025-01-04 – 2025-01-31`: the period the tiles compare with."""
    query = card.previous.query if card.previous else None
    return f"{query.start_date.isoformat()} – {query.end_date.isoformat()}" if query else ""


@register.filter
def chart_series(card) -> tuple[tuple[str, ...], ...]:
    """The charts of a card, each a tuple of the result columns it draws."""
    return card.series


@register.filter
def freshness(page) -> dict:
    """The page's one freshness line: `data_as_of` (the newest processed data the cards read,
    an ISO time) and `computed_at` (when the oldest card was computed)."""
    results = [card.result for card in page.cards if card.result and not card.result.error]
    as_of = [r.meta.get("data_as_of") for r in results if r.meta.get("data_as_of")]
    return {
        "data_as_of": iso_datetime(max(as_of)) if as_of else None,
        "computed_at": min((r.computed_at for r in results), default=None),
    }


@register.filter
def get_item(mapping: dict, key: str):
    """`row|get_item:name`: a dict value by a variable key (the drill list's dimension cells)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def page_grain(page) -> str:
    """The grain the page's time chart is drawn at (chosen, or the default for its range)."""
    cards = getattr(page, "cards", [])  # no page: the parameters were refused
    return next((card.query.grain for card in cards if card.query and card.query.grain), "month")


@register.filter
def table_rows(card) -> tuple[list[str], list[list]]:
    """The card's table alternative: the result, its rows named as `selectors.rows_named` names them
    ("(none)", "Other (2 customers)"), the `other` column (the number of values folded) left out."""
    result = card.result
    flag = result.columns.index("other") if "other" in result.columns else None
    rows = rows_named(card)
    if flag is None:
        return result.columns, rows
    return [c for c in result.columns if c != "other"], [[v for i, v in enumerate(r) if i != flag] for r in rows]
