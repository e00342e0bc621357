from datetime import datetime
from urllib.parse import urlencode

from django import template

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
def chart_payload(result) -> dict:
    return {"columns": result.columns, "rows": result.rows}


@register.filter
def iso_datetime(text: str):
    """Results store times as ISO text (JSON); the `date` filter needs a datetime."""
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@register.filter
def get_item(mapping: dict, key: str):
    """`row|get_item:name`: a dict value by a variable key (the drill list's dimension cells)."""
    return mapping.get(key) if isinstance(mapping, dict) else None
