"""The current and next validator sets kept in state (DESIGN.md §4). Pure.

`validators/current` certifies the block being executed; `validators/next` certifies the
block after it. A validators.update tx writes `validators/next`; apply_block promotes it
to `validators/current` at the start of the next height, so a change is effective at the
next height and the header's next_validators_hash is next_validator_set(state).hash().
"""

from contracts.state import StateOverlay, StateView
from contracts.state_keys import VALIDATORS_CURRENT_KEY, VALIDATORS_NEXT_KEY
from protocol.encoding import decode, encode
from protocol.signing import PublicKey
from protocol.validators import ValidatorSet


def current_validator_set(view: StateView) -> ValidatorSet:
    """The set that certifies the block being executed. Requires a genesis state."""
    return _read(view, VALIDATORS_CURRENT_KEY)


def next_validator_set(view: StateView) -> ValidatorSet:
    """The set that certifies the next block: the node's next_validators_hash preimage."""
    return _read(view, VALIDATORS_NEXT_KEY)


def write_next_validator_set(overlay: StateOverlay, validators: ValidatorSet) -> None:
    overlay.set(VALIDATORS_NEXT_KEY, encode(validators.to_json()))


def promote_next_validator_set(overlay: StateOverlay) -> None:
    """Start of a block: the set chosen for this height becomes current (only when it changed)."""
    pending = overlay.get(VALIDATORS_NEXT_KEY)
    assert pending is not None, "state has no validator set: was genesis_state applied?"
    if overlay.get(VALIDATORS_CURRENT_KEY) != pending:
        overlay.set(VALIDATORS_CURRENT_KEY, pending)


def _read(view: StateView, key: str) -> ValidatorSet:
    raw = view.get(key)
    assert raw is not None, f"state has no {key}: was genesis_state applied?"
    return ValidatorSet.from_json(decode(raw))


def in_validator_sets(view: StateView, public_key: PublicKey) -> bool:
    """True when public_key is in the current or the next validator set (ADR 0019)."""
    return current_validator_set(view).contains(public_key) or next_validator_set(view).contains(
        public_key
    )
