"""Digits of other scripts: a cell written in Arabic-Indic (`١٣/٠٢/٢٠٢٥`), Devanagari or full-width
(`１２,５０`) digits is read, and votes, as the same cell in ASCII digits (Unicode's decimal digits,
general category Nd: `unicodedata.decimal`; review B9-3). Such cells are rare, so only cells that are
not ASCII are folded, one by one in Python: a column of ASCII cells costs one kernel pass."""

import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import bool_mask, valid_mask


def fold(text: str) -> str:
    """One cell with every decimal digit, of any script, as its ASCII digit (`١٢,٥٠` -> `12,50`)."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def folded(text: pa.Array) -> pa.Array:
    """`fold` of every cell of a string array (nulls stay); `text` itself when every cell is ASCII."""
    other = valid_mask(text) & ~bool_mask(pc.string_is_ascii(text))
    if not other.any():
        return text
    cells = [fold(t) for t in pc.take(text, pa.array(np.flatnonzero(other))).to_pylist()]
    return pc.replace_with_mask(text, pa.array(other), pa.array(cells, text.type))
