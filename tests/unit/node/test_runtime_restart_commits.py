"""node/runtime.py: a restarted replica holds the decisions of its last stored heights, so a
peer stopped one block behind is pushed the block it missed (consensus/catchup.py). Before,
the decisions lived only in memory: the peer, one height behind (which block sync leaves to
consensus), and the restarted replicas, which no longer held the decision, waited on each
other forever (one run in five of the one-at-a-time restart test)."""

import asyncio
from pathlib import Path

from consensus import CommitMessage
from tests.unit.node.chain_kit import VALIDATOR_KEYS, VALIDATOR_NAMES, build_and_commit
from tests.unit.node.runtime_kit import FakeClock, make_runtime


def test_a_restarted_replica_holds_its_last_decisions_to_push(tmp_path: Path) -> None:
    async def main() -> tuple[dict[int, CommitMessage], dict[int, bytes | None]]:
        runtime = make_runtime(tmp_path / VALIDATOR_NAMES[0], VALIDATOR_KEYS[0], FakeClock())
        hashes = {build_and_commit(runtime.ledger).block_hash for _ in range(3)}
        stored = {height: runtime.ledger.store.get_block(height) for height in (1, 2, 3)}
        try:
            await runtime.start()
            assert runtime.replica is not None and runtime.replica.height == 4
            decisions = dict(runtime.replica.decisions)
        finally:
            await runtime.stop()
            runtime.ledger.store.close()
        assert {d.certificate.block_hash for d in decisions.values()} == hashes
        return decisions, stored

    decisions, stored = asyncio.run(main())
    assert sorted(decisions) == [1, 2, 3]
    for height, decision in decisions.items():
        assert decision.certificate.height == height
        assert decision.payload == stored[height]  # the stored block, as it was decided


def test_a_fresh_chain_has_no_decisions_to_push(tmp_path: Path) -> None:
    async def main() -> int:
        runtime = make_runtime(tmp_path / VALIDATOR_NAMES[1], VALIDATOR_KEYS[1], FakeClock())
        try:
            await runtime.start()
            assert runtime.replica is not None
            return len(runtime.replica.decisions)
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    assert asyncio.run(main()) == 0
