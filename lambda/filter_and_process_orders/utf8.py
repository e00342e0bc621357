"""Blocks of text checked as UTF-8 before Arrow's CSV reader takes them (it then skips its own check)."""

import codecs
import struct

import pyarrow as pa


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
