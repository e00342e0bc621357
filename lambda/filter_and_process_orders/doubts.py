"""Values that are read and kept but look doubtful: they become manifest warnings, never rejects
(issue 12: "warnings for doubts"); a float-like id is also read as the integer it stands for.

- `negative_amounts`: an amount below zero (a refund, a credit note, or a sign error).
- `float_like_ids`: an order id such as `1001.0` (a spreadsheet stored the id as a number): digits, a
  point (in a file of decimal commas, a point or a comma: `1001,0`) and only zeros, read as the integer
  id (`1001`), as a spreadsheet's number converts back
  unambiguously, so it matches the same order written `1001` in another upload. Said of every row
  whose id was read so, superseded or an exact duplicate or not: the reading places the row in its
  order, so it decides what the row supersedes or duplicates (`7.0` then `7` is one order's history,
  not two orders); not of a row rejected (see below).
- `unknown_statuses`: a status word outside `values.KNOWN_STATUSES` (see `values.status_words`) that
  an order keeps: its last line with a status (review B10-5), counted in lines with the words.
- `amount_may_be_unit_price`: a quantity other than 1 beside an amount on one line, in a file whose
  amount column's header names a unit price (`Price`, `Lineitem price`): the amount may be one
  unit's, not the line's (a line without an amount has nothing that could be multiplied).
- `unreadable_quantities`: a quantity cell that is no whole number (`1.5`, `abc`, over 15 digits): the
  line stays, its quantity unknown (an order's quantity sums the lines' known ones); the warning
  shows the first few such cells (`values`).
- `lines_without_amount`: a line item whose amount is blank or a placeholder, counted as a line of
  its order (Shopify writes the amount on an order's first line only), adding nothing to its amount.
- `extra_cells`: a row with more cells than the header, one of the extra ones not empty (`csv_records`:
  trailing delimiters are no doubt): the row is read by the header's columns, its extra cells dropped.
  Said of the lines that reach an order: every line of a line-item order, of a history each row that
  gives the order a value (its last row, and an earlier one whose amount, date, customer, … the order
  keeps because the rows after it leave that column empty: review B12-4); exact copies (alike in every
  column, the extra cells aside) once, when any copy has such a cell, at its line (review B12-8).

Counted on the rows a chunk keeps (not rejected), the last one per bucket (`grain`); each code keeps
its first SAMPLE_LINES lines. The codes of USED are said only of the lines whose value reaches an
order's numbers (`used_lines`: not a history's superseded rows; an exact duplicate once; of statuses
only each order's last line with one, in every grain), recounted after the grain is decided: phase 1
keeps every such line (`every_line`), and for statuses its word (`cells`). No code is said of a line
of an order rejected whole after the chunks (no amount or no date on any line, a sum too large:
review B9-8), nor of an exact copy of such a line: it is in no order, and rejected_rows.csv gives it
its own reason. Of the codes of HELD phase 1 keeps the lines that a late reject can take
(`held`): every float-like id's (a sum too large can take any line; none in the benchmark's
files); they are taken out after the buckets (`used_lines.UsedLines.reject`). A float-like id is not
said of a rejected row (rejected_rows.csv shows its id as written, and it matches no order), but of a
copy of a kept row counted as an exact duplicate it is, as of every duplicate.
"""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import bool_mask, decimal_words, first_bytes, valid_mask

SAMPLE_LINES = 5
EXAMPLES = 3  # the cells a warning shows (`values`)
# Codes said only of the lines whose value an order takes -> the column holding that value: of an
# order's history, its last line with a cell in that column (`used_lines`); None: any column (a row with
# extra cells is doubtful in every cell it gives an order, review B12-4).
USED: dict[str, str | None] = {
    "negative_amounts": "amount", "amount_may_be_unit_price": "amount", "unreadable_quantities": "quantity",
    "unknown_statuses": "status", "extra_cells": None,
}  # fmt: skip
# Codes counted on every kept row whose lines a late reject can take phase 1 keeps (see above).
HELD = ("float_like_ids",)
_FLOAT_ID = r"^[0-9]+\.0+$"
_FLOAT_ID_COMMA = r"^[0-9]+[.,]0+$"  # in a file of decimal commas, `1001,0` too (review B14-3)


