"""Header names onto the contract's columns, by normalised synonyms (see `contract`)."""

import re

from .contract import REQUIRED, SYNONYMS
from .trim import ZERO_WIDTH

_INVISIBLE = dict.fromkeys(map(ord, ZERO_WIDTH))  # removed anywhere in a name: a header is compared unseen

__all__ = ["REQUIRED", "SYNONYMS", "map_headers", "missing_required", "normalise_header", "not_found"]


def normalise_header(name: str) -> str:
    return re.sub(r"[\s_.\-/()#]+", "", name.translate(_INVISIBLE).strip().lower())


def names_unit_price(header: str) -> bool:
    """Whether an amount column's header names one unit's price (`Price`, `Lineitem price`, `Unit
    Price`, `Item Cost`) rather than a total (`Total Price`): a quantity beside it multiplies it."""
    name = normalise_header(header)
    return "total" not in name and ("price" in name or name in ("unitcost", "itemcost", "costeach"))


def map_headers(headers: list[str], explicit: dict[str, str] | None = None) -> dict[str, int]:
    """Contract column -> index in the row. An explicit mapping (from the upload form) wins."""
    mapping: dict[str, int] = {}
    for column, (_, index) in _explicit(headers, explicit).items():
        if index is not None:
            mapping[column] = index
    normalised = [normalise_header(h) for h in headers]
    taken = set(mapping.values())
    for column, synonyms in SYNONYMS.items():
        if column in mapping:
            continue
        for synonym in synonyms:
            if synonym in normalised and normalised.index(synonym) not in taken:
                mapping[column] = normalised.index(synonym)
                taken.add(mapping[column])
                break
    return mapping


def not_found(headers: list[str], explicit: dict[str, str] | None) -> dict[str, str]:
    """The contract columns an explicit mapping assigns to a header the file does not have: {column: the
    header named}. The file is rejected for them (`reasons.mapping_not_found_reason`), not read from a
    synonym column staff did not choose."""
    return {column: header for column, (header, index) in _explicit(headers, explicit).items() if index is None}


def _explicit(headers: list[str], explicit: dict[str, str] | None) -> dict[str, tuple[str, int | None]]:
    """The explicit mapping's contract columns: (the header named, its index in `headers` or None)."""
    if not explicit:
        return {}
    by_name: dict[str, int] = {}
    by_norm: dict[str, int] = {}
    for i, h in enumerate(headers):  # a header the file repeats is read from its first column, as synonyms are
        by_name.setdefault(h.strip(), i)
        by_norm.setdefault(normalise_header(h), i)
    return {
        column: (header, by_name.get(header.strip(), by_norm.get(normalise_header(header))))
        for column, header in explicit.items()
        if column in SYNONYMS and isinstance(header, str) and header.strip()
    }


def missing_required(mapping: dict[str, int]) -> list[str]:
    return [column for column in REQUIRED if column not in mapping]
