"""How a Lantan process settles CPython's cyclic garbage collector once its start-up is
done: the one mechanism behind the node's policy (node/gc_policy.py) and the audit's
(client/cli/audit_collector.py), which differ only in their young threshold and lifetime.

Collect once (garbage is not frozen with the rest), freeze what is left alive (start-up
objects that live to the end: no collection walks them again) and raise the young
generation's threshold, so young collections are rare and few objects are promoted towards
a full one. The older generations keep their thresholds. Reference counting still frees
everything acyclic at once, and cyclic garbage is still collected, only later.
"""

import gc


def freeze_start_up(young_threshold: int) -> tuple[int, int, int]:
    """Collect, freeze what is alive, set the young threshold; return the thresholds before."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, *before[1:])
    return before
