"""Is the head of a file a text export, or an archive, document or binary renamed .csv?

Recognising archives, PDFs, workbooks, images and executables by their signatures is the
`filetype` library's job; it looks at the first bytes and again right after a byte-order mark
(a UTF-16 mark followed by zip bytes is still a zip). What remains is our own question, a strict
text check of the first block: it must decode in the encoding the Lambda will choose (its own
`detect_encoding`: UTF-8, UTF-16 by its mark, else cp1252; in UTF-8 a byte that is not UTF-8 is
read as cp1252, as the Lambda reads it) and hold no control characters but tab, CR and LF.
"""

import codecs
import unicodedata

import filetype
from filter_and_process_orders.sniff import UnreadableFile, detect_encoding
from filter_and_process_orders.text import SAMPLE_BYTES

# The first block the checks read: what the browser sends to inspect and the ranged read of a
# stored object; the Lambda decides the encoding from the same amount.
SNIFF_BYTES = SAMPLE_BYTES

BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # where filetype looks a second time
WORKBOOKS = {"xlsx", "xls", "ods", "xlsb"}
DOCUMENTS = {"pdf", "doc", "docx", "odt", "ppt", "pptx", "odp", "rtf", "ps", "epub"}
ARCHIVES = {"zip", "tar", "rar", "gz", "bz2", "7z", "xz", "Z", "lzo", "lz", "lz4", "zst", "br", "cab", "ar"}
ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def _kind_message(extension: str) -> str:
    if extension in WORKBOOKS:
        return f"this is an Excel workbook (.{extension}), not a CSV; in Excel use Save As → CSV UTF-8"
    if extension == "pdf":
        return "this is a PDF document, not a CSV export"
    if extension in DOCUMENTS:
        return f"this is a document (.{extension}), not a CSV export"
    if extension == "zip":  # a workbook whose parts are not near the start looks like any zip
        return "this is a zip archive or an Excel workbook, not a CSV; unpack it, or in Excel use Save As → CSV UTF-8"
    if extension in ARCHIVES:
        return f"this is a compressed archive (.{extension}), not a CSV; unpack it and upload the CSV inside"
    return f"this is a binary file (.{extension}), not a CSV export"


def head_encoding(head: bytes) -> str:
    """The encoding the Lambda will read a file with these first bytes in (a Python codec name)."""
    try:
        return detect_encoding(head)
    except UnreadableFile:  # binary by the cleaner's own signs (a NUL byte, an OLE signature):
        return "utf-8"  # the strict text check names the byte or says it is not text


def _decoded(head: bytes, encoding: str, truncated: bool) -> str | None:
    """The block as text in `encoding` (its byte-order mark dropped), or None when it is not. In UTF-8
    without a mark, a byte that is not UTF-8 is read as Windows-1252, as the Lambda reads it (with a
    warning, `utf8.as_utf8`); one that Windows-1252 lacks too (0x81, 0x8D, 0x8F, 0x90, 0x9D) is not text."""
    decoder = codecs.getincrementaldecoder(encoding)(errors=_STRAY_AS_CP1252 if encoding == "utf-8" else "strict")
    try:
        # final=False: a character cut at the end of a block that was cut is not an error.
        return decoder.decode(head, final=not truncated).removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None


def content_problem(head: bytes, *, truncated: bool) -> str | None:
    """Why these first bytes are not a text export, or None.

    head: the file's first bytes (SNIFF_BYTES, or the whole file when shorter); truncated: True
    when the file goes on after `head`. The message completes "name: ...".
    """
    body = next((head[len(bom) :] for bom in BOMS if head.startswith(bom)), head)
    for data in (head, body):
        kind = filetype.guess(data) if data else None
        if kind is not None:
            return _kind_message(kind.extension)
    if not body.strip(b"\x00"):
        return "the file is empty"
    encoding = head_encoding(head)
    text = _decoded(head, encoding, truncated)
    if text is None:
        marked = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16"}.get(encoding)
        named = f"{marked} (as its byte-order mark says)" if marked else "UTF-8 or Windows-1252"
        return f"this is a binary file, not a CSV export: its first block is not valid {named} text"
    for ch in text:
        if ch not in ALLOWED_CONTROLS and unicodedata.category(ch) in {"Cc", "Cs", "Co"}:
            return f"this is a binary file, not a CSV export: it holds the control character U+{ord(ch):04X}"
    return None


def _stray_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: bytes UTF-8 could not decode, read as Windows-1252 (strictly: raises
    UnicodeDecodeError at a byte it lacks)."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("cp1252"), error.end


_STRAY_AS_CP1252 = "sniffing-stray-as-cp1252"
codecs.register_error(_STRAY_AS_CP1252, _stray_as_cp1252)
