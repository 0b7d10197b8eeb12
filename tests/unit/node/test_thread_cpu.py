"""node/metrics/thread_cpu.py: CPU seconds by thread kind, from /proc's per-thread stat."""

import hashlib
import threading
from pathlib import Path

import pytest

from node.metrics.registry import NodeMetrics
from node.metrics.thread_cpu import (
    MAIN,
    NATIVE,
    cpu_by_kind,
    cpu_ticks,
    python_thread_kinds,
    read_task_ticks,
    thread_kind,
)


def stat_line(comm: str, utime: int, stime: int) -> str:
    # Fields after the command name: state, then 10 more before utime (field 14).
    return f"4242 ({comm}) S 1 2 3 4 5 6 7 8 9 10 {utime} {stime} 0 0 20 0 1 0\n"


def test_ticks_are_counted_after_the_command_name_even_with_spaces_and_parens() -> None:
    assert cpu_ticks(stat_line("python", 120, 30)) == 150
    assert cpu_ticks(stat_line("a) b (c", 7, 5)) == 12


def test_pool_suffixes_are_dropped_and_the_main_thread_is_main() -> None:
    assert thread_kind("lantan-worker_0", is_main=False) == "lantan-worker"
    assert thread_kind("admission_1", is_main=False) == "admission"
    assert thread_kind("AnyIO worker thread", is_main=False) == "AnyIO worker thread"
    assert thread_kind("MainThread", is_main=True) == MAIN


def test_threads_python_does_not_know_are_native_and_kinds_are_summed() -> None:
    seconds = cpu_by_kind(
        {1: 200, 2: 100, 3: 50, 9: 300}, {1: MAIN, 2: "admission", 3: "admission"}, 100
    )
    assert seconds == {MAIN: 2.0, "admission": 1.5, NATIVE: 3.0}


def test_a_thread_that_ended_or_a_garbled_stat_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "11").mkdir()
    (tmp_path / "11" / "stat").write_text(stat_line("python", 3, 4))
    (tmp_path / "12").mkdir()  # ended between the listing and the read: no stat file
    (tmp_path / "13").mkdir()
    (tmp_path / "13" / "stat").write_text("13 (python) S 1\n")
    assert read_task_ticks(tmp_path) == {11: 7}
    assert read_task_ticks(tmp_path / "absent") == {}


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux /proc only")
def test_a_busy_named_thread_shows_under_its_kind_in_the_registry() -> None:
    spun, release = threading.Event(), threading.Event()

    def spin() -> None:
        data = b"x" * 4096
        for _ in range(20_000):
            data = hashlib.sha256(data).digest() * 128
        spun.set()
        release.wait(10)

    worker = threading.Thread(target=spin, name="spinner_3")
    worker.start()
    try:
        assert spun.wait(30)
        kinds = python_thread_kinds(threading.enumerate())
        assert kinds[threading.get_native_id()] == MAIN
        assert worker.native_id is not None and kinds[worker.native_id] == "spinner"
        value = NodeMetrics().registry.get_sample_value
        spinner = value("lantan_thread_cpu_seconds_total", {"thread": "spinner"})
        main = value("lantan_thread_cpu_seconds_total", {"thread": MAIN})
        assert spinner is not None and spinner > 0
        assert main is not None and main > 0
    finally:
        release.set()
        worker.join()
    # An ended thread is no longer counted.
    after = NodeMetrics().registry.get_sample_value
    assert after("lantan_thread_cpu_seconds_total", {"thread": "spinner"}) is None
