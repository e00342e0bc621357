"""CSV injection: a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula (OWASP "CSV Injection"). Every CSV ordersite writes (the rejected
rows in quarantine/, the dashboard's exports, the twin engine's result files) passes its cells
through `formula_safe`, the one place that rule lives; the Django site imports it from here.
"""

import pyarrow as pa
import pyarrow.compute as pc

FORMULA_LEAD = "=+-@\t\r"
_LEADS = r"^[=+\-@\t\r]"
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
    lead = pc.match_substring_regex(text, _LEADS)
    if not pc.any(lead).as_py():
        return text  # the common case, at a sixth of the cost of both tests on every cell
    risky = pc.and_(lead, pc.invert(pc.match_substring_regex(text, _NUMBER)))
    return pc.if_else(pc.fill_null(risky, False), pc.binary_join_element_wise("'", text, ""), text)
