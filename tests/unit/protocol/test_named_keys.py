"""Validator and witness sets share one rule: sorted by key, each key once, each name once."""

from collections.abc import Callable

import pytest

from protocol.errors import FieldTypeError
from protocol.hashing import sha256
from protocol.signing import PublicKey, SigningKey
from protocol.validators import ValidatorSet
from protocol.witnesses import Witness, WitnessSet
from tests.kit.validators import named_validator

LOW, HIGH = sorted(SigningKey(sha256(seed)).public_key for seed in (b"named a", b"named b"))


def validators(*members: tuple[str, PublicKey]) -> ValidatorSet:
    return ValidatorSet(validators=tuple(named_validator(n, k) for n, k in members), quorum=2)


def witnesses(*members: tuple[str, PublicKey]) -> WitnessSet:
    return WitnessSet(witnesses=tuple(Witness(name=n, public_key=k) for n, k in members), quorum=1)


def test_sets_sorted_by_key_with_distinct_names_are_accepted() -> None:
    assert validators(("a", LOW), ("b", HIGH)).size == 2
    assert len(witnesses(("a", LOW), ("b", HIGH)).witnesses) == 2


@pytest.mark.parametrize(("build", "what"), [(validators, "validators"), (witnesses, "witnesses")])
def test_unsorted_or_repeated_keys_are_refused(build: Callable[..., object], what: str) -> None:
    for members in ((("a", HIGH), ("b", LOW)), (("a", LOW), ("b", LOW))):
        with pytest.raises(FieldTypeError, match=f"^{what} must be sorted by public_key"):
            build(*members)


@pytest.mark.parametrize(("build", "what"), [(validators, "validator"), (witnesses, "witness")])
def test_a_repeated_name_is_refused(build: Callable[..., object], what: str) -> None:
    with pytest.raises(FieldTypeError, match=f"^{what} names must be unique"):
        build(("a", LOW), ("a", HIGH))
