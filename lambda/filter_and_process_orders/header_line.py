"""The header row staff chose, as the raw object's metadata `header-line` carries it (review B10-3).

One rule for its two readers: the handler, which reads the record on that line as the header (`header.find_header`'s
`chosen`), and the site, whose column mapping keeps the choice under `header_line` and whose file page shows the
header the Lambda will read (pipeline_admin/headers.py `header_line_of`), so the page never shows another header
than the Lambda reads.
"""

__all__ = ["header_line"]


def header_line(value: str | int | None) -> int | None:
    """The header row `value` names: a physical line of the file, 1 the first, written as ASCII digits with
    nothing but spaces around them ("4", " 4 ", 4 -> 4). None when there is no choice (None, "", spaces).

    Raises ValueError for any other value: 0 and "-1" (no such line), "4.0", "+4", "four", and digits of
    other scripts ("٤", "４"), which `int` would read but no form of the site writes. The handler then
    logs a warning and searches the header as without a choice; the site does the same (no choice)."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise ValueError(f"header-line {value!r} is not a line number (whole, 1 the first)")
    return int(text)
