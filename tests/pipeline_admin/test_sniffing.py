"""The strict text check of an upload's first block, in the encoding the Lambda will choose
(decided here by hand for each head: UTF-8, UTF-16 by its mark, else cp1252; a head holding as
many well-formed multi-byte UTF-8 characters as other bytes above ASCII is UTF-8, those bytes read
as cp1252)."""

import codecs

import pytest

from pipeline_admin.checks import head_problem
from pipeline_admin.sniffing import content_problem

HEADER = "order_id,customer,amount,order_date\n"
ROW = "A-1,Café Müller €,12.50,2025-02-03\n"
NOT_TEXT = "this is a binary file, not a CSV export: its first block is not valid"

HEADS = {
    "UTF-8": ((HEADER + ROW).encode(), False, None),
    "UTF-8 with its mark": (codecs.BOM_UTF8 + (HEADER + ROW).encode(), False, None),
    "UTF-8 cut inside a character where the block was cut": ((HEADER + ROW).encode()[:-20], True, None),
    "Windows-1252 (é, ü and € are no UTF-8)": ((HEADER + ROW).encode("cp1252"), False, None),
    "UTF-8 with a byte pasted from Windows-1252 (read as é, as the Lambda reads it)": (
        (HEADER + ROW).encode() + b"A-2,Caf\xe9,1.00,2025-02-03\n",
        False,
        None,
    ),
    "UTF-8 with a byte neither UTF-8 nor Windows-1252 has (0x81)": (
        (HEADER + ROW).encode() + b"A-2,\x81,1.00,2025-02-03\n",
        False,
        f"{NOT_TEXT} UTF-8 or Windows-1252 text",
    ),
    "UTF-16 little-endian by its mark": (codecs.BOM_UTF16_LE + (HEADER + ROW).encode("utf-16-le"), False, None),
    "UTF-16 big-endian by its mark": (codecs.BOM_UTF16_BE + (HEADER + ROW).encode("utf-16-be"), False, None),
    "UTF-16 by its mark with a lone surrogate": (
        codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le") + b"\x00\xd8A\x00",
        False,
        f"{NOT_TEXT} UTF-16 (as its byte-order mark says) text",
    ),
    "UTF-8 by its mark, then a byte no UTF-8 has": (
        codecs.BOM_UTF8 + HEADER.encode() + b"A-1,Caf\xe9\n",
        False,
        f"{NOT_TEXT} UTF-8 (as its byte-order mark says) text",
    ),
    "a byte neither UTF-8 nor Windows-1252 has (0x81)": (
        HEADER.encode() + b"A-1,\x81\n",
        False,
        f"{NOT_TEXT} UTF-8 or Windows-1252 text",
    ),
    "text holding a NUL byte": (
        HEADER.encode() + b"A-1,\x00,1,2025-01-01\n",
        False,
        "this is a binary file, not a CSV export: it holds the control character U+0000",
    ),
    "text holding an escape character": (
        HEADER.encode() + b"A-1,\x1b[31m,1,2025-01-01\n",
        False,
        "this is a binary file, not a CSV export: it holds the control character U+001B",
    ),
    "a mark and nothing else": (codecs.BOM_UTF8, False, "the file is empty"),
}


@pytest.mark.parametrize("case", sorted(HEADS))
def test_the_first_block_must_be_text_in_the_encoding_the_lambda_will_choose(case):
    head, truncated, problem = HEADS[case]
    assert content_problem(head, truncated=truncated) == problem


def test_the_header_row_is_found_in_a_cp1252_or_utf16_head():
    for head in (HEADS["Windows-1252 (é, ü and € are no UTF-8)"][0], HEADS["UTF-16 big-endian by its mark"][0]):
        assert head_problem("orders.csv", head, size=len(head)) is None
    one_line = ("order_id" + "x" * 2000).encode("cp1252")
    assert head_problem("orders.csv", one_line, size=5000) == "orders.csv: no header row found in the first KiB"
