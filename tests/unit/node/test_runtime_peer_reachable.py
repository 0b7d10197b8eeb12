"""node/runtime.py: a peer that becomes reachable gets our current round's own messages
then, not at the next retransmission (NodeRuntime.peer_reachable, told by block sync)."""

import asyncio
from pathlib import Path

from node.runtime import NodeRuntime
from tests.kit.engine_config import scaled_timeouts
from tests.unit.node.chain_kit import VALIDATOR_KEYS, VALIDATOR_NAMES
from tests.unit.node.runtime_kit import (
    START_MS,
    FakeClock,
    Router,
    address_of,
    alive,
    all_equal_heads,
    heights,
    make_runtime,
    proposer_of,
    until,
)

NEVER_MS = 3_600_000
"""Every timeout an hour long: no timer fires while the test runs, so height 1 can only
commit on messages sent when the peers became reachable."""
SLOW = scaled_timeouts(propose_ms=NEVER_MS, retransmit_ms=NEVER_MS, cap_ms=NEVER_MS)


def test_peers_reachable_after_the_proposal_left_get_it_and_height_one_commits(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        clock, router = FakeClock(), Router()
        runtimes = [
            make_runtime(tmp_path / name, key, clock, router, timeouts=SLOW)
            for name, key in zip(VALIDATOR_NAMES, VALIDATOR_KEYS, strict=True)
        ]
        for runtime in runtimes:
            router.runtimes[runtime.key.public_key] = runtime
        proposer = proposer_of(runtimes, 1)
        late = [runtime for runtime in runtimes if runtime is not proposer]
        try:
            # The first node up proposes and prevotes while its peers do not listen yet.
            router.cut = {runtime.key.public_key for runtime in late}
            await proposer.start()
            await until(lambda: _own_messages(proposer) == 2, "the proposal and its prevote")
            for runtime in late:
                await runtime.start()
            await asyncio.sleep(0.05)  # their start-up broadcasts pass before the link heals
            router.cut = set()
            assert heights(runtimes) == [0, 0, 0]
            for runtime in late:
                proposer.peer_reachable(address_of(runtime.key.public_key))
            await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
            alive(runtimes)
            assert all_equal_heads(runtimes)
            certificate = proposer.ledger.certificate(1)
            assert certificate is not None and certificate.round == 0
            for runtime in runtimes:
                # No timer fired: the engines' clocks never left the start.
                assert runtime.replica is not None and runtime.replica.now_ms == START_MS
        finally:
            for runtime in runtimes:
                await runtime.stop()
                runtime.ledger.store.close()

    asyncio.run(main())


def _own_messages(runtime: NodeRuntime) -> int:
    """Messages the runtime signed in round 0 of its height: its proposal and votes."""
    replica = runtime.replica
    if replica is None:
        return 0
    own = replica.proposals.get(0)
    mine = int(own is not None and own.signed.proposer == replica.public_key)
    votes = replica.votes.voters_in_round(0)
    return mine + sum(1 for voter in votes if voter == replica.public_key)
