"""Chunks cleaned with the formats the file's evidence decides: the first EVIDENCE_CHUNKS chunks (the
sample, see `decide`) are held back until the file's formats are decided from them; while the votes
leave a question open, the chunks after the sample are held back too, on disk (Arrow IPC in
`workdir`), so memory stays bounded however far into the file the deciding cell is.

A held chunk is cleaned at once with the formats the evidence so far would decide (its "guess")
when no question is open, and again with the decided formats only when they differ (rarely): the
cleaning threads work while the sample is read (eu 1M rows: ~0.2 s of 1 s of phase 1)."""

from collections.abc import Callable, Iterator
from concurrent.futures import Future
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
    clean: Callable[[Chunk, Formats], Future],
) -> Iterator[Future]:
    """The chunks' cleanings, in file order: `clean(chunk, formats)` starts one."""
    held: list[Chunk] = []
    guesses: list[tuple[Formats, Future] | None] = []  # per held chunk: the formats it was cleaned with
    guess: Formats | None = None
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
                yield clean(chunk, decided)
                continue
            decided, sample = None, 1  # numeric dates after a sample without any: held until one decides
        with profile.stage("decide"):
            decisions.add(chunk, mapping)
            # The chunk that completes the sample waits for the decision, which follows at once.
            found = decisions.guess(day_first, decimal_comma) if len(held) + 1 < sample else None
        if len(held) < decide.EVIDENCE_CHUNKS:
            guess = guess if found is None or found == guess else found  # one memo of dates per guess
            held.append(chunk)
            guesses.append(None if found is None else (guess, clean(chunk, guess)))
        else:
            spilled.add(chunk)
        with profile.stage("decide"):
            deciding = len(held) >= sample and not decisions.open_question()
        if deciding:
            decided = _decided(decisions, day_first, decimal_comma, guess)
            yield from _cleanings(held, guesses, spilled, decided, clean)
            held, guesses = [], []
    if decided is None:
        decided = _decided(decisions, day_first, decimal_comma, guess)
        yield from _cleanings(held, guesses, spilled, decided, clean)


def _decided(decisions: Decisions, day_first: bool, decimal_comma: bool, guess: Formats | None) -> Formats:
    """The decided formats: the guess itself when they agree (its memo of dates is then filled)."""
    decisions.decide(day_first, decimal_comma)
    decided = decisions.formats(day_first)
    return guess if decided == guess else decided


def _cleanings(held, guesses, spilled: Spilled, decided: Formats, clean) -> Iterator[Future]:
    """The held chunks' cleanings (those cleaned with other formats than the decided ones again),
    then the spilled chunks'."""
    for chunk, guessed in zip(held, guesses):
        yield guessed[1] if guessed is not None and guessed[0] == decided else clean(chunk, decided)
    yield from (clean(chunk, decided) for chunk in spilled.chunks())
