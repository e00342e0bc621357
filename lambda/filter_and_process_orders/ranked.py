"""A thread pool that runs the waiting call of the lowest rank first: the outputs' uploads, where a
multipart upload's chain (begin, parts, completion queued once the parts are in: `submit_after`) goes
before the files PUT whole queued before it (`multipart`), so it does not start after them at the end."""

import contextlib
import heapq
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class RankedPool:
    """`threads` threads; `submit(rank, fn, *args)` queues a call, run before every waiting call of a
    higher rank (ranks compare as tuples do; equal ranks run in the order submitted). A call may
    wait on another only if that one ranks lower or equal and was submitted before it: that one is
    then under way, so no thread waits on a call that no thread has taken."""

    def __init__(self, threads: int, thread_name_prefix: str):
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=thread_name_prefix)
        self._waiting: list[tuple] = []  # heap of (rank, number, future, call, args)
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._cancelled = False  # by `shutdown`: a `submit_after` call not yet queued never will be

    def submit(self, rank: tuple, call: Callable, *args) -> Future:
        """A future of `call(*args)`. Raises RuntimeError after `shutdown`."""
        future: Future = Future()
        with self._lock:
            heapq.heappush(self._waiting, (rank, next(self._numbers), future, call, args))
        self._pool.submit(self._run_next)  # one run per call: each takes the best waiting one
        return future

    def submit_after(self, before: list[Future], rank: tuple, call: Callable, *args) -> Future:
        """As `submit`, queued once every future in `before` (not empty) is done: no thread waits on
        them. Cancelled if a `shutdown` that cancels comes first (one that does not must come after)."""
        future: Future = Future()
        left = [len(before)]

        def one_done(_: Future) -> None:
            with self._lock:
                left[0] -= 1
                last, queued = not left[0], not (left[0] or self._cancelled)
                if queued:
                    heapq.heappush(self._waiting, (rank, next(self._numbers), future, call, args))
            if queued:
                with contextlib.suppress(RuntimeError):  # shut down since: `shutdown` cancelled it
                    self._pool.submit(self._run_next)
            elif last:
                future.cancel()
                future.set_running_or_notify_cancel()

        for done in before:
            done.add_done_callback(one_done)
        return future

    def _run_next(self) -> None:
        with self._lock:
            if not self._waiting:  # cancelled by `shutdown`
                return
            _, _, future, call, args = heapq.heappop(self._waiting)
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = call(*args)
        except BaseException as exc:  # noqa: BLE001 - the caller's, through the future
            future.set_exception(exc)
        else:
            future.set_result(result)

    def shutdown(self, cancel: bool = False) -> None:
        """Waits for the calls under way, and unless `cancel` for the waiting ones too; with `cancel`
        the calls not begun are cancelled first (their futures say so)."""
        if cancel:
            with self._lock:
                left, self._waiting, self._cancelled = self._waiting, [], True
            for _, _, future, _, _ in left:
                future.cancel()
                future.set_running_or_notify_cancel()  # wakes `concurrent.futures.wait` on it
        self._pool.shutdown(wait=True, cancel_futures=cancel)
