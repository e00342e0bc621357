"""The uploads' thread pool: the waiting call of the lowest rank goes first; a shutdown that cancels
leaves no call waiting on a thread."""

import threading
from concurrent.futures import wait

from filter_and_process_orders.ranked import RankedPool


def held_pool() -> tuple[RankedPool, threading.Event]:
    """A pool of one thread, held by a call until the event is set."""
    pool, started, release = RankedPool(1, thread_name_prefix="test-ranked"), threading.Event(), threading.Event()
    pool.submit((0,), lambda: (started.set(), release.wait(10)))
    assert started.wait(10)
    return pool, release


def test_the_waiting_call_of_the_lowest_rank_runs_first_equal_ranks_in_the_order_submitted():
    pool, release = held_pool()
    ran: list[str] = []
    for name, rank in [("last", (2,)), ("second", (1, -5)), ("third", (1, -5)), ("fourth", (1, 0)), ("first", (0,))]:
        pool.submit(rank, ran.append, name)
    release.set()
    pool.shutdown()
    assert ran == ["first", "second", "third", "fourth", "last"]


def test_a_call_that_fails_raises_through_its_future_and_the_others_still_run():
    pool = RankedPool(2, thread_name_prefix="test-ranked")
    failed, done = pool.submit((0,), int, "not a number"), pool.submit((1,), sum, [1, 2])
    pool.shutdown()
    assert isinstance(failed.exception(), ValueError) and done.result() == 3


def test_a_shutdown_that_cancels_cancels_what_waits_and_waits_for_what_runs():
    pool, release = held_pool()
    ran: list[str] = []
    waiting = [pool.submit((1,), ran.append, name) for name in ("a", "b")]
    stopping = threading.Thread(target=pool.shutdown, kwargs={"cancel": True})
    stopping.start()
    assert wait(waiting, timeout=10).not_done == set()  # cancelled while the first call still runs
    release.set()
    stopping.join(10)
    assert not stopping.is_alive() and all(f.cancelled() for f in waiting) and ran == []


def test_a_call_submitted_after_others_is_queued_only_once_they_are_done_and_holds_no_thread_meanwhile():
    pool, release = held_pool()
    ran: list[str] = []
    first = pool.submit((1,), ran.append, "first")
    after = pool.submit_after([first], (0,), ran.append, "after")  # ranks lowest, but waits for `first`
    pool.submit((2,), ran.append, "last")  # queued before `after`, run after it
    assert not after.done()
    release.set()
    assert after.result(10) is None
    pool.shutdown()
    assert ran == ["first", "after", "last"]


def test_a_shutdown_that_cancels_cancels_a_call_whose_others_were_not_done():
    pool, release = held_pool()
    waiting = pool.submit((1,), int, "1")
    after = pool.submit_after([waiting], (0,), int, "2")
    stopping = threading.Thread(target=pool.shutdown, kwargs={"cancel": True})
    stopping.start()
    assert wait([after], timeout=10).not_done == set()
    release.set()
    stopping.join(10)
    assert not stopping.is_alive() and waiting.cancelled() and after.cancelled()
