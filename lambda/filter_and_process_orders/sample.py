"""Chunks paired with the formats to clean them with: the first EVIDENCE_CHUNKS chunks (the sample,
see `decide`) are held back until the file's formats are decided from them; while the votes leave
a question open, the chunks after the sample are held back too, on disk (Arrow IPC in `workdir`),
so memory stays bounded however far into the file the deciding cell is."""

import itertools
from collections.abc import Iterator
from pathlib import Path

from . import decide, profile
from .chunk import Formats
from .decide import Decisions
from .reading import Chunk
from .spill import Spilled


def with_formats(
    chunks: Iterator[Chunk],
    mapping: dict[str, int],
    decisions: Decisions,
    day_first: bool,
    decimal_comma: bool,
    workdir: Path,
) -> Iterator[tuple[Chunk, Formats]]:
    """The chunks, each with the formats to clean it with, in file order."""
    held: list[Chunk] = []
    spilled = Spilled(workdir / "undecided.arrow")
    decided = None
    sample = decide.EVIDENCE_CHUNKS  # read here: tests change it
    for chunk in chunks:
        if decided is not None:
            with profile.stage("decide"):
                reopened = decisions.reopen_dates(chunk, mapping)
                if not reopened:
                    decisions.check_late(chunk, mapping)
            if not reopened:
                yield chunk, decided
                continue
            decided, sample = None, 1  # numeric dates after a sample without any: held until one decides
        with profile.stage("decide"):
            decisions.add(chunk, mapping)
        if len(held) < decide.EVIDENCE_CHUNKS:
            held.append(chunk)
        else:
            spilled.add(chunk)
        with profile.stage("decide"):
            deciding = len(held) >= sample and not decisions.open_question()
        if deciding:
            decisions.decide(day_first, decimal_comma)
            decided = decisions.formats(day_first)
            yield from ((c, decided) for c in itertools.chain(held, spilled.chunks()))
            held = []
    if decided is None:
        decisions.decide(day_first, decimal_comma)
        decided = decisions.formats(day_first)
        yield from ((c, decided) for c in itertools.chain(held, spilled.chunks()))
