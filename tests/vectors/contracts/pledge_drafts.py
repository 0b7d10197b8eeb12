"""Drafts of credits.pledge, credits.pledge_release and credits.pledge_enforce for the
contracts property test (ADR 0032), mixed into tests/vectors/contracts/tx_generators.py's
TxGenerator.

A lender is admitted first (institution.register with role lender) and given an account of
its own; then holders pledge, lenders release or enforce, and the other drafts keep trying
to move every kilogram, pledged ones included.
"""

import random
from typing import Any

from protocol.signing import PublicKey, SigningKey
from tests.property.contracts_reference import ReferenceLedger
from tests.vectors.contracts.drafts import Draft

ENFORCERS = ("ningbo-ptc", "xiamen-ptc", "xiangshan-court")


class PledgeDrafts:
    """Mixed into TxGenerator, whose views and drafts it uses (declared here, defined there)."""

    ref: ReferenceLedger
    keys: dict[PublicKey, SigningKey]

    def holdings(self, status: str) -> list[tuple[str, str, int]]:
        raise NotImplementedError

    def holder_of(self, account: str) -> SigningKey:
        raise NotImplementedError

    def key(self, name: str) -> SigningKey:
        raise NotImplementedError

    def fresh(self, prefix: str) -> str:
        raise NotImplementedError

    def a_validator(self, rng: random.Random) -> SigningKey:
        raise NotImplementedError

    def validator_signers(
        self, rng: random.Random, sender: SigningKey, extra: int = 0
    ) -> tuple[SigningKey, ...]:
        raise NotImplementedError

    def _credits_issue(self, rng: random.Random, mistake: bool) -> Draft:
        raise NotImplementedError

    def lenders(self) -> list[str]:
        return sorted(i for i, roles in self.ref.roles.items() if "lender" in roles)

    def active_key(self, institution: str) -> SigningKey | None:
        """An active key of institution the generator holds (a lender, an operator)."""
        keys = sorted(
            k for k, o in self.ref.key_owner.items() if o == institution and k in self.keys
        )
        return self.keys[keys[0]] if keys else None

    def lender_account(self, lender: str) -> str | None:
        owned = sorted(
            a
            for a, (holder, _) in self.ref.accounts.items()
            if self.ref.key_owner.get(holder) == lender
        )
        return owned[0] if owned else None

    def _admit_lender(self, rng: random.Random) -> Draft:
        lender = self.fresh("bank")
        sender = self.a_validator(rng)
        body: dict[str, Any] = {
            "institution_id": lender,
            "name_zh": "农商银行",
            "name_en": "rural commercial bank",
            "roles": ["lender"],
            "public_keys": [self.key(lender).public_key.hex()],
        }
        return Draft("institution.register", sender, self.validator_signers(rng, sender), body)

    def _open_lender_account(self, lender: str, key: SigningKey) -> Draft:
        body: dict[str, Any] = {
            "account_id": self.fresh("loan-acct"),
            "holder_key": key.public_key.hex(),
            "display_name": "农商银行 bank",
            "kind": "enterprise",
        }
        return Draft("account.open", self.key("ningbo-ptc"), (), body)

    def _credits_pledge(self, rng: random.Random, mistake: bool) -> Draft:
        lenders = [(lender, self.active_key(lender)) for lender in self.lenders()]
        usable = [(lender, key) for lender, key in lenders if key is not None]
        if not usable:
            return self._admit_lender(rng)
        pairs = self.holdings("active") or self.holdings("pledged")
        if not pairs:
            return self._credits_issue(rng, False)
        account, batch, held = rng.choice(pairs)
        lender, key = rng.choice(usable)
        assert key is not None
        cosigners: tuple[SigningKey, ...] = (key,)
        body: dict[str, Any] = {
            "pledge_id": self.fresh("pledge"),
            "account_id": account,
            "batch_id": batch,
            "quantity_kg": rng.randint(1, held),
            "lender": lender,
            "agreement_hash": bytes([rng.randrange(256)] * 32).hex(),
            "loan_reference_hash": bytes([rng.randrange(256)] * 32).hex(),
        }
        if mistake:
            variant = rng.randrange(4)
            if variant == 0:  # lender_signature_missing
                cosigners = ()
            elif variant == 1:  # not_a_lender
                body["lender"] = "ningbo-ptc"
            elif variant == 2 and self.ref.pledges:  # pledge_exists
                body["pledge_id"] = rng.choice(sorted(self.ref.pledges))
            else:  # units_pledged or a shortage
                body["quantity_kg"] = held + rng.randint(1, 50)
        return Draft("credits.pledge", self.holder_of(account), cosigners, body)

    def active_pledges(self) -> list[str]:
        return sorted(p for p, entry in self.ref.pledges.items() if entry[4] == "active")

    def closed_pledge(self, rng: random.Random, mistake: bool) -> tuple[str, SigningKey] | None:
        """For a mistake, when there is one: a released or enforced pledge and an active key
        of its lender, to close it again (pledge_not_active is then the only refusal; without
        these drafts breaking that check went unnoticed). Every such mistake, not half: the
        machine's blocks reuse seeds, and at half a run could try none."""
        closed = [
            (p, key)
            for p, entry in sorted(self.ref.pledges.items())
            if entry[4] != "active" and (key := self.active_key(entry[0])) is not None
        ]
        return rng.choice(closed) if mistake and closed else None

    def _credits_pledge_release(self, rng: random.Random, mistake: bool) -> Draft:
        if again := self.closed_pledge(rng, mistake):
            return Draft("credits.pledge_release", again[1], (), {"pledge_id": again[0]})
        active = self.active_pledges()
        if not active:
            return self._credits_pledge(rng, False)
        pledge = rng.choice(active)
        key = self.active_key(self.ref.pledges[pledge][0])
        if key is None or mistake:
            pledge = rng.choice(sorted(self.ref.pledges)) if rng.randrange(2) else pledge
            key = self.key(rng.choice(ENFORCERS))  # not_pledge_lender
        return Draft("credits.pledge_release", key, (), {"pledge_id": pledge})

    def _credits_pledge_enforce(self, rng: random.Random, mistake: bool) -> Draft:
        if again := self.closed_pledge(rng, mistake):
            pledge, key = again
            mistake = False  # one refusal at a time: pledge_not_active
        elif active := self.active_pledges():
            pledge = rng.choice(active)
            found = self.active_key(self.ref.pledges[pledge][0])
            if found is None:
                return self._credits_pledge_release(rng, True)
            key = found
        else:
            return self._credits_pledge(rng, False)
        lender = self.ref.pledges[pledge][0]
        account = self.lender_account(lender)
        if account is None:
            return self._open_lender_account(lender, key)
        enforcer = rng.choice(ENFORCERS)
        cosigners: tuple[SigningKey, ...] = (self.key(enforcer),)
        body: dict[str, Any] = {"pledge_id": pledge, "to_account": account, "enforcer": enforcer}
        if mistake:  # enforcer_signature_missing, not_an_enforcer, not_lender_account
            wrong = rng.choice(["cosigners", "enforcer", "to_account"])
            if wrong == "cosigners":
                cosigners = ()
            body |= {"enforcer": "zhejiang-auditor"} if wrong == "enforcer" else {}
            body |= {"to_account": self.ref.pledges[pledge][1]} if wrong == "to_account" else {}
        return Draft("credits.pledge_enforce", key, cosigners, body)
