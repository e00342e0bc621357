"""The stage profiler: silent unless enabled, exact sums across threads."""

import io
import threading
import time

import pytest
from filter_and_process_orders import profile


@pytest.fixture(autouse=True)
def clean_totals():
    profile.reset()
    yield
    profile.reset()


def test_stages_record_nothing_unless_the_variable_enables_them(monkeypatch):
    monkeypatch.delenv(profile.ENV, raising=False)
    with profile.stage("parse"):
        pass
    assert profile.totals() == {}
    monkeypatch.setenv(profile.ENV, "0")
    with profile.stage("parse"):
        pass
    assert profile.totals() == {}


def test_calls_from_many_threads_are_all_counted(monkeypatch):
    monkeypatch.setenv(profile.ENV, "1")
    barrier = threading.Barrier(8)

    def work():
        barrier.wait()
        for _ in range(500):
            with profile.stage("clean.amount"):
                pass
            profile.add("write", 0.001, 0.0005)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    totals = profile.totals()
    assert totals["clean.amount"]["calls"] == 4000
    assert totals["write"]["calls"] == 4000
    assert totals["write"]["seconds"] == pytest.approx(4.0)
    assert totals["write"]["cpu_seconds"] == pytest.approx(2.0)


def test_a_stage_that_raises_is_still_timed_and_the_error_passes(monkeypatch):
    monkeypatch.setenv(profile.ENV, "1")
    with pytest.raises(ValueError), profile.stage("read"):
        raise ValueError("bad")
    assert profile.totals()["read"]["calls"] == 1


def test_the_report_lists_stages_in_first_seen_order_with_their_share_of_wall(monkeypatch):
    monkeypatch.setenv(profile.ENV, "1")
    profile.add("read", 1.0, 0.5)
    profile.add("parse", 3.0, 3.0)
    out = io.StringIO()
    profile.dump(out, wall=4.0)
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["read", "parse"]
    assert lines[1].split()[-1] == "25%" and lines[2].split()[-1] == "75%"


def test_a_timed_function_counts_each_call_and_returns_its_result(monkeypatch):
    monkeypatch.setenv(profile.ENV, "1")

    @profile.timed("grain")
    def double(x):
        return 2 * x

    assert [double(1), double(2)] == [2, 4]
    assert double.__name__ == "double"
    assert profile.totals()["grain"]["calls"] == 2


def test_the_report_shows_when_each_stage_first_began_and_last_ended(monkeypatch):
    monkeypatch.setenv(profile.ENV, "1")
    with profile.stage("parse"):
        pass
    began = profile.time.perf_counter() - profile._STARTED
    with profile.stage("write"):
        profile.time.sleep(0.05)
    with profile.stage("write"):
        pass
    ended = profile.time.perf_counter() - profile._STARTED
    row = next(line for line in profile.report().splitlines() if line.startswith("write "))
    first, last = (float(t) for t in row.split()[-1].split("-"))
    assert began - 0.01 <= first <= last <= ended + 0.01 and last - first >= 0.03


def test_the_timeline_draws_each_thread_s_stages_in_the_order_they_ran(monkeypatch):
    monkeypatch.setenv(profile.ENV, "1")
    with profile.stage("parse"):
        time.sleep(0.05)

    def work():
        with profile.stage("clean"), profile.stage("clean.amount"):  # a nested stage is not drawn
            time.sleep(0.05)

    cleaner = threading.Thread(target=work, name="cleaner")
    cleaner.start()
    cleaner.join()
    drawn = profile.timeline(columns=10).splitlines()
    rows = {line.split()[0]: line.split()[1] for line in drawn[1:]}
    assert set(rows) == {"MainThread", "cleaner"}
    assert rows["MainThread"].startswith("PP") and rows["MainThread"].endswith("..")
    assert rows["cleaner"].startswith("..") and rows["cleaner"].endswith("CC")
    assert set(rows["MainThread"] + rows["cleaner"]) == {"P", "C", "."}
    assert profile.report().endswith(profile.timeline())
