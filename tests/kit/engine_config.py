"""Consensus settings for in-process tests: scaled-down timeouts, a named chain id, a plain
SHA-256 payload hash and the EngineConfig built from them.

The unit harness, the simulator and the runtime tests drive the same engine under
different clocks; one builder keeps their settings alike except for the values each names.
"""

import hashlib

from consensus import EngineConfig, Signer, TimeoutConfig, VerifySignature
from protocol.hashing import Hash32

ROUND_DELTA_MS = 100
"""How much each round adds to a step timeout in every test network."""


def scaled_timeouts(*, propose_ms: int, retransmit_ms: int, cap_ms: int = 1500) -> TimeoutConfig:
    """Prevote and precommit wait half of what propose waits, as in the production defaults."""
    half_ms = propose_ms // 2
    return TimeoutConfig(
        propose_base_ms=propose_ms, prevote_base_ms=half_ms, precommit_base_ms=half_ms,
        delta_ms=ROUND_DELTA_MS, cap_ms=cap_ms, retransmit_ms=retransmit_ms,
    )  # fmt: skip


def named_chain_id(name: bytes) -> Hash32:
    return Hash32(hashlib.sha256(name).digest())


def payload_hash(payload: bytes) -> Hash32:
    """The block hash of an opaque test payload."""
    return Hash32(hashlib.sha256(payload).digest())


def engine_config(
    chain_id: Hash32, signer: Signer, verify: VerifySignature, timeouts: TimeoutConfig
) -> EngineConfig:
    return EngineConfig(
        chain_id=chain_id,
        signer=signer,
        verify=verify,
        hash_payload=payload_hash,
        timeouts=timeouts,
    )
