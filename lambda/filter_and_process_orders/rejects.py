"""Which rows of a chunk are rejected and why: the row checks in order, the first that fails naming
the reason (reasons.ROW_REASONS), and the reason texts with the offending value quoted (`_QUOTED`).

Masks are numpy booleans over the chunk's rows; a check that cannot fail in a chunk is None.

A row whose mapped cells are the header's names again (`repeated_header`: two exports joined one
after the other, each with its header) is named so, whatever check it fails first: it is looked for
among the rows whose amount and order date both are unreadable, as a header's words mostly are, and
those whose order id ends and starts as the header's order-id name does (`D` of "Order ID", where ids
mostly end in a digit), for a header whose amount and date names read as values (`2024`, `1.5`,
`01/02/2024`): one gather from the ids' buffers per chunk (about 2 ms CPU per 1M rows) in a file
without such rows. Its number is the last but two (`reason_numbers`): the others keep theirs.

A record after the header that is exactly Excel's delimiter hint, `sep=` and one character (`sep=;`, as
a joined export's own first line is), is rejected `sep_line` with its line, not read as an order `sep=`
(review B12-11): its first cell `sep=` (the hint's character the delimiter, or no character) or `sep=X`,
every other cell empty, no extra cell. It is looked for among the rows with two of the three required
cells empty (a hint fills one cell at most). Its number is the last but one; `unclosed_quote`'s, a
record's mark from its reading (`csv_records`), the last.
"""

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .amounts import MARKS
from .arrow_buffers import bool_mask, first_bytes, one_array, string_offsets, valid_mask
from .contract import MAX_TEXT_LENGTH
from .dates import DateMemo, dates
from .mapping import normalise_header
from .reasons import ROW_REASONS

# The row checks, in the order they are tried.
CHECKS = [
    "value_too_long", "missing_order_id", "mangled_id", "missing_amount", "bad_amount", "amount_format",
    "amount_too_large", "missing_order_date", "bad_order_date",
    "repeated_header", "sep_line",  # tried before the others, numbered after them (see above)
    "unclosed_quote",  # a record's mark from its reading (`csv_records`): it wins over every check, numbered last
]  # fmt: skip
_CODES = pa.array(CHECKS, pa.string())
_TEXTS = pa.array([ROW_REASONS[c] for c in CHECKS], pa.string())
_QUOTED = {"mangled_id": "order_id", "bad_amount": "amount", "bad_order_date": "order_date"} | dict.fromkeys(
    MARKS, "amount"
)
# What a spreadsheet (Excel, LibreOffice, Google Sheets: `4.40213E+11`, `1E+05`) or Python (`1e+16`) writes for a
# number too long to show: one digit before the point and a signed exponent. `12E45`, `3e2` are ids as written.
_MANGLED_ID = r"^[+-]?[0-9]([.,][0-9]+)?[eE][+-][0-9]+$"
# First bytes of a cell that may read as any header name: one of the ASCII characters `mapping.normalise_header`
# drops (spaces, `_ . - / ( ) #`), or not ASCII (`_may_read_as`).
_LEADS = np.array([b >= 0x80 or normalise_header(chr(b) + "x") == "x" for b in range(256)])
# Excel's delimiter hint as a record's first cell (`header._SEP_HINT` reads it before the header).
_SEP_CELL = re.compile(r"sep=.?\Z", re.IGNORECASE | re.DOTALL)


def _longer(text: pa.Array, limit: int) -> np.ndarray | None:
    """Cells of more than `limit` characters; None when no cell has that many bytes (UTF-8: bytes >= characters).
    `text` may be dictionary-encoded: its dictionary is measured, and the rows looked up only if one is longer."""
    if pa.types.is_dictionary(text.type):
        longer = _longer(text.dictionary, limit)
        return None if longer is None else bool_mask(pc.take(pa.array(longer), text.indices))
    if len(text) == 0 or np.diff(string_offsets(text)).max() <= limit:
        return None
    return bool_mask(pc.greater(pc.utf8_length(text), limit))