@dataclass
class Doubts:
    rows: Counter = field(default_factory=Counter)  # code -> rows
    lines: dict[str, list[int]] = field(default_factory=dict)  # code -> its first physical lines
    statuses: Counter = field(default_factory=Counter)  # unknown status word -> rows (lines an order keeps, settled)
    every_line: dict[str, list[np.ndarray]] = field(default_factory=dict)  # code of USED -> its lines, by chunk
    cells: dict[str, list[pa.Array]] = field(default_factory=dict)  # code -> the cells at those lines (text)
    values: dict[str, list[str]] = field(default_factory=dict)  # code -> the first few distinct cells said
    held: dict[str, list[np.ndarray]] = field(default_factory=dict)  # code of HELD -> the lines a late reject can take

    def add(self, other: "Doubts") -> None:
        """Another chunk's doubts (chunks come in file order)."""
        self.rows.update(other.rows)
        self.statuses.update(other.statuses)
        for mine, theirs in ((self.every_line, other.every_line), (self.cells, other.cells), (self.held, other.held)):
            for code, found in theirs.items():
                mine[code] = mine.get(code, []) + found
        for code, lines in other.lines.items():
            self.lines[code] = (self.lines.get(code, []) + lines)[:SAMPLE_LINES]

    def add_lines(self, code: str, lines: np.ndarray) -> None:
        """Rows of `code` found at `lines` (physical lines, in any order, e.g. a dedup bucket's)."""
        if len(lines):
            self.rows[code] += len(lines)
            first = np.sort(lines)[:SAMPLE_LINES].tolist()
            self.lines[code] = sorted(self.lines.get(code, []) + first)[:SAMPLE_LINES]

    def quantities(
        self, quantity: pa.Array, amount: pa.Array, good: np.ndarray, lines: np.ndarray, text: pa.Array
    ) -> None:
        """The `good` rows whose quantity is known and not 1 and that have an `amount`: said
        (`amount_may_be_unit_price`) only when the amount column's header names a unit price
        (`mapping.names_unit_price`); and those whose quantity cell (`text`, cleaned, maybe
        dictionary-encoded) holds something that is no whole number (`1.5`, `abc`): `unreadable_quantities`."""
        priced = good & bool_mask(pc.not_equal(quantity, 1))
        if amount.null_count:
            priced &= valid_mask(amount)
        self._found("amount_may_be_unit_price", priced, lines)
        if quantity.null_count > text.null_count:  # a cell was there but no number came of it
            unreadable = good & ~valid_mask(quantity) & bool_mask(pc.is_valid(text))
            if self._found("unreadable_quantities", unreadable, lines):
                cells = text.filter(pa.array(unreadable))
                cells = cells.dictionary_decode() if isinstance(cells, pa.DictionaryArray) else cells
                self.cells["unreadable_quantities"] = [cells]

    def extra_cells(self, wide: np.ndarray, good: np.ndarray, lines: np.ndarray) -> None:
        """The `good` rows that are wide (`records.Chunk.wide`: extra cells dropped): `extra_cells`."""
        self._found("extra_cells", good & wide, lines)

    def unknown_statuses(self, status: pa.Array, good: np.ndarray, lines: np.ndarray) -> None:
        """Of the `good` rows, those whose status word (`status`: the canonical words, maybe
        dictionary-encoded, `values.status_words`) is one of the unknown ones counted before
        (`statuses`): their lines and words, for `used_lines` to keep the lines an order keeps.
        Costs nothing in a chunk without an unknown status."""
        if not self.statuses:
            return
        words = status.dictionary_decode() if isinstance(status, pa.DictionaryArray) else status
        found = good & bool_mask(pc.is_in(words, value_set=pa.array(sorted(self.statuses), pa.string())))
        if self._found("unknown_statuses", found, lines):
            self.cells["unknown_statuses"] = [words.filter(pa.array(found))]

    def _found(self, code: str, mask: np.ndarray, lines: np.ndarray) -> bool:
        count = int(np.count_nonzero(mask))
        if count:
            self.rows[code] += count
            self.lines[code] = lines[mask][:SAMPLE_LINES].tolist()
            if code in USED:  # which of them an order uses: `used_lines`
                self.every_line[code] = [lines[mask]]
            if code in HELD:  # (float-like ids: every line)
                self.held[code] = [lines[mask]]
        return bool(count)


def doubts(
    order_id: pa.Array, amount: pa.Array, good: np.ndarray, lines: np.ndarray, decimal_comma: bool = False
) -> tuple[Doubts, pa.Array]:
    """Negative amounts and float-like ids among the `good` rows (a numpy mask over the chunk's rows),
    and the ids with the float-like ones read as integers
    (`order_id` itself when there is none).
    `amount` is LINE_AMOUNT_TYPE (`amounts.amounts`): each value fits its low 64-bit word, so its high
    word is -1 exactly when it is below zero (read from the buffers: no decimal comparison)."""
    found = Doubts()
    negative = good & (decimal_words(amount)[:, 1] < 0)
    if amount.null_count:
        negative &= valid_mask(amount)
    found._found("negative_amounts", negative, lines)
    order_id, float_like = integer_ids(order_id, decimal_comma)
    if float_like is not None:
        found._found("float_like_ids", good & float_like, lines)
    return found, order_id


def integer_ids(order_id: pa.Array, decimal_comma: bool = False) -> tuple[pa.Array, np.ndarray | None]:
    """The ids with each float-like one (`^[0-9]+\\.0+$`; in a file whose amounts are decided decimal
    commas, `^[0-9]+[.,]0+$`: that locale's spreadsheet saves `1001,0`) read as its integer (`1001.0`,
    `1001,0` -> `1001`), and where they were (a numpy mask; None: nowhere). Cheap on the hot path:
    only ids led by a digit (read from the buffers) are searched for a point (or comma), and the shape
    matched only on those that hold one (mangled ids such as `4.40213E+11` do)."""
    first = first_bytes(order_id)
    led = np.flatnonzero((first >= ord("0")) & (first <= ord("9")))
    numeric = 4 * len(led) > len(order_id)  # numeric ids: searched where they are, not taken first
    searched = order_id if numeric else order_id.take(pa.array(led))
    marked = pc.match_substring(searched, ".")
    if decimal_comma:
        marked = pc.or_(marked, pc.match_substring(searched, ","))
    dotted = np.flatnonzero(bool_mask(marked)) if numeric else led[bool_mask(marked)]
    if not len(dotted):
        return order_id, None
    shape, tail = (_FLOAT_ID_COMMA, r"[.,]0+$") if decimal_comma else (_FLOAT_ID, r"\.0+$")
    shaped = bool_mask(pc.match_substring_regex(order_id.take(pa.array(dotted)), shape))
    if not shaped.any():
        return order_id, None
    float_like = np.zeros(len(order_id), bool)
    float_like[dotted[shaped]] = True
    return pc.if_else(float_like, pc.replace_substring_regex(order_id, tail, ""), order_id), float_like
