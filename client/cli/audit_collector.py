"""How `lantan audit` runs Python's cyclic garbage collector: the one place that says so.

Why: the audit allocates a few container objects per tx that live (the state it replays,
the fetched JSON of the next window), and CPython's collector, with its default young
threshold of 700, runs a young collection every ~60 txs and, every 7,000-10,000 txs, a
full one that walks everything the process holds: the imports, the genesis, the audit's state. That
was 12.6-13.7 % of the replaying thread, 6-9 us per tx in full collections alone
(docs/PERFORMANCE.md, "the collector, and signatures ahead in a process"), all of it with
the GIL held.

So, once start-up is done: collect once (garbage is not frozen with the rest), freeze what
is left (start-up objects that live to the end are never walked again), and raise the young
threshold so young collections are rare and few objects are promoted towards a full
collection. Reference counting still frees everything acyclic at once, and the collector
still runs, so cyclic garbage is still freed: peak RSS of a 50,000-tx replay was unchanged
(measured in the same section). Freezing again later (after each block) was measured too
and left out: it froze the cyclic garbage of the fetched windows, +27 MB at 50,000 txs.

scripts/bench_audit.py times its audits under the same policy.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from client.collector import freeze_start_up

YOUNG_THRESHOLD: Final = 10_000
"""Net new container objects between young collections during an audit (CPython's default:
700). With the start-up heap frozen, 10,000 left the collector under 2 % of the audit's
CPU; the older generations keep their default thresholds."""


@contextmanager
def audit_collector() -> Iterator[None]:
    """Run the body (the audit proper, start-up done) under the audit's collector policy;
    the collector's thresholds and the frozen heap are restored after, so an in-process
    caller (a test) gets its own collector back. A heap some other code had already frozen
    is left frozen: gc.unfreeze() cannot tell its objects from ours."""
    frozen_before = gc.get_freeze_count()
    thresholds = freeze_start_up(YOUNG_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if frozen_before == 0:
            gc.unfreeze()
