"""Bytes to text: what kind of file it is, its encoding, and its text as UTF-8 blocks, lazily."""

import codecs
import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa

from . import profile
from .sniff import UnreadableFile, detect_encoding

__all__ = ["CHUNK_BYTES", "SAMPLE_BYTES", "Opened", "UnreadableFile", "as_utf8", "open_text"]

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 4 << 20  # one parse unit; peak memory is a small multiple of this, whatever the file size


@dataclass(frozen=True)
class Opened:
    encoding: str
    sample: str  # the first SAMPLE_BYTES decoded, line ends as in the blocks (a bare CR made LF)
    blocks: Iterator[bytes]  # the whole text as UTF-8, from the start (no BOM)


def open_text(stream: BinaryIO) -> Opened:
    """Detect the encoding from the first bytes; the text follows as UTF-8 blocks of CHUNK_BYTES."""
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(_RawAdapter(stream), 1 << 20)
    head = buffered.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]
    if not head.strip(b"\r\n\t \xef\xbb\xbf"):
        raise UnreadableFile("the file is empty", "empty", rows_in=0)
    encoding = detect_encoding(head)
    sample = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    # Old Mac exports end lines with a bare CR; cutting blocks needs LF.
    cr_only = "\r" in sample and "\n" not in sample
    if cr_only:
        sample = sample.replace("\r", "\n")
    return Opened(encoding, sample, _utf8_blocks(buffered, encoding, cr_only))


def _utf8_blocks(buffered: io.BufferedReader, encoding: str, cr_only: bool) -> Iterator[bytes]:
    if encoding == "utf-8-sig":
        buffered.read(len(codecs.BOM_UTF8))
    decoder = None if encoding.startswith("utf-8") else codecs.getincrementaldecoder(encoding)(errors="replace")
    first = True
    while True:
        raw = buffered.read(CHUNK_BYTES)
        block = raw if decoder is None else decoder.decode(raw, not raw).encode("utf-8", errors="replace")
        block, first = (block.removeprefix(codecs.BOM_UTF8) if first else block), False  # UTF-16's BOM, decoded
        if cr_only:
            block = block.replace(b"\r", b"\n")
        if block:
            yield block
        if not raw:
            return


def as_utf8(data: bytes) -> bytes:
    """`data` itself when it is valid UTF-8; else the same text with only the bytes that are not UTF-8
    read as Windows-1252 (a file detected as UTF-8 from its first 64 KB into which a Windows-1252
    byte was pasted later: the rest of its block stays as written, so `é-5` stays `é-5`). Arrow
    checks the bytes where they are (a cast of one binary cell to text), about twice as fast as
    decoding them to a str; Arrow's CSV reader can then skip its own check (`records`). `data` ends
    at a line end, so no character is cut in two."""
    offsets = pa.py_buffer(struct.pack("<qq", 0, len(data)))
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)]).cast(pa.large_string())
        return data
    except pa.ArrowInvalid:
        return data.decode("utf-8", errors=_CP1252_BYTES).encode("utf-8")


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: the bytes UTF-8 could not decode, read as Windows-1252."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


_CP1252_BYTES = "orders-cp1252-bytes"
codecs.register_error(_CP1252_BYTES, _cp1252_bytes)


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
