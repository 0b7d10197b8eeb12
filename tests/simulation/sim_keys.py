"""Keys and validator sets of a simulated cluster: fake or real Ed25519, set per height."""

import hashlib

from consensus import Ed25519Signer, Signer, VerifySignature, verify_ed25519
from protocol.signing import PublicKey, SigningKey
from protocol.validators import Validator, ValidatorSet
from tests.fakes.fake_signer import FakeKeyring
from tests.kit.validators import named_validator
from tests.simulation.scenario import Scenario


def make_signers(
    scenario: Scenario, *, real_crypto: bool
) -> tuple[dict[int, Signer], VerifySignature]:
    """One signer per key index (Twins share one), and the matching verify port."""
    indices = scenario.key_indices()
    if real_crypto:
        seeds = {i: hashlib.sha256(b"sim key %d" % i).digest() for i in indices}
        return {i: Ed25519Signer(SigningKey(seeds[i])) for i in indices}, verify_ed25519
    keyring = FakeKeyring()
    signers: dict[int, Signer] = {
        i: keyring.new_signer(b"%d/%d" % (scenario.seed, i)) for i in indices
    }
    return signers, keyring.verify


class SetSchedule:
    """validators_at(height): the first set up to change_height, then the second."""

    def __init__(self, scenario: Scenario, public_keys: dict[int, PublicKey]) -> None:
        self._scenario = scenario
        self._public_keys = public_keys
        self._sets: dict[tuple[int, ...], ValidatorSet] = {}
        # A rotated key keeps its validator's name (contracts' replace_validator_key).
        self._names = {i: f"v{scenario.key_of[n]}" for n, i in scenario.rotated.items()}

    def validators_at(self, height: int) -> ValidatorSet:
        keys = self._scenario.validator_keys(height)
        cached = self._sets.get(keys)
        if cached is None:
            members = [self._validator(i) for i in keys]
            cached = ValidatorSet.create(members, self._scenario.quorum(height))
            self._sets[keys] = cached
        return cached

    def _validator(self, index: int) -> Validator:
        return named_validator(self._names.get(index, f"v{index}"), self._public_keys[index])
