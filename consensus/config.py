"""Static configuration of one replica: chain, ports, timeouts. Pure: no I/O.

Timeouts grow linearly per round and are capped (DESIGN.md §4), so after GST a round
eventually lasts long enough for every message of it to arrive (Tendermint paper §4).
"""

import enum
from dataclasses import dataclass

from consensus.ports import PayloadHasher, Signer, VerifySignature
from protocol.hashing import Hash32


class TimeoutKind(enum.Enum):
    """What a scheduled timeout will do when it fires (Alg. 1 lines 57-67, plus gossip)."""

    PROPOSE = "propose"
    PREVOTE = "prevote"
    PRECOMMIT = "precommit"
    RETRANSMIT = "retransmit"
    ROUND = "round"


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeoutConfig:
    """Round timeouts in milliseconds: base + round * delta, capped at cap."""

    propose_base_ms: int = 1000
    prevote_base_ms: int = 500
    precommit_base_ms: int = 500
    delta_ms: int = 500
    cap_ms: int = 10_000
    retransmit_ms: int = 2000
    """How often a replica re-broadcasts its own messages of the current round."""

    def duration_ms(self, kind: TimeoutKind, round_number: int) -> int:
        """Requires round_number >= 0."""
        if kind is TimeoutKind.RETRANSMIT:
            return self.retransmit_ms
        if kind is TimeoutKind.ROUND:
            # Twice a whole round's worth of step timeouts: a round that has not ended by
            # then is stuck on votes lost in a crash, and only a new round can unstick it.
            steps = (TimeoutKind.PROPOSE, TimeoutKind.PREVOTE, TimeoutKind.PRECOMMIT)
            return 2 * sum(self.duration_ms(k, round_number) for k in steps)
        base = {
            TimeoutKind.PROPOSE: self.propose_base_ms,
            TimeoutKind.PREVOTE: self.prevote_base_ms,
            TimeoutKind.PRECOMMIT: self.precommit_base_ms,
        }[kind]
        return min(base + round_number * self.delta_ms, self.cap_ms)


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineConfig:
    """Everything a replica needs that never changes while it runs."""

    chain_id: Hash32
    signer: Signer
    verify: VerifySignature
    hash_payload: PayloadHasher
    timeouts: TimeoutConfig = TimeoutConfig()
    round_window: int = 1 << 20
    """Messages more than this many rounds ahead are ignored, so a Byzantine validator
    cannot push round numbers toward the 2**53 limit of canonical JSON."""
    decisions_kept: int = 16
    """Recent commits kept in memory to push to lagging peers; older ones need block sync."""
    catchup_batch: int = 4
    """Commits pushed to a lagging peer per request."""
    future_buffer_max: int = 64
    """Messages for the next height buffered while this height finishes, an equal share of
    them per validator, a full share making room with its oldest (intake._buffer_future)."""
