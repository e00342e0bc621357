"""Where the header row is, and which delimiter the file uses.

The header is the first record starting within the first HEADER_SEARCH_LINES non-blank lines that maps every required
column of the contract; with an explicit mapping (staff's: upload form, `manage.py upload --mapping`), the first such
record that also has every header the mapping names, so a summary above the real header that synonyms map is skipped
(review B7-7); the header row staff chose (metadata `header-line`) is the record on that line, never another (B10-3).
A record is a line, or several when a quoted cell holds a line break (Excel wraps a long header so: "Order⏎ID" is
"Order ID"). Lines before it are skipped and reported: Excel's `sep=X` hint (which also fixes the delimiter), titles,
blank lines. When none qualifies, the record lacking the fewest headers an explicit mapping names (whether synonyms
map it or not: a typo is told against the table staff meant, B8-2), then mapping the most required columns (the first
of equals) is the header: the rejection names its cells, the upload form offers them, not a summary's above
(`Total,Sales` over `Order,Gross,Date`). Line numbers are physical (1 the first).
"""

import io
import re
from dataclasses import dataclass, field, replace

from .header_record import read_record
from .mapping import REQUIRED, map_headers, missing_required, not_found
from .text import UnreadableFile, open_text
from .utf8 import LINE_END

HEADER_SEARCH_LINES = 20
_SEARCHED = f"in the first {HEADER_SEARCH_LINES} non-blank lines"
_SEP_HINT = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)
LINE = re.compile(f"[^\r\n]*(?:{LINE_END.pattern.decode()})")  # a whole line with its end, in decoded text


@dataclass(frozen=True)
class Header:
    line: int  # the physical line where the header row starts
    last_line: int  # the physical line where it ends (after `line` when a quoted cell holds a line break)
    delimiter: str
    names: list[str]
    mapping: dict[str, int]  # contract column -> index in a row
    skipped: list[dict] = field(default_factory=list)  # [{"line": n, "text": "..."}] before the header
    search_ended: bool = False  # no record qualified in HEADER_SEARCH_LINES non-blank lines, and more followed
    candidates: tuple["Header", ...] = ()  # every record searched (none qualified, or `every`), for staff to pick


def find_header(sample: str, explicit: dict | None = None, *, every: bool = False, chosen: int | None = None) -> Header:
    """The header of a file from its first bytes (decoded); `explicit`: staff's mapping, {contract column: header
    name}; `chosen`: the line staff chose as the header row; `every`: every record searched in `candidates` even
    when one qualifies (the upload form offers them; a `chosen` not found gives the search's). Lines end at a CRLF,
    a bare CR or an LF, as csv counts them. UnreadableFile: no line has text; `no_header`: `chosen` is no record."""
    hint, skipped, best, seen = None, [], None, []
    lines = LINE.findall(sample) or [sample]  # whole lines: the sample may end inside one
    non_blank, ended, covered = 0, False, 0  # covered: the last line of the record read last
    for number, line in enumerate((whole.rstrip("\r\n") for whole in lines), start=1):
        if not line.strip() or not line.strip(",;\t| \"'"):
            skipped.append({"line": number, "text": line[:200]})
            continue
        if hint is None and (m := _SEP_HINT.match(line)):
            hint = m.group(1)
            skipped.append({"line": number, "text": line[:200]})
            continue
        non_blank += 1
        if non_blank > HEADER_SEARCH_LINES:
            ended = True
            break
        if number <= covered:  # inside a record (a quoted cell's line break): starts none (review B11-4)
            skipped.append({"line": number, "text": line[:200]})
            continue
        names, spans, delimiter = read_record(lines[number - 1 :], hint)
        covered = number + spans - 1
        mapping = map_headers(names, explicit)
        header = Header(number, covered, delimiter, names, mapping, list(skipped))
        seen.append(header)
        rank = (number == chosen, -len(not_found(names, explicit)), len(REQUIRED) - len(missing_required(mapping)))
        if (rank[0] if chosen else rank[1:] == (0, len(REQUIRED))) and not every:
            return header
        best = best if best and best[0] >= rank else (rank, header)  # the first of equals: the qualifying one
        skipped.append({"line": number, "text": line[:200]})
    if chosen and not every:  # blank, a `sep=` hint, inside a record or past the search
        raise UnreadableFile(f"line {chosen}, chosen as the header row, starts no record {_SEARCHED}", "no_header")
    if best is None:
        raise UnreadableFile("the file has no header row", "no_header")
    return replace(best[1], search_ended=ended and best[0][1:] != (0, len(REQUIRED)), candidates=tuple(seen))


def inspect(sample: bytes, explicit: dict[str, str] | None = None, chosen: int | None = None) -> Header:
    """`find_header` of a file's first bytes, with every record searched as `candidates` (for the site's forms)."""
    return find_header(open_text(io.BytesIO(sample)).sample, explicit, every=True, chosen=chosen)
