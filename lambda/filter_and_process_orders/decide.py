"""What is decided once per file from evidence before rows are cleaned: the day/month order of
numeric dates, where their two-digit years stand (`years`, decided from the sample's cells), and the
decimal separator of amounts.

The sample is the first EVIDENCE_CHUNKS chunks (or the whole file, if shorter), held back and
then cleaned: a fixed prefix of the file, so the decision and its votes depend on the file's
content alone, never on where a chunk happened to end. When the sample leaves a question open (no
cell decides the separator, or its numeric dates all read both ways), the file's later chunks are
held back too (on disk, see `sample`) until one decides it or the file ends: a deciding cell after
the first 16 MB still decides (issue 12, item 3). The same holds for numeric dates that first show
up after a sample without any (`reopen_dates`): from the chunk that has them on, chunks are held back
until a date decides the order (the chunks before have no numeric date, so the order does not
matter to them). A file that stays ambiguous to its end uses the settings, and says so (`*_assumed`).
"""

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from . import profile
from .chunk import Formats, cleaned_column
from .date_shapes import date_shapes
from .dates import SHAPES, date_votes, no_votes
from .reading import Chunk
from .separators import separator_votes
from .year_order import year_first_doubt
from .years import year_place

EVIDENCE_CHUNKS = 4  # chunks held back (at most ~16 MB of text) as the sample
# A chunk's distinct dates, its rows' date votes and whether it has a numeric date, its separator votes.
Evidence = tuple[pa.Array, tuple[dict[str, int], bool], dict[str, int]]


@profile.timed("decide.evidence")
def gather(chunk: Chunk, mapping: dict[str, int], *, dates_only: bool = False) -> Evidence:
    """A chunk's evidence (`Chunk.evidence`): its distinct dates, its rows' date votes (`date_votes`)
    and separator votes (empty when `dates_only`), and the two columns cleaned for its rows
    (`Chunk.cleaned`). Pure: the reading's threads work it out for the sample while they parse
    (`reading.read_chunks`' `prepare`)."""
    found = pc.value_counts(cleaned_column(chunk, mapping["order_date"]))
    distinct = found.field("values")
    votes = {} if dates_only else separator_votes(cleaned_column(chunk, mapping["amount"]))
    chunk.evidence = (distinct, date_votes(distinct, found.field("counts")), votes)
    return chunk.evidence


def today() -> date:
    """The day (UTC) against which dates are told past or future (`year_order`)."""
    return datetime.now(UTC).date()


