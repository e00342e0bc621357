"""The headers of a file the cleaner does not read: those that name no column of the orders table
(`unmapped`), and those that name a column another header holds (`repeated`: review B7-4)."""

from .mapping import SYNONYMS, normalise_header


def repeated(headers: list[str], mapping: dict[str, int]) -> dict[str, list[int]]:
    """The contract columns that more headers than the one read name: {column: [the index read, then
    the others']}. Another header names a mapped column when it is the read header again (`order_id`
    twice) or another of its synonyms (`Sales` beside `Amount`), compared normalised; the others are
    not read (the first of a repeated header is; of synonyms, the earliest in `contract`)."""
    used = set(mapping.values())
    found: dict[str, list[int]] = {}
    names = {column: {normalise_header(headers[i]), *SYNONYMS[column]} for column, i in mapping.items()}
    for i, h in enumerate(headers):
        if i not in used and h.strip():
            name = normalise_header(h)
            column = next((c for c, said in names.items() if name in said), None)
            if column is not None:
                found.setdefault(column, [mapping[column]]).append(i)
    return found


def unmapped(headers: list[str], mapping: dict[str, int]) -> list[str]:
    """Header names (non-empty) that no contract column took, nor name one another header holds
    (`repeated`): listed in the manifest as not part of the orders table."""
    used = set(mapping.values()).union(*repeated(headers, mapping).values())
    return [h for i, h in enumerate(headers) if i not in used and h.strip()]
