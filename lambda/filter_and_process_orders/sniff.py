"""What kind of file this is, its text encoding and its delimiter, from its first bytes."""

import codecs
import re


class UnreadableFile(Exception):
    """The file as a whole cannot be used; the message tells staff what to do, `code` says it for machines;
    `rows_in` is how many data rows it has, None if not counted; `read` its header found (a CleanResult) or None."""

    def __init__(self, text: str, code: str = "unreadable", rows_in: int | None = None, read=None):
        super().__init__(text)
        self.code, self.rows_in, self.read = code, rows_in, read


def _binary_kind(sample: bytes) -> str | None:
    if sample.startswith(b"PK\x03\x04"):
        return "an Excel workbook or zip archive saved with a .csv name; open it in Excel and use Save As → CSV UTF-8"
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Excel (.xls) workbook saved with a .csv name; open it in Excel and use Save As → CSV UTF-8"
    if sample.startswith(b"%PDF"):
        return "a PDF document, not a CSV export"
    if b"\x00" in sample[:4096]:
        return "a binary file, not a CSV export"
    return None


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    kind = _binary_kind(sample)
    if kind:
        raise UnreadableFile(f"the file is {kind}", "not_csv")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still UTF-8.
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
        return "utf-8" if _holds_utf8_characters(sample) else "cp1252"


# A character above ASCII that UTF-8 decoded, and a byte it could not (surrogateescape's U+DC80-DCFF).
_DECODED_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_NOT_DECODED = re.compile("[\udc80-\udcff]")


def _holds_utf8_characters(sample: bytes) -> bool:
    """Whether a sample that is not valid UTF-8 is UTF-8 text into which Windows-1252 bytes were
    pasted: it holds at least as many well-formed multi-byte UTF-8 characters as bytes that are not
    UTF-8. Each such byte is then read alone as Windows-1252 and warned of (`utf8.as_utf8`): nothing
    of it is lost. Read as Windows-1252, the whole file would turn every UTF-8 character into two or
    three ("ë" into "Ã«"), silently. Windows-1252 text forms such a character only by accident (Â-ß
    right before one of €-¿: "RENÉ\xa0»"), beside many letters that are not UTF-8: it stays so.
    A tie (one "ë", one pasted "é") is UTF-8: a paste is the likelier accident."""
    text = sample.decode("utf-8", errors="surrogateescape")
    stray = len(_NOT_DECODED.findall(text))
    return stray <= sum(1 for _ in _DECODED_NON_ASCII.finditer(text))


DELIMITERS = [",", ";", "\t", "|"]


def count_outside_quotes(line: str, delimiter: str) -> int:
    count, in_quotes = 0, False
    for ch in line:
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == delimiter and not in_quotes:
            count += 1
    return count


def detect_delimiter(line: str) -> str:
    counts = {d: count_outside_quotes(line, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","
