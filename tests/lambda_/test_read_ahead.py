"""The raw object read ahead of its parsing by a thread."""

import io
import random
import threading
import time

import pytest
from filter_and_process_orders import text
from filter_and_process_orders.read_ahead import FIRST_BLOCK_BYTES, ReadAhead


class Source(io.BytesIO):
    """A stream that can fail after `fail_after` bytes, as a dropped connection does."""

    def __init__(self, data: bytes, fail_after: int | None = None):
        super().__init__(data)
        self.fail_after = fail_after
        self.asked: list[int] = []
        self.returned: list[bytes] = []

    def read(self, n: int = -1) -> bytes:
        self.asked.append(n)
        if self.fail_after is not None and self.tell() + n > self.fail_after:
            raise ConnectionResetError("connection reset by peer")
        self.returned.append(super().read(n))
        return self.returned[-1]


def test_reads_of_any_size_give_the_source_bytes_in_order_each_as_many_as_asked_until_the_end():
    rng = random.Random(3)
    data = rng.randbytes(100_003)
    stream = ReadAhead(Source(data), block_bytes=4096, blocks_ahead=2)
    got, sizes = [], []
    while chunk := stream.read(size := rng.choice([1, 7, 4095, 4096, 4097, 20_000])):
        got.append(chunk)
        sizes.append((size, len(chunk)))
    stream.close()
    assert b"".join(got) == data
    assert all(size == length for size, length in sizes[:-1]) and sizes[-1][1] <= sizes[-1][0]
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


def test_blocks_end_at_multiples_of_the_block_size_after_a_smaller_head_and_peeking_consumes_nothing():
    data = random.Random(5).randbytes(5 * 1_000_000 + 17)
    source = Source(data)
    stream = ReadAhead(source, block_bytes=1_000_000, blocks_ahead=2)
    assert stream.peek(1000) == data[:1000]
    chunks = [stream.read(1_000_000) for _ in range(7)]
    stream.close()
    assert b"".join(chunks) == data and [len(c) for c in chunks] == [1_000_000] * 5 + [17, 0]
    assert source.asked[:4] == [FIRST_BLOCK_BYTES, 1_000_000 - FIRST_BLOCK_BYTES, 1_000_000, 1_000_000]


def test_a_peek_past_the_first_block_joins_the_blocks_it_needs_and_reads_go_on_from_the_start():
    data = bytes(range(256)) * 40
    stream = ReadAhead(Source(data), block_bytes=1000, blocks_ahead=2)
    assert stream.peek(2500) == data[:2500]
    assert stream.read(10) == data[:10]
    assert stream.read(3000) == data[10:3010]
    assert stream.read() == data[3010:]
    assert stream.peek(5) == b"" and stream.read(5) == b""
    stream.close()


def test_a_started_stream_pulls_its_first_blocks_before_any_read_and_reads_them_in_order():
    data = random.Random(7).randbytes(2_500_000)
    source = Source(data)
    stream = ReadAhead(source, block_bytes=1_000_000, blocks_ahead=2)
    assert stream.start() is stream and stream.start() is stream  # a second start does nothing
    # Only the thread fills the queue (blocks_ahead blocks: the head, then the rest of the first block).
    for _ in range(500):
        if stream._blocks.full():
            break
        time.sleep(0.01)
    assert stream._blocks.full() and source.asked[:2] == [FIRST_BLOCK_BYTES, 1_000_000 - FIRST_BLOCK_BYTES]
    assert stream.read() == data
    thread = stream._thread
    stream.close()
    thread.join(5)
    assert not thread.is_alive() and source.closed


def test_the_text_of_a_file_with_a_byte_order_mark_gets_the_blocks_after_the_first_as_pulled_uncopied(monkeypatch):
    # The mark is read off the first block only: reads 3 bytes off the blocks would each join two pieces.
    # Blocks larger than the header's sample (text.SAMPLE_BYTES), which a peek would join, as 4 MB ones are.
    size = 2 * text.SAMPLE_BYTES
    monkeypatch.setattr(text, "CHUNK_BYTES", size)
    data = b"\xef\xbb\xbforder_id,amount\n" + b"".join(b"A%d,%d.50\n" % (i, i) for i in range(50_000))
    source = Source(data)
    stream = ReadAhead(source, block_bytes=size, blocks_ahead=2)
    opened = text.open_text(stream)
    blocks = list(opened.blocks)
    stream.close()
    assert opened.encoding == "utf-8-sig" and b"".join(blocks) == data[3:]
    assert len(blocks) == len(data) // size + 1 > 4 and [len(b) for b in blocks[:2]] == [size - 3, size]
    assert all(any(block is pulled for pulled in source.returned) for block in blocks[1:])
