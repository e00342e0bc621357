"""Why a row or a file was not used, and what staff should know: stable codes with their text.

The site shows the text and decides on the code; it never matches the text.
"""

from .dates import parse_date
from .doubts import SAMPLE_LINES
from .mapping import names_unit_price
from .unused_headers import repeated
from .year_order import year_first_date

ROW_REASONS = {
    "unclosed_quote": "a quote opens on this line and never closes; the rest of the line was read as one cell and "
    "the lines after it as rows of their own: check the quotes on this line",
    "value_too_long": "value too long",
    "missing_order_id": "missing order_id",
    "mangled_id": "order id mangled by a spreadsheet (scientific notation); export the id column as text",
    "missing_amount": "missing amount",
    "bad_amount": "unparseable amount",
    "amount_format": "amount written with the other decimal separator than the rest of the file",
    "missing_order_date": "missing order_date",
    "bad_order_date": "unparseable order_date",
    "amount_too_large": "amount past 9,999,999,999.99, the most an amount holds (one line, or an order's lines summed)",
    "repeated_header": "the header row again (files joined one after another?), not an order",
    "sep_line": "Excel's delimiter hint (sep=) again (files joined one after another?), not an order",
}
# A code's label where its rows' texts say different things (the file page's "Rejections by reason",
# the manifest's `reasons`); every other code's label is its row text's start, ROW_REASONS.
REASON_LABELS = ROW_REASONS | {
    # "unparseable order_date: 2025-02-30", or "order_date 21/02/2025 reads only day first; ..." (`rejects`)
    "bad_order_date": "unreadable order_date, or read only in the other day/month order",
}
FILE_REASONS = {
    "missing_column": "a required column is missing",
    "empty": "the file is empty",
    "no_header": "the file has no header row",
    "no_rows": "the file has a header row but no order rows",
    "not_csv": "the file is not a CSV export",
    "unreadable": "the file cannot be read as CSV",
    "no_usable_row": "no row could be used",
    "deleted": "the file was deleted before it could be read",
}

WARNINGS = {
    "date_order_assumed": "the dates do not tell the day/month order; the setting's is used",
    "decimal_separator_assumed": "the amounts do not tell the decimal separator; the setting's is used",
    "two_digit_year_assumed": "some dates have a two-digit year at either end (24-11-30) and no date tells "
    "which end is the year: read with the year last; if the export writes the year first, they are "
    "other days",
    "line_items_summed": "rows of one order differ by product or line: they are line items, summed per order",
    "amount_repeated_per_order": "the amount column holds each order's total, repeated on its lines: counted once "
    "per order, not summed",
    "many_duplicates": "over 10 % of the rows are exact duplicates",
    "many_rejected": "over 20 % of the rows are rejected",
    "rows_before_header": "some rows above the header row read as orders (an order id, an amount and a date under "
    "its columns) and were skipped, not read; if they are orders, move the header row above them and upload "
    "the file again",
    "unmapped_columns": "some columns are not part of the orders table",
    "repeated_columns": "some columns of the orders table are named by more than one header; one of each is read, "
    "the others are not used",
    "negative_amounts": "some amounts are below zero (refunds, credit notes or sign errors?); kept as they are",
    "float_like_ids": "some order ids look like numbers a spreadsheet stored as decimals (1001.0); read as "
    "integers (1001), so they match the same orders from other uploads",
    "line_versions_superseded": "some line items come again later with only another status or date: each "
    "such line counts once, as its last row (the earlier rows superseded), not summed again",
    "lines_without_amount": "some line items have no amount (blank or a placeholder): each was counted as a line "
    "of its order, adding nothing to its amount",
    "amount_may_be_unit_price": "the amount column may hold unit prices, not line totals (a quantity is not "
    "multiplied in); if so, map a line-total column",
    "unreadable_quantities": "some quantities are not whole numbers: those lines count in their orders, but "
    "their quantity is left out of the order's quantity",
    "unknown_statuses": "some statuses are not order statuses the site knows; kept as written",
    "extra_cells": "some rows have more cells than the header: each was read by the header's columns, its "
    "extra cells left out (a delimiter inside a cell that is not quoted?)",
    "differing_lines_read_as_history": "the file was read as orders' histories (most repeated orders differ "
    "only in status, date or amount), but some orders' rows differ by product or line: only each such "
    "order's last row counts; if they are line items, have the file read again with “One row is: one line "
    "item” under “Columns and grain” on its page (a remap, a pipeline admin's action), or upload it with "
    'manage.py upload --mapping \'{"grain": "line_items"}\'',
    "stray_bytes_read_as_cp1252": "some bytes are not UTF-8 in a file read as UTF-8; each was read as Windows-1252",
}

