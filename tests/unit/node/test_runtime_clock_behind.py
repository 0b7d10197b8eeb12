"""A validator whose clock is behind by more than max_clock_drift_ms commits the block a
quorum certified once its clock has passed the block's time (found at stop 48 by the chaos
pass, fixed the same stop by ADR 0040's runtime change).

node/runtime.py `_validate` checks a proposal's time_ms against this node's clock
(protocol/block_check.py: "time_ms is N ms ahead"). Before the fix it answered the block
invalid at once; the engine kept that answer for the height (ReplicaState.validity),
prevoted nil (right: the time bound is a prevote rule) and then, in consensus/decision.py
`decide`, also refused to commit the block a quorum precommitted, because it was "not
valid": only block sync, two heights behind, brought it, and /readyz flapped "syncing".
Now a block at most 60 s ahead gets no answer until this clock has caught up, then is
validated again, and the victim decides it from the precommits it holds.
"""

import asyncio
from pathlib import Path

from tests.unit.node.chain_kit import VALIDATOR_KEYS, VALIDATOR_NAMES, account_open
from tests.unit.node.runtime_kit import (
    FakeClock,
    Router,
    give_work,
    make_runtime,
    proposer_of,
    until,
)

BEHIND_MS = 3_000
"""More than the genesis max_clock_drift_ms (2 s); at 1 s behind the same test passes."""


def test_a_validator_behind_in_time_commits_a_certified_block(tmp_path: Path) -> None:
    async def main() -> None:
        clock, behind, router = FakeClock(), FakeClock(), Router()
        runtimes = []
        for name, key in zip(VALIDATOR_NAMES, VALIDATOR_KEYS, strict=True):
            runtimes.append(make_runtime(tmp_path / name, key, clock, router))
        for runtime in runtimes:
            router.runtimes[runtime.key.public_key] = runtime
        try:
            for runtime in runtimes:
                await runtime.start()
            await until(lambda: all(r.ledger.height == 1 for r in runtimes), "height 1")
            proposer = proposer_of(runtimes, 2)
            victim = next(r for r in runtimes if r is not proposer)
            behind.now = clock.now - BEHIND_MS
            victim.clock = victim.blocks.clock = behind  # the validation clock too
            tx = account_open(1)
            for runtime in runtimes:
                give_work(runtime, tx)
            others = [r for r in runtimes if r is not victim]
            await until(lambda: all(r.ledger.height == 2 for r in others), "height 2 at the others")
            # Two seconds pass on the victim's clock (the fake clocks move only when told):
            # the block is now within max_clock_drift_ms of it, though 1 s ahead still.
            behind.now += 2_000
            await until(lambda: victim.ledger.height == 2, "height 2 at the victim", 5)
        finally:
            for runtime in runtimes:
                await runtime.stop()
                runtime.ledger.store.close()

    asyncio.run(main())
