"""Block headers for tests that need a header but no chain behind it."""

from dataclasses import replace
from typing import Any

from protocol.block import BlockHeader
from protocol.hashing import ZERO_HASH, Hash32
from protocol.merkle import EMPTY_ROOT
from protocol.signing import PublicKey
from protocol.tx import PROTOCOL_VERSION
from protocol.validators import ValidatorSet


def header_with(
    *,
    chain_id: Hash32,
    height: int,
    time_ms: int,
    validators: ValidatorSet | None = None,
    **fields: Any,
) -> BlockHeader:
    """A header of this protocol version with no parent, empty tx, result, history and
    evidence roots, a zero state root, validators (this and the next height) hashed or
    zero, and the zero key as proposer; fields replace any of these."""
    validators_hash = ZERO_HASH if validators is None else validators.hash()
    blank = BlockHeader(
        protocol_version=PROTOCOL_VERSION,
        chain_id=chain_id,
        height=height,
        time_ms=time_ms,
        prev_hash=ZERO_HASH,
        history_root=EMPTY_ROOT,
        tx_root=EMPTY_ROOT,
        results_root=EMPTY_ROOT,
        state_root=ZERO_HASH,
        validators_hash=validators_hash,
        next_validators_hash=validators_hash,
        evidence_root=EMPTY_ROOT,
        proposer=PublicKey(ZERO_HASH),
    )
    return replace(blank, **fields)
