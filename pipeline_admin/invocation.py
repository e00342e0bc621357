"""One Lambda invocation in a child process, as Lambda runs it: its own memory, held to a limit.

The local runtime used to call the handler in its own long-lived process, next to Django and the
boto3 clients, so the RSS the issue measured (882 MB for a 1 GB file) was the runtime's high-water
mark (Django and the app's imports, plus allocator arenas pyarrow and the cleaning threads never
hand back), not the handler's. Here each invocation is forked from a forkserver that has imported
only the handler's package; the child's peak RSS is the handler's, it is watched every 0.2 s and
the child is killed past `memory_mb` (Lambda's "Runtime exited ... memory limit exceeded": the
messages stay on the queue and are retried), and its memory is returned when it exits.
No Django here: the forkserver imports this module.
"""

import ctypes
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["filter_and_process_orders.handler"])


@dataclass(frozen=True)
class Invocation:
    """What one invocation returned. `response` is the handler's (None when it raised or was killed);
    `error` says why not; `peak_rss_mb` is the child's high-water mark."""

    response: dict | None
    error: str
    peak_rss_mb: int


def _child(event: dict, environment: dict[str, str], results) -> None:
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the runtime
    except (OSError, AttributeError):
        pass
    os.environ.update(environment)
    from filter_and_process_orders.handler import lambda_handler

    try:
        response, error = lambda_handler(event, None), ""
    except Exception as exc:  # noqa: BLE001 - reported to the runtime, which leaves the batch queued
        import traceback

        traceback.print_exc()
        response, error = None, f"the handler raised {type(exc).__name__}: {exc}"
    results.send((response, error, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))


def _rss_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def invoke(
    event: dict, *, environment: dict[str, str], memory_mb: int, stop: Callable[[], bool] = lambda: False
) -> Invocation:
    """Run `lambda_handler(event)` in a child; kill it past `memory_mb` of RSS or when `stop()` is true."""
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(event, environment, sender), daemon=True)
    child.start()
    sender.close()
    pid = child.pid or 0
    peak, error = 0, ""
    try:
        while not receiver.poll(0.2):
            peak = max(peak, _rss_mb(pid))
            if peak > memory_mb:
                error = f"memory limit exceeded: {peak} MB used, {memory_mb} MB allowed"
            elif stop():
                error = "the runtime is stopping"
            elif child.exitcode is not None:
                error = f"the invocation exited with code {child.exitcode} without a response"
            if error:
                return Invocation(None, error, peak)
        response, error, child_peak = receiver.recv()
        return Invocation(response, error, max(peak, child_peak))
    except EOFError:
        return Invocation(None, f"the invocation died (exit code {child.exitcode})", peak)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
