"""A thread pool that runs the waiting call of the lowest rank first: the outputs' uploads, where a
multipart upload's chain of requests (begin, parts, complete) goes before the files PUT whole that
were queued before its parts (`multipart`), so the chain does not start after them at the run's end;
its completion is queued only once its parts are in (`submit_after`), so it holds no thread meanwhile."""

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
        self._cancelled = False  # by `shutdown`: a call of `submit_after` not yet queued is cancelled

    def submit(self, rank: tuple, call: Callable, *args) -> Future:
        """A future of `call(*args)`. Raises RuntimeError after `shutdown`."""
        future: Future = Future()
        with self._lock:
            heapq.heappush(self._waiting, (rank, next(self._numbers), future, call, args))
        self._pool.submit(self._run_next)  # one run per call: each takes the best waiting one
        return future

    def submit_after(self, before: list[Future], rank: tuple, call: Callable, *args) -> Future:
        """As `submit`, but the call is queued only once every future in `before` is done (done,
        failed or cancelled): no thread waits on them. Cancelled instead when a `shutdown` that
        cancels came first; a `shutdown` that does not cancel must come after it is queued."""
        future: Future = Future()
        left = [len(before)]

        def one_done(_: Future | None = None) -> None:
            with self._lock:
                left[0] -= 1
                if left[0] > 0:
                    return
                queued = not self._cancelled
                if queued:
                    heapq.heappush(self._waiting, (rank, next(self._numbers), future, call, args))
            if not queued:
                future.cancel()
                future.set_running_or_notify_cancel()
                return
            try:
                self._pool.submit(self._run_next)
            except RuntimeError:  # shut down meanwhile: `shutdown` took the call and cancelled it
                pass

        for done in before:
            done.add_done_callback(one_done)
        if not before:
            left[0] = 1
            one_done()
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
