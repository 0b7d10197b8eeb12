"""Block headers for tests that need a header but no chain behind it."""

from dataclasses import replace
from typing import Any

from protocol.block import BlockHeader, parentless_header
from protocol.hashing import ZERO_HASH, Hash32
from protocol.validators import ValidatorSet


def header_with(
    *,
    chain_id: Hash32,
    height: int,
    time_ms: int,
    validators: ValidatorSet | None = None,
    **fields: Any,
) -> BlockHeader:
    """A parentless header (protocol/block.py) with a zero state root, validators (this and
    the next height) hashed or zero; fields replace any of its fields."""
    validators_hash = ZERO_HASH if validators is None else validators.hash()
    blank = parentless_header(
        chain_id=chain_id,
        height=height,
        time_ms=time_ms,
        state_root=ZERO_HASH,
        validators_hash=validators_hash,
    )
    return replace(blank, **fields)