# `unreadable_quantities` of a history (the last row wins): a cell that is no whole number is read as
# an empty one, and a column a row leaves empty takes the order's last non-empty value (README "Grain").
QUANTITIES_OF_HISTORY = (
    "some quantities are not whole numbers: each is read as an empty cell, so its order keeps its quantity "
    "from an earlier row that has one (none if no earlier row has one)"
)


def mapping_not_found_reason(header: list[str], named: dict[str, str], chosen: int | None = None) -> str:
    """The reason a file is rejected whose column mapping names headers it does not have ({column: header});
    `chosen`: the header row staff chose, a physical line, whose cells `header` are."""
    which = ", ".join(f"“{h}” for {c.replace('order_', 'order ')}" for c, h in named.items())
    if chosen:
        return (
            f"the column mapping names {which}, not a header of line {chosen}, chosen as the header row; its "
            f"cells were: {', '.join(header)[:300]}. Choose the header row or the column again"
        )
    return (
        f"the column mapping names {which}, not a column of this file; headers were: {', '.join(header)[:300]}. "
        "Choose the column again in the upload form's column mapping"
    )


def missing_columns_reason(
    header: list[str], missing: list[str], line: int = 1, searched: int | None = None, chosen: bool = False
) -> str:
    """The reason a file lacking required columns is rejected: no record mapped them, so the first
    non-blank one, on `line`, was read as the header, and its cells are named. `searched`: the search
    stopped after that many non-blank lines (header.HEADER_SEARCH_LINES) with lines left, said too.
    `chosen`: `line` is the header row staff chose, so the advice is to choose another (review B11-4)."""
    names = ", ".join(m.replace("order_", "order ") for m in missing)
    ended = (
        f"; none of the first {searched} non-blank lines names every required column, and no line below "
        "them is searched"
        if searched
        else ""
    )
    if chosen:
        return (
            f"no {names} column; headers were: {', '.join(header)[:300]} (line {line}, chosen as the header row). "
            'Choose another header row (the file page\'s "Header row", or upload --header-line) or map the column'
        )
    return (
        f"no {names} column; headers were: {', '.join(header)[:300]} (line {line}{ended}). "
        "Rename the column or choose it in the upload form's column mapping"
    )


MANY_REJECTED = 0.20
CELL_CHARS = 40  # of a cell a warning shows
MANY_DUPLICATES = 0.10


