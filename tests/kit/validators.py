"""Validator sets for tests, from (name, public key) pairs.

Each member's C2SP note verifier key follows from its name and key, as genesis gives it.
"""

from collections.abc import Iterable

from protocol.note import verifier_key_string
from protocol.signing import PublicKey
from protocol.validators import Validator, ValidatorSet


def named_validator(name: str, public_key: PublicKey) -> Validator:
    note_key = verifier_key_string(name, public_key)
    return Validator(name=name, public_key=public_key, note_verifier_key=note_key)


def validator_set_of(members: Iterable[tuple[str, PublicKey]], quorum: int) -> ValidatorSet:
    """The set of the named keys (sorted by key, as every set is) with this quorum."""
    return ValidatorSet.create([named_validator(name, key) for name, key in members], quorum)
