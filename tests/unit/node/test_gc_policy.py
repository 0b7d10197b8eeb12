"""node/gc_policy.py: start-up objects frozen, thresholds raised (in a child interpreter, so
this test process keeps its own collector settings)."""

import json
import subprocess
import sys

from node.gc_policy import YOUNG_ALLOCATIONS

_CHILD = """
import gc, json
import node.server  # what a node imports before it settles
before = gc.get_freeze_count()
from node.gc_policy import settle_after_start
settle_after_start()
seen = {"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}
print(json.dumps({"before": before, **seen}))
"""


def test_start_up_is_frozen_and_collections_come_rarer() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    seen = json.loads(done.stdout)
    assert seen["before"] == 0
    # The web framework alone leaves tens of thousands of objects alive for good.
    assert seen["frozen"] > 10_000
    # The older generations keep CPython's 10 and 10 (1.11x RSS at 10^5 txs; 20 and 50: 1.19x).
    assert tuple(seen["threshold"]) == (YOUNG_ALLOCATIONS, 10, 10)
    assert YOUNG_ALLOCATIONS > 700  # CPython's default, which the policy exists to raise


def test_the_node_settles_its_collector_before_it_serves() -> None:
    # serve() is the one entry of a node process; the policy must run there, after
    # build_node and make_app (what start-up leaves alive) and before uvicorn.
    import inspect

    from node import server

    source = inspect.getsource(server.serve)
    assert source.index("make_app(node)") < source.index("settle_after_start()")
    assert source.index("settle_after_start()") < source.index("uvicorn.run(")
