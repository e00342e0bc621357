"""Chunks paired with the formats to clean them with: the first EVIDENCE_CHUNKS chunks (the sample,
see `decide`) are held back until the file's formats are decided from them."""

from collections.abc import Iterator

from . import decide
from .chunk import Formats
from .decide import Decisions
from .reading import Chunk


def with_formats(
    chunks: Iterator[Chunk], mapping: dict[str, int], decisions: Decisions, day_first: bool, decimal_comma: bool
) -> Iterator[tuple[Chunk, Formats]]:
    """The chunks, each with the formats to clean it with, in file order."""
    held: list[Chunk] = []
    decided = None
    for chunk in chunks:
        if decided is None:
            decisions.add(chunk, mapping)
            held.append(chunk)
            if len(held) >= decide.EVIDENCE_CHUNKS:  # read here: tests change it
                decisions.decide(day_first, decimal_comma)
                decided = decisions.formats(day_first)
                yield from ((c, decided) for c in held)
                held = []
            continue
        decisions.check_late(chunk, mapping, day_first)
        yield chunk, decided
    if decided is None:
        decisions.decide(day_first, decimal_comma)
        decided = decisions.formats(day_first)
        yield from ((c, decided) for c in held)
