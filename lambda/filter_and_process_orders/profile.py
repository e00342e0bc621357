"""Per-stage timings of the cleaner, collected only when the ORDERS_PROFILE environment variable is set.

    with profile.stage("clean.amount"):
        ...

    @profile.timed("parse")
    def parse_chunk(...): ...

Stages nest by name only (`clean` and `clean.amount` are separate totals). Cleaning runs on worker
threads, so totals are summed over threads under a lock: a stage's seconds can exceed the run's
wall time. Each stage records calls, wall seconds (time.perf_counter) and the calling thread's CPU
seconds (time.thread_time). When the variable is unset, `stage` returns one shared no-op context
manager and costs a dictionary lookup per call. `make bench-lambda ARGS=--profile` prints them, and
the timeline of the stages in MARKS thread by thread (`timeline`).
"""

import functools
import os
import sys
import threading
import time
from contextlib import contextmanager, nullcontext

ENV = "ORDERS_PROFILE"
_NOTHING = nullcontext()
_lock = threading.Lock()
_totals: dict[str, list[float]] = {}  # name -> [calls, wall seconds, thread CPU seconds], in first-seen order
_spans: dict[str, list[float]] = {}  # name -> [first start, last end], seconds since this module was imported
_STARTED = time.perf_counter()
# The stages the timeline draws, a letter each: the work that takes a thread's time (nested stages
# of one of them are not drawn).
MARKS = {
    "read.S3 ahead": "r", "parse": "P", "decide.evidence": "E", "clean": "C", "spool": "S", "dedup.evidence": "V",
    "grain": "G", "write.by month": "M", "write.wait": "w", "write.thread (Parquet)": "W", "write.upload.put": "U",
}  # fmt: skip
_events: list[tuple[str, str, float, float, float]] = []  # MARKS' stages: name, thread, start, end, CPU s


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def stage(name: str):
    """A context manager that adds the time spent inside it to the stage `name` (a no-op unless enabled)."""
    return _timed(name) if enabled() else _NOTHING


def timed(name: str):
    """Decorator: every call of the function is timed as the stage `name` (a no-op unless enabled)."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with stage(name):
                return function(*args, **kwargs)

        return wrapper

    return decorate


@contextmanager
def _timed(name: str):
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        end, used = time.perf_counter(), time.thread_time() - cpu
        add(name, end - wall, used)
        with _lock:
            span = _spans.setdefault(name, [wall - _STARTED, 0.0])
            span[1] = end - _STARTED
            if name in MARKS:
                _events.append((name, threading.current_thread().name, wall - _STARTED, end - _STARTED, used))


def add(name: str, wall: float, cpu: float = 0.0, calls: int = 1) -> None:
    """Adds measured seconds to a stage (for times measured elsewhere, e.g. by a callback)."""
    with _lock:
        entry = _totals.setdefault(name, [0, 0.0, 0.0])
        entry[0] += calls
        entry[1] += wall
        entry[2] += cpu


def totals() -> dict[str, dict]:
    """{stage: {"calls": int, "seconds": float, "cpu_seconds": float}} in the order stages were first seen."""
    with _lock:
        return {name: {"calls": int(c), "seconds": w, "cpu_seconds": u} for name, (c, w, u) in _totals.items()}


def reset() -> None:
    with _lock:
        _totals.clear()
        _spans.clear()
        _events.clear()


def report(wall: float | None = None) -> str:
    """The totals as a table; with the run's `wall` seconds, each stage's share of it. `from-to` is
    when the stage first began and last ended, in seconds since the package was imported: the
    timeline that shows which stages overlap and which wait for each other."""
    lines = [f"{'stage':<32}{'calls':>8}{'seconds':>10}{'CPU s':>9}{'of wall':>9}{'from-to':>14}"]
    for name, t in totals().items():
        share = f"{t['seconds'] / wall:>8.0%}" if wall else " " * 8
        span = _spans.get(name)
        when = f"{span[0]:>7.2f}-{span[1]:<6.2f}" if span else ""
        lines.append(f"{name:<32}{t['calls']:>8}{t['seconds']:>10.3f}{t['cpu_seconds']:>9.3f} {share}{when}")
    drawn = timeline()
    return "\n".join(lines + ([drawn] if drawn else []))


def timeline(columns: int = 100) -> str:
    """MARKS' stages thread by thread, from the first one's start to the last one's end in at most
    `columns` characters (each the letter of the stage that filled most of its time, "." none), and
    per thread the seconds inside those stages and their CPU seconds. A thread's dots between its
    stages are waits for work (or work no stage times); a stage's seconds above its CPU seconds are
    waits inside it (for the GIL, or for a core). "" when no such stage ran."""
    with _lock:
        events = list(_events)
    if not events:
        return ""
    first, last = min(e[2] for e in events), max(e[3] for e in events)
    step = max(0.01, round((last - first) / columns + 0.005, 2))
    bins = int((last - first) / step) + 1
    rows: dict[str, list[list]] = {}
    sums: dict[str, list[float]] = {}
    for name, thread, start, end, cpu in events:
        row = rows.setdefault(thread, [[0.0, "."] for _ in range(bins)])
        for i in range(int((start - first) / step), min(bins, int((end - first) / step) + 1)):
            filled = min(end, first + (i + 1) * step) - max(start, first + i * step)
            if filled > row[i][0]:
                row[i] = [filled, MARKS[name]]
        total = sums.setdefault(thread, [0.0, 0.0])
        total[0], total[1] = total[0] + end - start, total[1] + cpu
    legend = ", ".join(f"{mark} {name}" for name, mark in MARKS.items())
    lines = [f"timeline from {first:.2f} s, one character per {step:.2f} s ({legend}):"]
    for thread, row in rows.items():
        busy, cpu = sums[thread]
        lines.append(f"{thread[:24]:<24} {''.join(mark for _, mark in row)}  {busy:.2f} s, {cpu:.2f} CPU s")
    return "\n".join(lines)


def dump(stream=None, wall: float | None = None) -> None:
    """Writes `report(wall)` to `stream` (standard error by default) when profiling is enabled."""
    if enabled() and _totals:
        print(report(wall), file=stream or sys.stderr, flush=True)
