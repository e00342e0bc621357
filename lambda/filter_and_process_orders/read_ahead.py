"""The raw object read ahead of its parsing: a thread pulls the S3 stream into a few blocks while
the cleaner works on the previous ones, so the network's time (about 0.7 s per 66 MB from S3 at
Lambda's typical 90 MB/s) overlaps the parsing instead of adding to it.

The blocks end at multiples of BLOCK_BYTES (the first is a smaller head, so that the header's sample
waits for less, and the second the rest of that block), and a read of a whole block from where one
begins returns the block itself: the text's reads of CHUNK_BYTES (`text`) then cost no copy, where
a BufferedReader copied each 4 MB into a new buffer (0.02-0.04 CPU s per 100 MB, on the thread that
feeds the parsers). A file that starts with a byte-order mark has its first read 3 bytes short
(`text`), so the reads after it still end where the blocks do."""

import queue
import threading

from . import profile

BLOCK_BYTES = 4 << 20  # a parse unit (text.CHUNK_BYTES)
BLOCKS_AHEAD = 3  # held at most: 12 MB
FIRST_BLOCK_BYTES = 256 << 10


class ReadAhead:
    """A `read(n)` and `peek(n)` stream over `source` (anything with read(n) and close(), e.g.
    botocore's StreamingBody) whose bytes a daemon thread reads ahead, up to `blocks_ahead` blocks.
    A read returns n bytes unless the source ends first (as a BufferedReader's). An exception raised
    by the source's read is raised by the read that reaches that point. The thread starts with
    `start()` or the first read; `close()` stops it and closes the source."""

    def __init__(self, source, *, block_bytes: int = BLOCK_BYTES, blocks_ahead: int = BLOCKS_AHEAD):
        self._source = source
        self._blocks: queue.Queue = queue.Queue(maxsize=blocks_ahead)
        self._stop = threading.Event()
        self._block, self._offset, self._ended = b"", 0, False
        self._thread = threading.Thread(target=self._pull, args=(block_bytes,), name="read-ahead", daemon=True)

    def start(self) -> "ReadAhead":
        """Starts the thread now rather than at the first read (again: nothing); returns the stream."""
        if self._thread.ident is None:
            self._thread.start()
        return self

    def _pull(self, block_bytes: int) -> None:
        size, pulled = min(block_bytes, FIRST_BLOCK_BYTES), 0  # the header sample waits for less
        try:
            while not self._stop.is_set():
                with profile.stage("read.S3 ahead"):
                    block = self._source.read(size)
                pulled += len(block)
                size = block_bytes - pulled % block_bytes  # the next block ends at a multiple of block_bytes
                self._hand_over(block)
                if not block:
                    return
        except BaseException as exc:  # noqa: BLE001 - the reader raises it
            self._hand_over(exc)

    def _hand_over(self, item) -> None:
        while not self._stop.is_set():
            try:
                self._blocks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue  # the reader is busy; look at the stop flag again

    def _next_block(self) -> bytes:
        """The block after the current one (b"" at the end); raises what the source raised."""
        if self._ended:
            return b""
        self.start()  # at the latest at the first read: a stream never read or started has no thread to stop
        item = self._blocks.get()
        if isinstance(item, BaseException):
            self._ended = True
            raise item
        self._ended = not item
        return item

    def _fill(self) -> bool:
        """Makes the current block hold unread bytes; False at the end."""
        while self._offset >= len(self._block):
            block = self._next_block()
            if not block:
                return False
            self._block, self._offset = block, 0
        return True

    @profile.timed("read (S3 stream)")
    def read(self, n: int = -1) -> bytes:
        """n bytes (fewer only at the end; all that is left when n < 0); b"" at the end."""
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(BLOCK_BYTES), b""))
        pieces: list = []
        while n > 0 and self._fill():
            if self._offset == 0 and len(self._block) <= n:
                piece = self._block  # the whole block, without a copy
            else:
                piece = memoryview(self._block)[self._offset : self._offset + n]
            self._offset += len(piece)
            n -= len(piece)
            pieces.append(piece)
        if len(pieces) == 1 and isinstance(pieces[0], bytes):
            return pieces[0]
        return b"".join(pieces)  # one copy

    def peek(self, n: int = 1) -> bytes:
        """Up to n of the bytes the next read returns, without consuming them (fewer only at the end)."""
        while self._fill() and len(self._block) - self._offset < n and not self._ended:
            following = self._next_block()  # joined to the current block, which then ends where it did
            if not following:
                break
            self._block, self._offset = self._block[self._offset :] + following, 0
        return self._block[self._offset : self._offset + n]

    def close(self) -> None:
        self._stop.set()
        self._source.close()
