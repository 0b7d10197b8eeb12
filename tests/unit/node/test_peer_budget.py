"""node/peer_budget.py: a token bucket of envelope bytes per verified sender."""

from node.peer_budget import PeerByteBudget
from node.peer_envelope import ENVELOPE_BYTES_MAX
from protocol.signing import PublicKey
from tests.unit.node.chain_kit import VALIDATOR_KEYS

ALICE = VALIDATOR_KEYS[0].public_key
BOB = VALIDATOR_KEYS[1].public_key
MIB = 1024 * 1024


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def _budget(clock: Clock) -> PeerByteBudget:
    return PeerByteBudget(bytes_per_s=MIB, burst_bytes=ENVELOPE_BYTES_MAX, clock=clock)


def test_a_sender_spends_its_burst_then_only_what_refills() -> None:
    clock = Clock()
    budget = _budget(clock)
    assert budget.take(ALICE, 5 * MIB)
    assert not budget.take(ALICE, 4 * MIB)  # 3 MiB left: refused, nothing spent
    assert budget.covers(ALICE, 3 * MIB) and not budget.covers(ALICE, 3 * MIB + 1)
    assert budget.take(ALICE, 3 * MIB)
    assert not budget.covers(ALICE, 1)
    assert budget.covers(BOB, 8 * MIB) and budget.take(BOB, 8 * MIB)  # each sender its own
    clock.now_s += 2.0
    assert budget.covers(ALICE, 2 * MIB) and not budget.covers(ALICE, 2 * MIB + 1)
    assert not budget.take(ALICE, 2 * MIB + 1)
    assert budget.take(ALICE, 2 * MIB)


def test_the_bucket_holds_no_more_than_its_burst() -> None:
    clock = Clock()
    budget = _budget(clock)
    assert budget.take(ALICE, 1)
    clock.now_s += 3600.0
    assert not budget.take(ALICE, ENVELOPE_BYTES_MAX + 1)
    assert budget.take(ALICE, ENVELOPE_BYTES_MAX)


def test_asking_about_an_unverified_sender_keeps_nothing() -> None:
    budget = _budget(Clock())
    for index in range(1000):
        assert budget.covers(PublicKey(index.to_bytes(32, "big")), ENVELOPE_BYTES_MAX)
    assert budget._buckets == {}
