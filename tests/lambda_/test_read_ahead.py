"""The raw object read ahead of its parsing by a thread."""

import io
import random
import threading

import pytest
from filter_and_process_orders.read_ahead import ReadAhead


class Source(io.BytesIO):
    """A stream that can fail after `fail_after` bytes, as a dropped connection does."""

    def __init__(self, data: bytes, fail_after: int | None = None):
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, n: int = -1) -> bytes:
        if self.fail_after is not None and self.tell() + n > self.fail_after:
            raise ConnectionResetError("connection reset by peer")
        return super().read(n)


def test_reads_of_any_size_give_the_source_bytes_in_order():
    rng = random.Random(3)
    data = rng.randbytes(100_003)
    stream = ReadAhead(Source(data), block_bytes=4096, blocks_ahead=2)
    got = []
    while chunk := stream.read(rng.choice([1, 7, 4095, 4096, 4097, 20_000])):
        got.append(chunk)
    stream.close()
    assert b"".join(got) == data
    assert ReadAhead(Source(data), block_bytes=1000).read() == data  # read() with no size: all of it


def test_a_failing_source_raises_in_the_reader_after_the_bytes_before_it():
    data = bytes(range(256)) * 100
    stream = ReadAhead(Source(data, fail_after=10_000), block_bytes=1000, blocks_ahead=2)
    got = b""
    with pytest.raises(ConnectionResetError):
        while chunk := stream.read(300):
            got += chunk
    assert got == data[: len(got)] and len(got) >= 9_000
    stream.close()


def test_closing_stops_the_thread_of_a_stream_read_in_part_and_a_stream_never_read_has_none():
    source = Source(bytes(1_000_000))
    stream = ReadAhead(source, block_bytes=1000, blocks_ahead=2)
    assert stream.read(10) == bytes(10)
    thread = stream._thread
    stream.close()
    thread.join(5)
    assert not thread.is_alive() and source.closed
    before = threading.active_count()
    unread = ReadAhead(Source(b"a,b\n"))
    unread.close()
    assert threading.active_count() == before
