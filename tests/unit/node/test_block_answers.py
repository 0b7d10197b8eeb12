"""node/block_answers.py: one block to one peer at most once per interval, however often
the peer asks for it (a Byzantine validator asked for old blocks without pause)."""

from pathlib import Path

from consensus import BlockPayload, Send, StatusMessage
from node.block_answers import TRACKED_MAX, BlockAnswers
from protocol.hashing import Hash32
from protocol.signing import SigningKey
from tests.unit.node.chain_kit import VALIDATOR_KEYS
from tests.unit.node.runtime_kit import FakeClock, Router, make_runtime

A, B = (SigningKey(bytes([n]) * 32).public_key for n in (1, 2))


def payload(n: int) -> BlockPayload:
    return BlockPayload(height=5, block_hash=Hash32(bytes([n]) * 32), payload=b"{}")


def test_a_block_asked_for_again_at_once_is_not_sent_again() -> None:
    answers = BlockAnswers(interval_s=1.0)
    assert answers.allow(A, payload(1), 10.0)
    assert not answers.allow(A, payload(1), 10.5)
    assert answers.allow(B, payload(1), 10.5)  # another peer
    assert answers.allow(A, payload(2), 10.5)  # another block
    assert answers.allow(A, payload(1), 11.0)  # a second later
    assert answers.held == 1


def test_messages_without_a_block_always_go() -> None:
    answers = BlockAnswers(interval_s=1.0)
    for _ in range(3):
        assert answers.allow(A, StatusMessage(height=3), 10.0)


def test_what_it_remembers_is_bounded() -> None:
    answers = BlockAnswers(interval_s=1.0)
    for n in range(TRACKED_MAX + 10):
        block = BlockPayload(height=5, block_hash=Hash32(n.to_bytes(32, "big")), payload=b"{}")
        assert answers.allow(A, block, 10.0 + n)
    assert len(answers._sent) <= TRACKED_MAX


def test_the_runtime_answers_again_on_time_when_the_wall_clock_steps_back(
    tmp_path: Path,
) -> None:
    """The runtime spaces its answers on the monotonic clock: with the host's wall clock
    stepped an hour back, a block asked for again a second later is sent again. Before, on
    the wall clock, each block already sent to a peer was held from it for the hour."""
    clock, router = FakeClock(), Router()
    runtime = make_runtime(tmp_path / "solo", VALIDATOR_KEYS[0], clock, router)
    peer = VALIDATOR_KEYS[1].public_key
    try:
        runtime.output.send(Send(to=peer, message=payload(1)))
        clock.wall_step_ms -= 3_600_000
        clock.now += 1_000
        runtime.output.send(Send(to=peer, message=payload(1)))
        assert [to for _, to, _, _ in router.sent] == [peer, peer]
    finally:
        runtime.ledger.store.close()
