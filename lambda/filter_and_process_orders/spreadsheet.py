"""CSV injection: a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula (OWASP "CSV Injection"). Every CSV ordersite writes (the rejected
rows in quarantine/, the dashboard's exports, the twin engine's result files) passes its cells
through `formula_safe`, the one place that rule lives; the Django site imports it from here.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow_buffers import string_offsets

FORMULA_LEAD = "=+-@\t\r"
# Only digits, separators and an exponent: a spreadsheet reads these as numbers, and no formula
# can be spelled with them, so -12.50 or -1,234.5 stay numbers instead of turning into text.
_NUMBER = r"^-?(\d[\d,]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"


def formula_safe(values) -> pa.Array:
    """The cells as text (pyarrow string array), those that would run as a formula prefixed with `'`.

    `values`: a pyarrow array or any sequence of values (None stays null, anything else is
    `str()`-ed). Plain numbers (`-12.50`, `-1,234.5`, `-1e-3`) are left as they are; `+3` gets the prefix."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array([None if v is None else str(v) for v in values], pa.string())
    text = values.cast(pa.string())
    rows = np.flatnonzero(_led(text))
    if not len(rows):
        return text  # the common case
    # Only the cells with a lead are tested further and prefixed (a few: `-` placeholders, negative amounts).
    led = pc.take(text, pa.array(rows))
    risky = pc.invert(pc.match_substring_regex(led, _NUMBER))
    if not pc.any(risky).as_py():
        return text
    mask = np.zeros(len(text), dtype=bool)
    mask[rows[risky.to_numpy(zero_copy_only=False)]] = True
    return pc.replace_with_mask(text, pa.array(mask), pc.binary_join_element_wise("'", pc.filter(led, risky), ""))


_LEAD_BYTES = np.zeros(256, dtype=bool)
_LEAD_BYTES[list(FORMULA_LEAD.encode())] = True


def _led(text: pa.Array) -> np.ndarray:
    """Which cells start with one of FORMULA_LEAD, read from each cell's first byte in the
    buffers: these are ASCII bytes, in UTF-8 never part of another character. A sixth of the
    pattern's time (the rejected rows are made safe on the thread that reads, `spool`)."""
    data = text.buffers()[2]
    if data is None or not data.size:
        return np.zeros(len(text), dtype=bool)
    offsets = string_offsets(text)
    first = np.frombuffer(data, np.uint8)[np.minimum(offsets[:-1], data.size - 1)]
    led = _LEAD_BYTES[first] & (offsets[1:] > offsets[:-1])
    return led & text.is_valid().to_numpy(zero_copy_only=False) if text.null_count else led