@dataclass
class Decisions:
    # ISO (no numeric dates), DMY or MDY; YMD: only two-digit-year numeric dates, read year first (yy-mm-dd)
    date_order: str = "ISO"
    date_order_assumed: bool = False
    year_first: bool = False  # two-digit-year dates (not dotted) read yy-mm-dd (`years`), whatever date_order
    # Distinct two-digit-year dates that read only year first, only year last, or both (`years.year_place`).
    year_votes: dict[str, int] = field(default_factory=lambda: {"first": 0, "last": 0, "both": 0})
    # Rows whose numeric date reads only that way (one vote a row, as the separator's votes are cells);
    # with the years first, of the dates that are not two-digit-year ones (those are yy-mm-dd).
    date_order_votes: dict[str, int] = field(default_factory=lambda: {"DMY": 0, "MDY": 0})
    decimal_separator: str = "."
    decimal_separator_assumed: bool = False
    decimal_separator_votes: dict[str, int] = field(default_factory=lambda: {"point": 0, "comma": 0, "ambiguous": 0})
    numeric_dates: bool = False
    # Distinct sample dates like 24-11-30, read with the year last, that also read with it first, and
    # the first of them (`dates.year_first_doubt`); 0 when a date proves the year last.
    year_first_cells: int = 0
    year_first_example: str = ""
    date_shapes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHAPES, 0))  # distinct cells per shape
    # The sample's distinct date cells, chunk by chunk: shapes count distinct cells of the whole
    # sample, however it was cut into chunks.
    _dates: list[pa.Array] = field(default_factory=list, repr=False, compare=False)
    _dates_only: bool = field(default=False, repr=False, compare=False)  # reopened: the separator stays
    # The date votes of the rows added since the last `decide` (rows add up across chunks), None before one.
    _votes: tuple[dict[str, int], bool] | None = field(default=None, repr=False, compare=False)
    _counted: dict[str, int] = field(default_factory=no_votes, repr=False, compare=False)  # the last decided on

    @property
    def date_format(self) -> str:
        """The shapes the dates were read in, most common first: "day month-name year",
        "year-month-day, day/month/year"; empty when no cell had a known shape."""
        named = {"DMY": "day/month/year", "MDY": "month/day/year", "YMD": "yy-mm-dd"}
        numeric = named.get(self.date_order, SHAPES["numeric"][1])
        shapes = self.date_shapes
        if self.year_first:  # its two-digit-year dates, read yy-mm-dd (and only such dates: no shape counted)
            numeric = "yy-mm-dd" if self.date_order in ("YMD", "ISO") else f"{numeric}, yy-mm-dd"
            shapes = shapes | {"numeric": max(shapes.get("numeric", 0), self.year_votes["first"])}
        found = sorted((n for n, count in shapes.items() if count), key=lambda n: -shapes[n])
        return ", ".join(numeric if n == "numeric" else SHAPES[n][1] for n in found)

    def formats(self, day_first_default: bool) -> Formats:
        day_first = self.date_order == "DMY" if self.date_order != "ISO" else day_first_default
        return Formats(
            day_first=day_first,
            decimal_comma=self.decimal_separator == ",",
            year_first=self.year_first,
        )

    def add(self, chunk: Chunk, mapping: dict[str, int]) -> None:
        distinct, (rows, numeric), found = chunk.evidence or gather(chunk, mapping, dates_only=self._dates_only)
        before, numeric_before = self._votes or (no_votes(), False)
        self._votes = ({k: before[k] + v for k, v in rows.items()}, numeric_before or numeric)
        self._dates.append(distinct)
        if len(self._dates) > EVIDENCE_CHUNKS:  # held past the sample: kept distinct across chunks
            self._dates = [pc.unique(pa.concat_arrays(self._dates))]
        if self._dates_only:
            return
        self.decimal_separator_votes = {k: self.decimal_separator_votes[k] + v for k, v in found.items()}

    def open_question(self) -> bool:
        """Whether the votes so far leave the date order or the decimal separator undecided."""
        if self._votes is not None:
            votes, numeric = self._votes
            if numeric and votes["DMY"] == votes["MDY"]:
                return True
        if self._dates_only:
            return False
        return self.decimal_separator_votes["point"] == self.decimal_separator_votes["comma"]

    def guess(self, day_first_default: bool, decimal_comma_default: bool) -> Formats | None:
        """The formats `decide` would choose from the evidence so far; None while a question is open."""
        if self.open_question():
            return None
        # A copy without the sample's dates (`decide` would count their shapes): their votes are set.
        trial = dataclasses.replace(self, _dates=[], _votes=None)  # `decide` rebinds attributes, never changes them
        if self._votes is not None:
            trial._counted, trial.numeric_dates = self._votes
            trial.year_votes = year_place(pa.concat_arrays(self._dates))
        trial.decide(day_first_default, decimal_comma_default)
        return trial.formats(day_first_default)

    def decide(self, day_first_default: bool, decimal_comma_default: bool) -> None:
        sampled = None
        if self._votes is not None:
            self._counted, self.numeric_dates = self._votes
            sampled = pa.concat_arrays(self._dates)
            shapes = date_shapes(sampled)
            self.year_votes = year_place(sampled)
            self._dates, self._votes = [], None
            if self._dates_only:  # after a sample without numeric dates: its shapes count too
                shapes = {name: self.date_shapes[name] + count for name, count in shapes.items()}
            self.date_shapes = shapes
        # yy-mm-dd: the two-digit-year dates' day/month votes were the years'; the others' still decide
        # the order of the file's other numeric dates (13/02/2025 beside 99-01-15, review B15-1).
        self.year_first = self.year_votes["first"] > self.year_votes["last"]
        counted, short = self._counted, ("_yy" if self.year_first else "_none")
        dmy, mdy = counted["DMY"] - counted.get("DMY" + short, 0), counted["MDY"] - counted.get("MDY" + short, 0)
        others = self.numeric_dates and counted["numeric"] > counted.get("numeric" + short, 0)
        self.date_order_votes = {"DMY": dmy, "MDY": mdy}
        if dmy != mdy:
            self.date_order, self.date_order_assumed = ("DMY" if dmy > mdy else "MDY"), False
        elif others:
            self.date_order, self.date_order_assumed = ("DMY" if day_first_default else "MDY"), True
        elif self.year_first:  # its only numeric dates are two-digit-year ones, read year first
            self.date_order, self.date_order_assumed = "YMD", False
        if not self.year_first and sampled is not None and self.numeric_dates:  # said when the dates do not tell
            doubt = year_first_doubt(sampled, self.date_order == "DMY", today())
            self.year_first_cells, self.year_first_example = doubt
        if self._dates_only:
            self._dates_only = False
            return
        point, comma = self.decimal_separator_votes["point"], self.decimal_separator_votes["comma"]
        if point != comma:
            self.decimal_separator = "," if comma > point else "."
        else:
            self.decimal_separator = "," if decimal_comma_default else "."
            self.decimal_separator_assumed = bool(self.decimal_separator_votes["ambiguous"] or point)

    def reopen_dates(self, chunk: Chunk, mapping: dict[str, int]) -> bool:
        """After a decision from a sample without numeric dates: True when `chunk` has one, which
        reopens the date order (the caller holds chunks back from this one on, `add`s them, and
        `decide`s when `open_question` is False or the file ends; the separator stays as decided)."""
        if self.date_order != "ISO":
            return False
        _, numeric = date_votes(cleaned_column(chunk, mapping["order_date"]))
        self._dates_only = numeric
        return numeric

    def check_late(self, chunk: Chunk, mapping: dict[str, int]) -> None:
        """Ambiguous amounts first showing up after the decision: read with the settings, and say so."""
        votes = self.decimal_separator_votes
        if not (votes["point"] or votes["comma"] or self.decimal_separator_assumed):
            found = separator_votes(cleaned_column(chunk, mapping["amount"]))
            self.decimal_separator_assumed = bool(found["ambiguous"])
