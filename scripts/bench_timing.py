"""The one timing loop of the micro-benchmarks (bench_log.py, bench_protocol.py).

Scripts run as `python scripts/NAME.py`, which puts scripts/ on sys.path: they import
this module by its bare name.
"""

import time
from collections.abc import Callable


def per_op_us(label: str, count: int, operation: Callable[[int], object]) -> None:
    """Run operation(0) .. operation(count - 1) and print the microseconds per call.

    CPU time is printed beside elapsed time: on a shared box it is the steadier figure."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for index in range(count):
        operation(index)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(
        f"{label:<44} {elapsed * 1e6 / count:9.2f} us/op  cpu {cpu * 1e6 / count:7.2f} us/op"
        f"   ({count} ops, {elapsed:.2f} s)"
    )
