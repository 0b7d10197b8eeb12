"""The node's cyclic garbage collector, set once its start-up is done (PERFORMANCE.md
"Request bounds at C speed, and the node's garbage collector").

With CPython's default thresholds (700, 10, 10) a validator under `lantan bench --txs 5000`
ran ~400 young, ~37 middle and 3 full collections; each full one took 60-80 ms and walked
every object the process holds, most of them made at start-up and alive for good (the web
framework, the schemas, the genesis). Together ~0.3 s of CPU per validator for 5,000 txs,
and a 60-80 ms pause of whichever thread allocated at the wrong moment.

After start-up (client/collector.py) everything alive is frozen, and a
young collection waits for 20,000 net allocations instead of 700. Memory is still freed by
reference counting the moment it is unreachable; only garbage in reference cycles waits,
for at most one young collection, or longer if it survived one (each older generation is
collected after 10 of the one below, CPython's default). The node makes few such cycles per
block (OPERATIONS.md "Memory"); the scale bench's RSS rows are the check: 1.11x from 10^4 to
10^5 txs with these settings, 1.19x with the older generations at 20 and 50.
"""

from client.collector import freeze_start_up

YOUNG_ALLOCATIONS = 20_000
"""Net new container objects between young collections (CPython's default: 700); the older
generations keep CPython's 10 and 10."""


def settle_after_start() -> None:
    """Collect once, freeze what start-up left alive, and raise the young threshold."""
    freeze_start_up(YOUNG_ALLOCATIONS)
