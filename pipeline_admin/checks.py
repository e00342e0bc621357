"""The checks a file passes before it counts as uploaded, whichever way its bytes arrive.

The no-JavaScript form and the CLI run them on the file in hand (`file_problem`); the direct
upload runs the name and declared size before presigning and the head checks on the stored
object (a ranged read) before it is accepted. Each returns None or a message naming the file.
"""

import re

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .sniffing import SNIFF_BYTES, content_problem, head_encoding

ALLOWED_EXTENSIONS = (".csv", ".txt")
# An order row is a few hundred bytes. A far longer line is a broken export or not a CSV at all,
# and the Lambda would have to hold it in memory whole.
MAX_LINE_BYTES = 64 * 1024


def name_problem(name: str) -> str | None:
    if re.search(r"[\\/]", name) or any(not ch.isprintable() for ch in name):
        # Browsers send a bare file name (and Django keeps only the last part): this one was crafted.
        return f"{name!r}: a file name may not contain folders or control characters"
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        return f"{name}: only .csv or .txt files can be uploaded"
    return None


def size_problem(name: str, size: int) -> str | None:
    if size > settings.UPLOAD_MAX_BYTES:
        return f"{name}: {filesizeformat(size)} is over the limit of {filesizeformat(settings.UPLOAD_MAX_BYTES)}"
    if size == 0:
        return f"{name}: the file is empty"
    return None


def head_problem(name: str, head: bytes, *, size: int) -> str | None:
    """Content type, strict text and a header row, from the first SNIFF_BYTES of a file of `size` bytes.

    A header row is a whole line with text in that block: the Lambda searches the same block for its
    header (`filter_and_process_orders.header`, past blank lines, titles and `sep=` hints), so a file
    refused here is one the Lambda could not read either, and one it can read is never refused."""
    head = head[:SNIFF_BYTES]
    truncated = size > len(head)
    problem = content_problem(head, truncated=truncated)
    if problem:
        return f"{name}: {problem}"
    text = head.decode(head_encoding(head), errors="ignore").removeprefix("\ufeff")
    lines = text.splitlines()
    if truncated and lines and not text.endswith(("\n", "\r")):
        lines.pop()  # the block ends inside this line
    if not any(line.strip() for line in lines):
        if truncated:
            return f"{name}: no header row found in the first {filesizeformat(len(head))}"
        return f"{name}: no header row: every line of the file is blank"
    return None


def file_problem(upload) -> str | None:
    """Why this file in hand cannot be stored, or None. Checked before anything reaches S3.

    upload: a file object with `name` and `size` (Django's UploadedFile, or the CLI's file).
    """
    name = upload.name or ""
    problem = name_problem(name) or size_problem(name, upload.size)
    if problem:
        return problem
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    problem = head_problem(name, head, size=upload.size)
    if problem:
        return problem
    line = long_line(upload)
    if line:
        return f"{name}: line {line} is longer than {filesizeformat(MAX_LINE_BYTES)}; this is not an orders export"
    return None


def long_line(fileobj) -> int | None:
    """The number of the first line longer than MAX_LINE_BYTES, or None; reads the file in 1 MiB chunks."""
    fileobj.seek(0)
    tail, lines_before = b"", 0  # the unfinished last line of the chunks read so far
    try:
        for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
            lines = (tail + chunk).splitlines(keepends=True)  # \n, \r\n and old Mac \r endings alike
            if max(map(len, lines)) > MAX_LINE_BYTES:
                return lines_before + next(i for i, line in enumerate(lines) if len(line) > MAX_LINE_BYTES) + 1
            tail = b"" if lines[-1].endswith((b"\n", b"\r")) else lines.pop()
            lines_before += len(lines)
    finally:
        fileobj.seek(0)
    return None
