"""What the dashboard's filter bar and filter trail show: the presets, the statuses and the
dimension values the data has (from the `filter-values` report, one query per data version),
customer suggestions, and one removable chip per active filter. Reads only; no validation here
(the form in `query` validates every parameter once)."""

from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse
from filter_and_process_orders.contract import LABELS

from .query import DIMENSIONS, GRAINS, GROUPS, KNOWN_STATUSES, PERIODS

# Parameters that choose how the page draws (not which orders): kept when a filter is removed.
VIEW_PARAMS = ("grain", "group_by")
FILTER_PARAMS = ("period", "start_date", "end_date", "month", "statuses", "customer", "no_customer", *DIMENSIONS)
SUGGESTIONS = 20


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


def _values(options_rows: list[list] | None) -> dict[str, list[tuple[str, int]]]:
    values: dict[str, list[tuple[str, int]]] = {}
    for dimension, value, orders in options_rows or []:
        values.setdefault(dimension, []).append((value, int(orders)))
    return values


def home_url(params: dict) -> str:
    """The dashboard's URL for these parameters (statuses as one value per status, as the form sends them)."""
    query = QueryDict(mutable=True)
    for name, value in params.items():
        if value:
            query.setlist(name, value.split(",") if name == "statuses" else [value])
    return f"{reverse('dashboard:home')}?{query.urlencode()}" if query else reverse("dashboard:home")


def trail(filters: dict) -> list[Chip]:
    """One chip per active filter (each status its own), each linking to the page without it."""
    chips = []
    for name in FILTER_PARAMS:
        value = filters.get(name, "")
        if not value:
            continue
        if name == "statuses":
            words = [w for w in value.split(",") if w]
            for word in words:
                rest = ",".join(w for w in words if w != word)
                chips.append(Chip(f"Status: {word}", home_url(filters | {"statuses": rest})))
            continue
        if name == "no_customer":
            chips.append(Chip("Customer: (none)", home_url(filters | {name: ""})))
            continue
        shown = PERIODS.get(value, value) if name == "period" else value
        label = {"period": "Period", "start_date": "From", "end_date": "To", "month": "Month"}.get(name)
        chips.append(Chip(f"{label or LABELS.get(name, name)}: {shown}", home_url(filters | {name: ""})))
    return chips


def filter_bar(filters: dict, options_rows: list[list] | None) -> dict:
    """The template context of the filter bar: choices with what is selected, and the trail."""
    values = _values(options_rows)
    chosen = set(filters.get("statuses", "").split(","))
    present = [value for value, _ in values.get("status", [])]
    statuses = sorted(set(KNOWN_STATUSES) | set(present) | (chosen - {""}))
    return {
        "periods": list(PERIODS.items()),
        "statuses": [(s, s in chosen, s in present) for s in statuses],
        "dimensions": [
            (name, LABELS[name], [value for value, _ in values[name]]) for name in DIMENSIONS if values.get(name)
        ],
        "grains": GRAINS,
        "groups": [(name, LABELS[name]) for name in GROUPS if name in ("customer", "status") or values.get(name)],
        "trail": trail(filters),
        "view_params": {k: filters[k] for k in VIEW_PARAMS if filters.get(k)},
    }


def customer_suggestions(options_rows: list[list] | None, text: str) -> list[str]:
    """Customers whose name contains `text` (any case), those with the most orders first, at most 20."""
    needle = text.strip().casefold()
    if not needle:
        return []
    names = [value for value, _ in _values(options_rows).get("customer", [])]
    starts = [n for n in names if n.casefold().startswith(needle)]
    inside = [n for n in names if needle in n.casefold() and not n.casefold().startswith(needle)]
    return (starts + inside)[:SUGGESTIONS]
