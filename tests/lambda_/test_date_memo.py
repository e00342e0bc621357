"""The date memo is shared by the threads that clean a file's chunks: a read on one thread while
another thread adds to it gets the same dates as a read without a memo."""

import threading
import time

import pyarrow as pa
from filter_and_process_orders import dates
from filter_and_process_orders.dates import DateMemo


class _PausingArrow:
    """pyarrow, except that the second concat_arrays of a memo update (the dates, after the texts)
    pauses: the moment another thread's read may come in."""

    def __init__(self):
        self.calls = 0

    def __getattr__(self, name):
        return getattr(pa, name)

    def concat_arrays(self, arrays):
        self.calls += 1
        if self.calls == 2:
            time.sleep(0.3)
        return pa.concat_arrays(arrays)


def test_a_read_while_another_thread_adds_dates_gets_the_right_dates(monkeypatch):
    memo = DateMemo()
    memo.read(pa.array(["2025-01-01"]), False)
    monkeypatch.setattr(dates, "pa", _PausingArrow())
    adding = threading.Thread(target=memo.read, args=(pa.array(["2025-02-02", "2025-03-03"]), False))
    adding.start()
    time.sleep(0.1)  # the other thread is now inside its update
    monkeypatch.setattr(dates, "pa", pa)
    try:
        read = memo.read(pa.array(["2025-03-03", "2025-01-01"]), False).to_pylist()
    finally:
        adding.join()
    assert [str(day) for day in read] == ["2025-03-03", "2025-01-01"]
    after = memo.read(pa.array(["2025-02-02", "2025-03-03"]), False).to_pylist()
    assert [str(day) for day in after] == ["2025-02-02", "2025-03-03"]
