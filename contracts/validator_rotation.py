"""How often a validator seat's key may rotate (ADR 0022, amendment of stop 48). Pure.

key.rotate needs no quorum, and each rotation of a key in `validators/next` is a validator
set change that every later retirement receipt lists (PROTOCOL.md §14): unbounded, one
hostile validator rotating in every block grows every receipt by ~2.5 KB a block. So an
institution's validator key rotates at most once per VALIDATOR_ROTATION_INTERVAL_MS of
block time, kept in `validator_rotation/<institution id>`; admission refuses an earlier one
(key_rotation_too_soon), so a block holding it is invalid. validators.update (the q
validators' set change, the emergency path) is not limited.
"""

from dataclasses import dataclass
from typing import Annotated, Final

from contracts.body_fields import Slug
from contracts.context import TxEnv
from contracts.errors import AdmissionError
from contracts.reasons import AdmissionReason
from contracts.records import KeyRecord
from contracts.state import StateView
from contracts.state_keys import signing_key_key, validator_rotation_key
from contracts.store import load, save
from contracts.validator_sets import next_validator_set
from protocol.codec import JsonCodec, integer
from protocol.signing import PublicKey

VALIDATOR_ROTATION_INTERVAL_MS: Final = 24 * 60 * 60 * 1000
"""Block time between two key.rotate txs that change one institution's validator key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidatorRotation(JsonCodec, what="validator rotation"):
    """`validator_rotation/<institution id>`: the last key.rotate that changed the
    institution's key in `validators/next`."""

    institution_id: Slug
    height: Annotated[int, integer(minimum=1)]
    """The height of the block whose key.rotate wrote it."""
    time_ms: Annotated[int, integer(minimum=0)]
    """That block's time_ms: the next rotation is admitted from time_ms + the interval."""


def check_validator_rotation_due(state: StateView, old_key: PublicKey, now_ms: int) -> None:
    """Admission of key.rotate of old_key at now_ms (the block's time_ms, or the node's clock
    before the mempool): raises AdmissionError(KEY_ROTATION_TOO_SOON) when old_key is in
    `validators/next` and its institution's last such rotation is less than the interval ago.
    Any other key.rotate changes no set and is not limited."""
    record = load(state, signing_key_key(old_key), KeyRecord.from_json)
    if record is None or not next_validator_set(state).contains(old_key):
        return  # unknown_key is the handler's refusal; a key outside the set changes no set
    last = load(state, validator_rotation_key(record.institution_id), ValidatorRotation.from_json)
    if last is None:
        return
    due_ms = last.time_ms + VALIDATOR_ROTATION_INTERVAL_MS
    if now_ms < due_ms:
        raise AdmissionError(
            AdmissionReason.KEY_ROTATION_TOO_SOON,
            f"{record.institution_id} rotated its validator key at height {last.height} "
            f"(time_ms {last.time_ms}); the next rotation is admitted from time_ms {due_ms}, "
            f"{due_ms - now_ms} ms from now (a compromised key: validators.update by q "
            "validators, ADR 0022)",
        )


def record_validator_rotation(env: TxEnv, institution_id: str) -> None:
    """key.rotate replaced institution_id's key in `validators/next` in this block."""
    rotation = ValidatorRotation(
        institution_id=institution_id, height=env.ctx.height, time_ms=env.ctx.time_ms
    )
    save(env.state, validator_rotation_key(institution_id), rotation)
