"""Drafts of role.grant, role.revoke, key.rotate and key.revoke for the contracts property
test (ADR 0019), mixed into tests/vectors/contracts/tx_generators.py's TxGenerator.

Only "extra" keys (added by key.register or key.rotate, never an institution's first key)
are rotated or revoked, and the other drafts sign with first keys only: a draft signed by
a retired key would make its whole block invalid, which the machine does not model. Roles
change only on institutions the test registered, so the case's parties keep theirs.
"""

import random
from typing import Any

from genesis.example.parties import party_key
from protocol.signing import PublicKey, SigningKey
from tests.property.contracts_reference import ReferenceLedger
from tests.vectors.contracts.drafts import Draft

GRANTABLE = ("auditor", "issuer", "trading_centre", "validator", "verifier")
COURT = "xiangshan-court"


class GovernanceDrafts:
    ref: ReferenceLedger
    keys: dict[PublicKey, SigningKey]

    def key(self, name: str) -> SigningKey:
        raise NotImplementedError

    def fresh(self, prefix: str) -> str:
        raise NotImplementedError

    def validator_signers(
        self, rng: random.Random, sender: SigningKey, extra: int = 0
    ) -> tuple[SigningKey, ...]:
        raise NotImplementedError

    def a_validator(self, rng: random.Random) -> SigningKey:
        raise NotImplementedError

    def _institution_register(self, rng: random.Random, mistake: bool) -> Draft:
        raise NotImplementedError

    def _key_register(self, rng: random.Random, mistake: bool) -> Draft:
        raise NotImplementedError

    def _extra_keys(self) -> list[PublicKey]:
        return sorted(
            k
            for k, owner in self.ref.key_owner.items()
            if k in self.keys and party_key(owner).public_key != k
        )

    def _quorum_draft(self, rng: random.Random, tx_type: str, body: dict[str, Any]) -> Draft:
        sender = self.a_validator(rng)
        return Draft(tx_type, sender, self.validator_signers(rng, sender), body)

    def _role_grant(self, rng: random.Random, mistake: bool) -> Draft:
        ours = sorted(i for i in self.ref.roles if i.startswith("inst-"))
        if not ours:
            return self._institution_register(rng, False)
        institution = rng.choice(ours)
        missing = sorted(set(GRANTABLE) - self.ref.roles[institution])
        held = sorted(self.ref.roles[institution])
        role = rng.choice(held if (mistake and held) or not missing else missing)
        body = {"institution_id": institution, "role": role}
        if mistake and rng.randrange(2):
            return Draft("role.grant", self.a_validator(rng), (), body)
        return self._quorum_draft(rng, "role.grant", body)

    def _role_revoke(self, rng: random.Random, mistake: bool) -> Draft:
        ours = sorted(i for i in self.ref.roles if i.startswith("inst-") and self.ref.roles[i])
        if not ours:
            return self._role_grant(rng, False)
        institution = rng.choice(ours)
        role = rng.choice(sorted(self.ref.roles[institution]))
        if mistake:
            role = rng.choice(sorted(set(GRANTABLE) - {role}))
        body = {"institution_id": institution, "role": role}
        return self._quorum_draft(rng, "role.revoke", body)

    def _key_rotate(self, rng: random.Random, mistake: bool) -> Draft:
        extras = self._extra_keys()
        if not extras:
            return self._key_register(rng, False)
        old, new = self.keys[rng.choice(extras)], self.key(self.fresh("key"))
        variant = rng.randrange(3) if mistake else -1
        if variant == 0:  # new_key_signature_missing
            return Draft("key.rotate", old, (), _rotation(old, new))
        if variant == 1:  # key_in_use
            new = self.key(COURT)
        if variant == 2:  # old_key_signature_missing (a validator key is rotatable since
            # ADR 0022, but the drafts sign with fixed validator keys, so none is rotated)
            return Draft("key.rotate", self.a_validator(rng), (new,), _rotation(old, new))
        return Draft("key.rotate", old, (new,), _rotation(old, new))

    def _key_revoke(self, rng: random.Random, mistake: bool) -> Draft:
        extras = self._extra_keys()
        if not extras:
            return self._key_register(rng, False)
        target = self.keys[rng.choice(extras)]
        variant = rng.randrange(3) if mistake else -1
        if variant == 0:  # validator_quorum_missing
            return Draft("key.revoke", self.a_validator(rng), (), _revocation(target))
        if variant == 1:  # key_in_validator_set
            target = self.a_validator(rng)
        if variant == 2:  # unknown_key: a holder key is no institution's
            target = self.key("holder-0")
        if variant != 2 and rng.randrange(2):
            return Draft("key.revoke", target, (), _revocation(target))
        return self._quorum_draft(rng, "key.revoke", _revocation(target))

    def _node_announce(self, rng: random.Random, mistake: bool) -> Draft:
        key = self.a_validator(rng)
        body = {
            "public_key": key.public_key.hex(),
            "address": f"http://node-{rng.randrange(9)}:7101",
        }
        variant = rng.randrange(2) if mistake else -1
        if variant == 0:  # announcer_not_sender: one key announcing for another
            return Draft("node.announce", self.key(COURT), (), body)
        if variant == 1:  # signer_lacks_role: the court holds no validator role here
            court = self.key(COURT)
            return Draft("node.announce", court, (), {**body, "public_key": court.public_key.hex()})
        return Draft("node.announce", key, (), body)


def _rotation(old: SigningKey, new: SigningKey) -> dict[str, Any]:
    return {"public_key": old.public_key.hex(), "new_public_key": new.public_key.hex()}


def _revocation(key: SigningKey) -> dict[str, Any]:
    return {"public_key": key.public_key.hex()}
