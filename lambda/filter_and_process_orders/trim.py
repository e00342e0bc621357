"""What a cell's trim takes off either end: whitespace and the zero-width characters.

Whitespace is what Python's `str.isspace` and Arrow's `utf8_trim_whitespace` call space (the same
set, 29 code points): Unicode's White_Space property (PropList.txt) and the information separators
U+001C-U+001F. The zero-width characters are the layout controls of the Unicode Standard, section
23.2, that are invisible in a spreadsheet and so get copied into cells unseen: U+200B ZERO WIDTH
SPACE, U+200C ZERO WIDTH NON-JOINER, U+200D ZERO WIDTH JOINER, U+2060 WORD JOINER and U+FEFF ZERO
WIDTH NO-BREAK SPACE (a byte-order mark inside a file: `\\ufeff1001` is order 1001). Inside a cell
they are kept.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import cell_bytes

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())  # none is above U+3000
TRIMMED = SPACES + ZERO_WIDTH


def trim(text: str) -> str:
    """One cell trimmed (`trimmed` does the same to a column)."""
    return text.strip(TRIMMED)


# Bytes of the whitespace that `utf8_trim` trims and `ascii_trim_whitespace` does not (the information
# separators); above them, text of bytes below 0x80 is trimmed the same by both.
_SEPARATORS = (0x1C, 4)


def trimmed(column: pa.Array) -> pa.Array:
    """Every cell of a string array trimmed of TRIMMED at both ends. A column of ASCII bytes without
    information separators (none of the non-ASCII characters can be there) by Arrow's ASCII kernel,
    which takes about half the time (the check: the bytes' largest and smallest, and only when some
    byte is below a space a search for the separators, a sixth of the time at most); the others by
    `utf8_trim` with the set, as fast as `utf8_trim_whitespace` without it."""
    raw = cell_bytes(column)
    if not len(raw) or (
        raw.max() < 0x80 and (raw.min() >= 0x20 or not ((raw - np.uint8(_SEPARATORS[0])) < _SEPARATORS[1]).any())
    ):
        return pc.ascii_trim_whitespace(column)
    return pc.utf8_trim(column, characters=TRIMMED)
