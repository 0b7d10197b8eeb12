"""CPU seconds by thread kind: lantan_thread_cpu_seconds_total{thread=...} (issue 20).

A node's CPU is spread over the event loop (`main`), the consensus worker that builds,
validates and commits blocks (`lantan-worker`), tx admission (`admission`), block sync and
smaller pools, and threads Python never started: LevelDB's compaction thread, whose work
grows with the database and which no Python profiler samples (docs/PERFORMANCE.md
"What the ratio is bound by"). process_cpu_seconds_total sums them all; this splits them, so
an operator can see whether a slower node is executing more or compacting more.

Read from /proc/self/task/<tid>/stat at scrape time (Linux; elsewhere nothing is exported).
A Python thread is named by its threading name without the pool's `_<n>` suffix; every
thread Python does not know is `native`. Threads that exited are no longer counted, so a
series may step down when a pool thread ends (rare: the node's pools live as long as it).
"""

import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

NATIVE = "native"
"""The kind of every thread Python did not start (LevelDB's background thread)."""
MAIN = "main"
_POOL_SUFFIX = re.compile(r"_\d+$")
_TASKS = Path("/proc/self/task")


def thread_kind(name: str, is_main: bool) -> str:
    """The label of a Python thread: `main`, or its name without a pool's `_<n>` suffix."""
    return MAIN if is_main else _POOL_SUFFIX.sub("", name)


def cpu_ticks(stat_line: str) -> int:
    """utime + stime, in clock ticks, of one /proc/<pid>/task/<tid>/stat line. The command
    name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'."""
    fields = stat_line.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cpu_by_kind(
    ticks_by_tid: Mapping[int, int], kind_by_tid: Mapping[int, str], ticks_per_second: int
) -> dict[str, float]:
    """Seconds of CPU summed per thread kind; a tid without a kind is NATIVE."""
    seconds: dict[str, float] = {}
    for tid, ticks in ticks_by_tid.items():
        kind = kind_by_tid.get(tid, NATIVE)
        seconds[kind] = seconds.get(kind, 0.0) + ticks / ticks_per_second
    return seconds


def python_thread_kinds(threads: Iterable[threading.Thread]) -> dict[int, str]:
    main = threading.main_thread()
    return {
        thread.native_id: thread_kind(thread.name, thread is main)
        for thread in threads
        if thread.native_id is not None
    }


def read_task_ticks(tasks: Path = _TASKS) -> dict[int, int]:
    """CPU ticks of every thread of this process; a thread that ends mid-read is skipped."""
    ticks: dict[int, int] = {}
    try:
        entries = list(tasks.iterdir())
    except OSError:
        return ticks
    for entry in entries:
        try:
            ticks[int(entry.name)] = cpu_ticks((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue
    return ticks


class ThreadCpuCollector(Collector):
    """lantan_thread_cpu_seconds_total by thread kind, read at each scrape."""

    def collect(self) -> Iterator[Metric]:
        ticks = read_task_ticks()
        if not ticks:
            return
        family = CounterMetricFamily(
            "lantan_thread_cpu_seconds",
            "CPU seconds (user + system) of this process's live threads, by kind: main "
            "(event loop), lantan-worker (blocks), admission (txs), native (LevelDB's "
            "compaction and other threads Python did not start), ...",
            labels=["thread"],
        )
        kinds = python_thread_kinds(threading.enumerate())
        for kind, seconds in sorted(cpu_by_kind(ticks, kinds, os.sysconf("SC_CLK_TCK")).items()):
            family.add_metric([kind], seconds)
        yield family
