"""Chunks paired with the formats to clean them with: the first EVIDENCE_CHUNKS chunks (the sample,
see `decide`) are held back until the file's formats are decided from them."""

from collections.abc import Iterator
from concurrent.futures import Executor, Future

from . import decide
from .chunk import Formats
from .decide import Decisions, evidence
from .reading import Chunk


def with_formats(
    chunks: Iterator[Chunk],
    mapping: dict[str, int],
    decisions: Decisions,
    day_first: bool,
    decimal_comma: bool,
    pool: Executor | None = None,
) -> Iterator[tuple[Chunk, Formats]]:
    """The chunks, each with the formats to clean it with, in file order. With a pool, the sample
    chunks' evidence is worked out on its threads while the next chunks are read."""
    held: list[tuple[Chunk, Future | tuple]] = []
    decided = None
    for chunk in chunks:
        if decided is None:
            held.append((chunk, pool.submit(evidence, chunk, mapping) if pool else evidence(chunk, mapping)))
            if len(held) >= decide.EVIDENCE_CHUNKS:  # read here: tests change it
                decided = _decide(held, decisions, day_first, decimal_comma)
                yield from ((c, decided) for c, _ in held)
                held = []
            continue
        decisions.check_late(chunk, mapping, day_first)
        yield chunk, decided
    if decided is None:
        decided = _decide(held, decisions, day_first, decimal_comma)
        yield from ((c, decided) for c, _ in held)


def _decide(held: list, decisions: Decisions, day_first: bool, decimal_comma: bool) -> Formats:
    for _, found in held:
        decisions.add_evidence(*(found.result() if isinstance(found, Future) else found))
    decisions.decide(day_first, decimal_comma)
    return decisions.formats(day_first)