def warnings_for(result) -> list[dict]:
    """The warnings about a cleaned file (a `cleaning.CleanResult`): [{"code", "text"}]; the
    doubts (`doubts`) add `count`, and `lines` (the first physical lines); `unknown_statuses` also
    `words` (the 10 most common, {word: lines}) and `word_count` (how many words in all);
    `stray_bytes_read_as_cp1252` adds `count` (bytes), `lines` (the first lines holding one) and
    `line_count` (lines holding one); `differing_lines_read_as_history` adds `count` (orders) and
    `lines` (their first lines, from the buckets where they were a minority: `evidence._count`);
    `rows_before_header` adds `count` (records above the header that read as orders) and `lines` (the
    first); `repeated_columns` adds `columns`, {contract column: the positions of the headers naming it, 1
    the first, the one read first} (`unused_headers.repeated`)."""
    d = result.decisions
    found = []

    def add(code: str, detail: str = "", text: str = "", **facts) -> None:
        said = text or WARNINGS[code]
        found.append({"code": code, "text": said + (f": {detail}" if detail else ""), **facts})

    if d.date_order_assumed:
        day_first = d.date_order_votes["DMY"]
        why = (
            f"as many rows have a date read only day first as only month first ({day_first:,} each)"
            if day_first
            else "no date reads only one way"
        )
        add("date_order_assumed", f"{why}; read as {d.date_order}")
    if d.year_first_cells:
        example = d.year_first_example
        read, other = parse_date(example, d.date_order == "DMY"), year_first_date(example)
        detail = f"{_count(d.year_first_cells, 'date')} such as “{example}”, read as {read}; year first: {other}"
        add("two_digit_year_assumed", detail, count=d.year_first_cells, example=example)
    if d.decimal_separator_assumed:
        point = d.decimal_separator_votes["point"]
        why = (
            f"as many amounts show a decimal point as a decimal comma ({point:,} each)"
            if point
            else "no amount shows its decimal separator"
        )
        add("decimal_separator_assumed", f"{why}; read with “{d.decimal_separator}”")
    if result.grain == "line_items":
        add("line_items_summed", f"{_count(result.lines, 'line')} → {_count(result.orders, 'order')}")
        if result.order_totals:
            e = result.evidence
            n = e.orders_with_one_amount
            carry = f"{_count(n, 'order')} of several lines {'carries' if n == 1 else 'carry'}"
            detail = f"{carry} one amount on each line, and {e.order_total_reason}"
            add("amount_repeated_per_order", detail, count=n)
    e = result.evidence
    if result.grain == "history" and not result.grain_overridden and e.orders_with_differing_lines:
        n, lines = e.orders_with_differing_lines, e.differing_first_lines
        detail = f"{_count(n, 'order')} of {e.repeated_orders:,} repeated"
        detail += f", {_for_example(lines)}" if lines else ""
        add("differing_lines_read_as_history", detail, count=n, lines=lines)
    if result.rows_in and result.duplicates / result.rows_in > MANY_DUPLICATES:
        add("many_duplicates", f"{result.duplicates:,} of {result.rows_in:,}")
    if result.rows_in and result.rows_rejected / result.rows_in > MANY_REJECTED:
        add("many_rejected", f"{result.rows_rejected:,} of {result.rows_in:,}")
    before = result.rows_before_header
    if before:
        count, lines = len(before), before[:SAMPLE_LINES]
        add("rows_before_header", f"{_count(count, 'row')}, {_for_example(lines)}", count=count, lines=lines)
    if result.unmapped:
        add("unmapped_columns", ", ".join(result.unmapped)[:300])
    named = repeated(result.header, {c: result.header.index(h) for c, h in result.mapping.items()})
    if named:
        said = "; ".join(
            f"{c} read from {_columns(result.header, i[:1])}, not {_columns(result.header, i[1:])}"
            for c, i in named.items()
        )
        add("repeated_columns", said[:300], columns={c: [n + 1 for n in i] for c, i in named.items()})
    doubts = result.doubts
    codes = ("negative_amounts", "float_like_ids", "lines_without_amount", "line_versions_superseded")
    for code in (*codes, "unreadable_quantities", "extra_cells"):
        count, lines = doubts.rows[code], doubts.lines.get(code, [])
        if count:
            cells = _cells(doubts.values.get(code, []))
            of_history = code == "unreadable_quantities" and result.grain == "history"
            text = QUANTITIES_OF_HISTORY if of_history else ""
            add(code, f"{_count(count, 'line')}, {_for_example(lines)}{cells}", text, count=count, lines=lines)
    header, count = result.mapping.get("amount", ""), doubts.rows["amount_may_be_unit_price"]
    if count and names_unit_price(header):
        lines = doubts.lines["amount_may_be_unit_price"]
        detail = f"“{header}”, {_count(count, 'line')} with a quantity other than 1, {_for_example(lines)}"
        add("amount_may_be_unit_price", detail, count=count, lines=lines)
    stray = result.stray_bytes
    if stray.count:
        detail = f"{_count(stray.count, 'byte')} on {_count(stray.lines, 'line')}, first on line {stray.first_lines[0]}"
        add("stray_bytes_read_as_cp1252", detail, count=stray.count, lines=stray.first_lines, line_count=stray.lines)
    if doubts.statuses:
        words, lines = dict(doubts.statuses.most_common(10)), doubts.lines.get("unknown_statuses", [])
        count, word_count = doubts.statuses.total(), len(doubts.statuses)
        some = "" if word_count == len(words) else "; the most common"  # only when not every word is named
        named = ", ".join(f"{w} ({_count(n, 'line')})" for w, n in words.items())[:300]
        text = f"{_count(word_count, 'word')} on {_count(count, 'line')}{some}: {named}; {_for_example(lines)}"
        add("unknown_statuses", text, count=count, words=words, word_count=word_count, lines=lines)
    return found


def _columns(header: list[str], indexes: list[int]) -> str:
    """Columns by position (1 is the first) and header: column 1 “order_id”, column 4 “order_id”."""
    return ", ".join(f"column {i + 1} “{header[i]}”" for i in indexes)


def _for_example(lines: list[int]) -> str:
    """A doubt's first lines, as its warning gives them: e.g. line 3, or e.g. lines 3, 17."""
    return f"e.g. line{'s' * (len(lines) > 1)} {', '.join(map(str, lines))}"


def _cells(values: list[str]) -> str:
    """The first few cells a doubt was said of, quoted and formula-safe (`spreadsheet.formula_safe`,
    as every cell ordersite shows in a CSV), each cut to CELL_CHARS: ` (“abc”, “1.5”)`; "" for none."""
    if not values:
        return ""
    from .spreadsheet import formula_safe  # only a file with such a doubt needs it

    safe = formula_safe(values).to_pylist()
    return " (" + ", ".join(f"“{_cut(v)}”" for v in safe) + ")"


def _cut(text: str) -> str:
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _count(n: int, noun: str) -> str:
    """`n` and the noun, plural unless n is 1: "1 order", "2,000 lines"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