def _mangled(order_id: pa.Array) -> np.ndarray | None:
    """Ids a spreadsheet wrote in scientific notation (`4.40213E+11`). The regex runs only on the ids
    whose first byte is a digit or a sign (read from the buffers); None when there is none."""
    first = first_bytes(order_id)
    rows = np.flatnonzero(((first >= ord("0")) & (first <= ord("9"))) | (first == ord("+")) | (first == ord("-")))
    if not len(rows):
        return None
    found = bool_mask(pc.match_substring_regex(pc.take(order_id, pa.array(rows)), _MANGLED_ID))
    if not found.any():
        return None
    mask = np.zeros(len(order_id), dtype=bool)
    mask[rows[found]] = True
    return mask


def repeated_header(used: dict[str, pa.Array], names: dict[str, str], rows: np.ndarray) -> np.ndarray:
    """Those of `rows` whose every cell in `used` (cleaned: trimmed, a placeholder null) reads as the
    header's name of its column (`names`), compared as the header is read: as the mapping compares names
    (`mapping.normalise_header`: without case, spaces, line breaks, zero-width characters or `_ . - / ( ) #`),
    so `Order_ID ,AMOUNT` repeats `order id,amount` (review B12-2). Cheap: only the cells whose first byte
    may lead such a cell are normalised, in Python (`_may_read_as`)."""
    for column, name in names.items():
        if not len(rows):
            break
        cells = pc.take(used[column], pa.array(rows))
        if isinstance(cells, pa.DictionaryArray):
            cells = cells.dictionary_decode()
        normalised = normalise_header(name)
        led = np.flatnonzero(_may_read_as(cells, normalised))
        said = [cell is not None and normalise_header(cell) == normalised for cell in cells.take(led).to_pylist()]
        rows = rows[led[np.array(said, bool)]]
    return rows


def _may_read_as(cells: pa.Array, normalised: str) -> np.ndarray:
    """The cells (trimmed) that may normalise to `normalised`, by their first byte: one that is not
    ASCII, one of the characters the normalising drops, or the first character's in either case
    (`_same_byte`, the one ASCII case-fold here)."""
    first = first_bytes(cells)
    may = _LEADS[first]
    if normalised and normalised[0].isascii():
        may |= _same_byte(first, ord(normalised[0]))
    return may


