"""Bytes to text: what kind of file it is, its encoding, and its text as UTF-8 blocks, lazily."""

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from . import profile
from .sniff import UnreadableFile, detect_encoding
from .utf8 import as_utf8

__all__ = ["CHUNK_BYTES", "SAMPLE_BYTES", "Opened", "UnreadableFile", "open_text"]

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 4 << 20  # one parse unit; peak memory is a small multiple of this, whatever the file size


@dataclass(frozen=True)
class Opened:
    encoding: str
    sample: str  # the first SAMPLE_BYTES decoded, line ends as in the blocks (a bare CR made LF)
    blocks: Iterator[bytes]  # the whole text as UTF-8, from the start (no BOM)


def open_text(stream: BinaryIO) -> Opened:
    """Detect the encoding from the first bytes; the text follows as UTF-8 blocks of CHUNK_BYTES."""
    # A stream with peek (a BufferedReader, read_ahead.ReadAhead) is read as it is: ReadAhead gives its blocks uncopied.
    buffered = stream if hasattr(stream, "peek") else io.BufferedReader(_RawAdapter(stream), 1 << 20)
    head = buffered.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]
    if not head.strip(b"\r\n\t \xef\xbb\xbf"):
        raise UnreadableFile("the file is empty", "empty", rows_in=0)
    encoding = detect_encoding(head)
    # A UTF-8 head's stray bytes read as Windows-1252, as in the blocks (a title's "—" stays one).
    text = as_utf8(head)[0] if encoding.startswith("utf-8") else head
    sample = text.decode(encoding, errors="ignore").lstrip("\ufeff")
    # Old Mac exports end lines with a bare CR; cutting blocks needs LF. Every line end is then read as
    # LF, a quoted cell's line break too (README, "Line numbers"); a CRLF below the sample stays one line.
    cr_only = "\r" in sample and "\n" not in sample
    if cr_only:
        sample = sample.replace("\r", "\n")
    return Opened(encoding, sample, _utf8_blocks(buffered, encoding, cr_only))


def _utf8_blocks(buffered: io.BufferedReader, encoding: str, cr_only: bool) -> Iterator[bytes]:
    size = CHUNK_BYTES
    if encoding == "utf-8-sig":  # the first read then ends where the stream's first CHUNK_BYTES do, and
        size -= len(buffered.read(len(codecs.BOM_UTF8)))  # the next ones are ReadAhead's blocks, uncopied
    decoder = None if encoding.startswith("utf-8") else codecs.getincrementaldecoder(encoding)(errors="replace")
    first, cut_crlf = True, False
    while True:
        raw, size = buffered.read(size), CHUNK_BYTES
        block = raw if decoder is None else decoder.decode(raw, not raw).encode("utf-8", errors="replace")
        block, first = (block.removeprefix(codecs.BOM_UTF8) if first else block), False  # UTF-16's BOM, decoded
        if cr_only:  # every line end made one LF: a CR, and a CRLF further down (also cut between two blocks)
            if cut_crlf and block[:1] == b"\n":
                block = block[1:]
            cut_crlf = block[-1:] == b"\r"
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if block:
            yield block
        if not raw:
            return


class _RawAdapter(io.RawIOBase):
    """Lets any object with read(n) (a botocore StreamingBody) sit under a BufferedReader."""

    def __init__(self, source):
        self._source = source

    def readable(self) -> bool:
        return True

    @profile.timed("read (S3 stream)")
    def readinto(self, buffer) -> int:
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
