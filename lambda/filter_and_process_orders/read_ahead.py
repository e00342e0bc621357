"""The raw object read ahead of its parsing: a thread pulls the S3 stream into a few blocks while
the cleaner works on the previous ones, so the network's time (about 0.7 s per 66 MB from S3 at
Lambda's typical 90 MB/s) overlaps the parsing instead of adding to it."""

import queue
import threading

from . import profile

BLOCK_BYTES = 4 << 20  # a parse unit (text.CHUNK_BYTES)
BLOCKS_AHEAD = 3  # held at most: 12 MB
FIRST_BLOCK_BYTES = 256 << 10


class ReadAhead:
    """A `read(n)` stream over `source` (anything with read(n) and close(), e.g. botocore's
    StreamingBody) whose bytes a daemon thread reads ahead, up to `blocks_ahead` blocks. An
    exception raised by the source's read is raised by the read that reaches that point. The
    thread starts with the first read; `close()` stops it and closes the source."""

    def __init__(self, source, *, block_bytes: int = BLOCK_BYTES, blocks_ahead: int = BLOCKS_AHEAD):
        self._source = source
        self._blocks: queue.Queue = queue.Queue(maxsize=blocks_ahead)
        self._stop = threading.Event()
        self._block, self._offset, self._ended = b"", 0, False
        self._thread = threading.Thread(target=self._pull, args=(block_bytes,), name="read-ahead", daemon=True)

    def _pull(self, block_bytes: int) -> None:
        size = min(block_bytes, FIRST_BLOCK_BYTES)  # the header sample waits for less
        try:
            while not self._stop.is_set():
                with profile.stage("read.S3 ahead"):
                    block = self._source.read(size)
                size = block_bytes
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

    def read(self, n: int = -1) -> bytes:
        """Up to n bytes (all that is left when n < 0); b"" at the end."""
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(BLOCK_BYTES), b""))
        if self._thread.ident is None:
            self._thread.start()  # at the first read: a stream never read has no thread to stop
        while self._offset >= len(self._block) and not self._ended:
            item = self._blocks.get()
            if isinstance(item, BaseException):
                self._ended = True
                raise item
            self._block, self._offset, self._ended = item, 0, not item
        if self._offset == 0 and len(self._block) <= n:
            data = self._block  # the whole block, without a copy
        else:
            data = self._block[self._offset : self._offset + n]
        self._offset += len(data)
        return data

    def close(self) -> None:
        self._stop.set()
        self._source.close()