def _sep_lines(raw: pa.Table, wide: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    """Those of `rows` of the chunk's records (`raw`, `wide` its records with extra cells) that are
    exactly Excel's delimiter hint (see above): the first cell `sep=` or `sep=` and one character,
    every other cell empty (not even a space), no extra cell. Cheap: cells' sizes and first bytes are
    read from the buffers; only a first cell of 4-8 bytes led by `s` or `S` is matched, in Python."""
    if wide is not None:
        rows = rows[~wide[rows]]
    for i in reversed(range(raw.num_columns)):  # the first cell last
        if not len(rows):
            break
        cells = one_array(raw.column(i))
        offsets = string_offsets(cells)
        size = offsets[rows + 1] - offsets[rows]
        if i:
            rows = rows[size == 0]  # (a null cell has none either: a record's cells are never null)
            continue
        rows = rows[(size >= 4) & (size <= 8)]
        if len(rows):
            rows = rows[_same_byte(np.frombuffer(cells.buffers()[2], np.uint8)[offsets[rows]], ord("s"))]
        found = [c is not None and _SEP_CELL.match(c) is not None for c in cells.take(pa.array(rows)).to_pylist()]
        rows = rows[np.array(found, bool)]
    return rows


def _named_like(text: pa.Array, name: bytes) -> np.ndarray:
    """The cells of a string array that may read as `name`: their last byte is its last (one gather from
    the buffers over every cell, half of `first_bytes`' cost), then their first its first (over those
    alone), an ASCII letter in either case (as `mapping.normalise_header` compares names: `ORDER ID`
    repeats `Order ID`); perhaps empty cells too (their end is the cell's before)."""
    data = text.buffers()[2]
    if data is None or not data.size:
        return np.zeros(len(text), bool)
    data, offsets = np.frombuffer(data, np.uint8), string_offsets(text)
    like = _same_byte(np.take(data, offsets[1:] - 1, mode="clip"), name[-1])
    rows = np.flatnonzero(like)
    like[rows[~_same_byte(np.take(data, offsets[rows], mode="clip"), name[0])]] = False
    return like


def _same_byte(found: np.ndarray, byte: int) -> np.ndarray:
    """Mask of `found` (bytes): equal to `byte`, an ASCII letter in either case (b | 0x20 folds A-Z alone
    onto a-z)."""
    if chr(byte).isascii() and chr(byte).isalpha():
        return (found | 0x20) == (byte | 0x20)
    return found == byte


def reason_numbers(
    used: dict[str, pa.Array],
    cell: dict[str, pa.Array],
    amount: pa.Array,
    marks: dict[str, np.ndarray],
    day: pa.Array,
    names: dict[str, str] | None = None,
    raw: pa.Table | None = None,
    wide: np.ndarray | None = None,
    unclosed: np.ndarray | None = None,
) -> np.ndarray:
    """Per row, 0 when every check passes, else 1 + the position in CHECKS of the first that fails
    (uint8). `used`: the file's cleaned text columns; `cell`: the same for every line field (null
    columns for those the file lacks); `amount`, `marks` as `amounts.amounts` gives them; `day` the
    order dates read (null where empty or unreadable); `names`: the header's name of each column of
    `used` ({column: name}), for `repeated_header` (not looked for without); `raw`: the chunk's records
    (every cell as read) and `wide` the mask of those with extra cells, for `sep_line` (likewise);
    `unclosed`: the records of a quote that never closes (`csv_records`), `unclosed_quote` whatever else."""
    n = len(amount)
    empty = {c: ~valid_mask(cell[c]) for c in ("order_id", "amount", "order_date")}
    too_long = None
    for column, limit in MAX_TEXT_LENGTH.items():
        longer = _longer(used[column], limit) if column in used else None
        if longer is not None:
            too_long = longer if too_long is None else too_long | longer
    bad_date = ~empty["order_date"] & ~valid_mask(day)
    unread = ~empty["amount"] & ~valid_mask(amount)
    for marked in marks.values():
        unread &= ~marked
    checks = {
        "value_too_long": too_long,
        "missing_order_id": empty["order_id"],
        "mangled_id": _mangled(cell["order_id"]),
        # A row without an amount is held back as a possible line of its order (`chunk`): rejected
        # `missing_amount` in the grain step only when its order has none; one whose date is unreadable
        # as well is rejected for that date as it is read (below), whatever its order has.
        "missing_amount": None,
        "bad_amount": unread,
        **{code: marks.get(code) for code in MARKS},
        # A row with an amount but an empty date is held back as a possible line of its order (`chunk`):
        # rejected `missing_order_date` in the grain step only when its order has no date (`grain`).
        "missing_order_date": None,
        "bad_order_date": bad_date,
    }
    number = np.zeros(n, np.uint8)
    for k in reversed(range(len(CHECKS) - 3)):  # the first failing check is written last
        mask = checks[CHECKS[k]]
        if mask is not None:
            number[mask] = k + 1
    if names:
        maybe = unread & bad_date
        if names.get("order_id"):  # its amount's and date's names may read as values ("2024", "01/02/2024")
            maybe |= _named_like(cell["order_id"], names["order_id"].encode())
        number[repeated_header(used, names, np.flatnonzero(maybe))] = CHECKS.index("repeated_header") + 1
    if raw is not None:
        hint = empty["amount"] & (empty["order_date"] | empty["order_id"]) | empty["order_id"] & empty["order_date"]
        if hint.any():
            number[_sep_lines(raw, wide, np.flatnonzero(hint))] = CHECKS.index("sep_line") + 1
    if unclosed is not None:  # its line's cells after the quote are one cell: no other check means much
        number[unclosed] = len(CHECKS)
    return number


def rejected(
    raw: pa.Table,
    lines: np.ndarray,
    number: np.ndarray,
    cell: dict[str, pa.Array],
    day_first: bool,
    other_dates: DateMemo | None = None,
    year_first: bool = False,
) -> tuple[tuple[pa.Table, np.ndarray, pa.Array, pa.Array], dict[str, int]]:
    """((raw rows, their lines, codes, texts), {code: rows} in order of first appearance) of the rows
    whose `number` (see reason_numbers) is not 0. Quoted values are cut to 40 characters. A date that
    reads only in the other day/month order than the file's (`day_first`) says so (`_other_order`;
    `other_dates`: the file's memo of that order's readings, so the same garbage in every chunk is read once)."""
    rows = np.flatnonzero(number)
    k = number[rows].astype(np.int8) - 1
    index = pa.array(k)
    codes, texts = pc.take(_CODES, index), pc.take(_TEXTS, index)
    value = pa.nulls(len(rows), pa.string())
    for code, column in _QUOTED.items():
        some = k == CHECKS.index(code)
        if some.any():
            value = pc.replace_with_mask(value, pa.array(some), pc.take(cell[column], pa.array(rows[some])))
    if value.null_count < len(value):
        detail = pc.binary_join_element_wise(texts, pc.utf8_slice_codeunits(value, 0, 40), ": ")
        texts = pc.if_else(pc.is_valid(value), detail, texts)
    bad_date = np.flatnonzero(k == CHECKS.index("bad_order_date"))
    if len(bad_date):
        texts = _other_order(
            texts, bad_date, pc.take(cell["order_date"], pa.array(rows[bad_date])), day_first, other_dates, year_first
        )
    present, first = np.unique(k, return_index=True)
    counts = np.bincount(k, minlength=len(CHECKS))
    order = present[np.argsort(first)]
    taken = pa.array(rows)
    return (raw.take(taken), lines[rows], codes, texts), {CHECKS[c]: int(counts[c]) for c in order}


def _other_order(
    texts: pa.Array, at: np.ndarray, cells: pa.Array, day_first: bool, memo: DateMemo | None, year_first: bool
) -> pa.Array:
    """`texts` with those at `at` (rejected `bad_order_date`, their `cells`) that read in the other
    day/month order told so, as `amount_format` tells an amount of the other decimal separator:
    "order_date 13/02/2025 reads only day first; this file's dates are month first"; in a file whose
    two-digit years come first, a date that reads only with its year last says that (review B15-2)."""
    files, only = ("day first", "month first") if day_first else ("month first", "day first")
    other = dates(cells, day_first=not day_first, memo=memo, year_first=year_first)
    readings = [(f" reads only {only}; this file's dates are {files}", other)]
    if year_first:  # rare: no memo
        year_last = " reads only with the year last; this file's two-digit years come first"
        read = dates(cells, day_first=day_first)  # either day/month order: the file's may be the years' only
        readings.insert(0, (year_last, pc.coalesce(read, dates(cells, day_first=not day_first))))
    told = np.zeros(len(cells), dtype=bool)
    for said, read in readings:
        found = valid_mask(read) & ~told
        if found.any():
            told |= found
            quoted = pc.utf8_slice_codeunits(pc.filter(cells, pa.array(found)), 0, 40)
            mask = np.zeros(len(texts), dtype=bool)
            mask[at[found]] = True
            texts = pc.replace_with_mask(
                texts, pa.array(mask), pc.binary_join_element_wise("order_date ", quoted, said, "")
            )
    return texts
