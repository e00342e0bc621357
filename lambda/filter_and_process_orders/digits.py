"""Digits of other scripts: a cell written in Arabic-Indic (`١٣/٠٢/٢٠٢٥`), Devanagari or full-width
(`１２,５０`) digits is read, and votes, as the same cell in ASCII digits (Unicode's decimal digits,
general category Nd: `unicodedata.decimal`; review B9-3). Such cells are rare, so only cells that are
not ASCII are folded, one by one in Python: a column of ASCII cells costs one kernel pass. An amount's
cell may also have its script's marks translated (`amount_cell.ARABIC_MARKS`: U+066B ARABIC DECIMAL
SEPARATOR, U+066C ARABIC THOUSANDS SEPARATOR) in the same pass."""

import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import bool_mask, valid_mask


def fold(text: str, marks: dict[int, str] | None = None) -> str:
    """One cell with every decimal digit, of any script, as its ASCII digit (`١٢,٥٠` -> `12,50`), and
    the characters of `marks` (a `str.maketrans` table) translated."""
    if text.isascii():
        return text
    digits = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)
    return digits if marks is None else digits.translate(marks)


def folded(text: pa.Array, marks: dict[int, str] | None = None) -> pa.Array:
    """`fold` of every cell of a string array (nulls stay); `text` itself when every cell is ASCII."""
    other = valid_mask(text) & ~bool_mask(pc.string_is_ascii(text))
    if not other.any():
        return text
    cells = [fold(t, marks) for t in pc.take(text, pa.array(np.flatnonzero(other))).to_pylist()]
    return pc.replace_with_mask(text, pa.array(other), pa.array(cells, text.type))
