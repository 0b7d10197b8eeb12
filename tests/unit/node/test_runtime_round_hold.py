"""node/round_timer.py in node/runtime.py: round timeouts are held while fewer than q - 1
peers answer, and resume when one becomes reachable. A validator alone no longer counts
rounds up that its peers, starting at round 0, must then time out through one by one (n=3
skips a round only on two senders): two of three validators ran ~100 s without a block
after 20 s alone."""

import asyncio
from pathlib import Path

from tests.kit.engine_config import scaled_timeouts
from tests.unit.node.chain_kit import VALIDATOR_KEYS, VALIDATOR_NAMES
from tests.unit.node.runtime_kit import FakeClock, address_of, make_runtime, until

FAST = scaled_timeouts(propose_ms=20, retransmit_ms=3_600_000, cap_ms=40)


def rounds_alone(tmp_path: Path, *, peers_answer: bool) -> tuple[int, int]:
    """(round after 0.5 s alone, round shortly after a peer becomes reachable)."""

    async def main() -> tuple[int, int]:
        runtime = make_runtime(tmp_path / VALIDATOR_NAMES[0], VALIDATOR_KEYS[0], FakeClock(),
                               timeouts=FAST)  # fmt: skip
        reachable = peers_answer
        runtime.timer.quorum_reachable = lambda: reachable
        try:
            await runtime.start()
            await asyncio.sleep(0.5)
            assert runtime.replica is not None and runtime.replica.height == 1
            alone = runtime.replica.round
            reachable = True
            runtime.peer_reachable(address_of(VALIDATOR_KEYS[1].public_key))
            await until(lambda: runtime.replica is not None and runtime.replica.round > alone,
                        "a round after the peer answered")  # fmt: skip
            return alone, runtime.replica.round
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    return asyncio.run(main())


def test_a_validator_alone_stays_in_its_round_until_a_peer_answers(tmp_path: Path) -> None:
    alone, after = rounds_alone(tmp_path, peers_answer=False)
    assert alone == 0
    assert after >= 1


def test_with_its_peers_answering_the_same_timeouts_move_rounds(tmp_path: Path) -> None:
    """The control: the hold, not slow timers, kept the round above at 0."""
    alone, _ = rounds_alone(tmp_path, peers_answer=True)
    assert alone >= 2
