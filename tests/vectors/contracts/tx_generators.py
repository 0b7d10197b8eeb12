"""Seeded tx drafts for the contracts property test: mostly valid, sometimes wrong on purpose.

Each draft is built from a random.Random seeded by the hypothesis rule and from the naive
reference model's view of the ledger (what exists, who holds what), so at least half of the
txs are accepted while every rejection path keeps being exercised.
"""

import random
from collections import Counter
from typing import Any

from genesis.example.parties import party_key
from protocol.note import verifier_key_string
from protocol.signing import PublicKey, SigningKey
from tests.property.contracts_reference import ReferenceLedger
from tests.vectors.contracts.auction_drafts import AuctionDrafts
from tests.vectors.contracts.case_drafts import CaseDrafts
from tests.vectors.contracts.claim_decision_drafts import ClaimDecisionDrafts
from tests.vectors.contracts.consideration_drafts import ConsiderationDrafts
from tests.vectors.contracts.drafts import Draft
from tests.vectors.contracts.governance_drafts import GovernanceDrafts
from tests.vectors.contracts.link_drafts import LinkDrafts
from tests.vectors.contracts.pledge_drafts import PledgeDrafts
from tests.vectors.contracts.reversal_drafts import ReversalDrafts
from tests.vectors.contracts.tenure_drafts import TenureDrafts

TRADING_CENTRES = ("ningbo-ptc", "xiamen-ptc")
HOLDERS = ("holder-0", "holder-1", "holder-2", "holder-3")
ISSUER = "xiangshan-county"
COURT = "xiangshan-court"
PROCURATORATE = "xiangshan-procuratorate"
MISTAKE_RATE_PERCENT = 25
WEIGHTS = {
    "credits.transfer": 20,
    "credits.retire": 7,
    "credits.retire_judicial": 7,
    "credits.freeze": 6,
    "credits.unfreeze": 6,
    "credits.cancel": 4,
    "credits.issue": 8,
    "verification.record": 4,
    "verification.attest": 6,
    "project.register": 2,
    "account.open": 4,
    "case.register": 3,
    "insurance.attest": 2,
    "institution.register": 2,
    "key.register": 2,
    "validators.update": 2,
    "role.grant": 2,
    "role.revoke": 2,
    "key.rotate": 4,
    "key.revoke": 3,
    "node.announce": 2,
    "project.tenure": 4,
    "project.tenure_release": 5,
    "batch.link": 4,
    "case.judgment": 3,
    "case.close": 5,
    "credits.transfer_priced": 5,
    "reversal.report": 4,
    "insurance.claim": 5,
    "credits.pledge": 5,
    "credits.pledge_release": 5,
    "credits.pledge_enforce": 8,
    "auction.open": 2,
    "auction.bid": 10,
    "auction.reveal": 12,
    "auction.settle": 5,
    "insurance.claim_decide": 10,
}


class TxGenerator(
    GovernanceDrafts, TenureDrafts, LinkDrafts, ConsiderationDrafts, PledgeDrafts, AuctionDrafts
):
    """Drafts txs against the reference model's view of the ledger."""

    def __init__(self, ref: ReferenceLedger) -> None:
        self.ref = ref
        self.cases = CaseDrafts(ref)
        self.reversals = ReversalDrafts(ref)
        self.serial = 0
        self.sealed: dict[tuple[str, str], tuple[int, bytes]] = {}
        self.keys: dict[PublicKey, SigningKey] = {}
        for name in (ISSUER, COURT, PROCURATORATE, *TRADING_CENTRES, *HOLDERS):
            self.key(name)
        self.claim_decisions = ClaimDecisionDrafts(ref, self.keys)

    def key(self, name: str) -> SigningKey:
        signing = party_key(name)
        self.keys[signing.public_key] = signing
        return signing

    def fresh(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def draft(self, rng: random.Random) -> Draft:
        kinds = sorted(WEIGHTS)
        kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
        mistake = rng.randrange(100) < MISTAKE_RATE_PERCENT
        method = getattr(self, "_" + kind.replace(".", "_"))
        draft: Draft = method(rng, mistake)
        return draft

    # --- views of the reference -------------------------------------------------------

    def signing_accounts(self) -> set[str]:
        """Accounts whose holder key can still send: a lender's account is held by an
        institution key, which key.revoke may revoke (its txs would not be admitted)."""
        retired = self.ref.retired_keys
        return {a for a, (holder, _) in self.ref.accounts.items() if holder not in retired}

    def holdings(self, status: str) -> list[tuple[str, str, int]]:
        """(account, batch, kg) in status, of accounts whose holder key still signs: a
        lender's account is held by its institution key, which key.rotate may retire, and a
        tx sent by a retired key is inadmissible (ADR 0019, 0032)."""
        found: Counter[tuple[str, str]] = Counter()
        signing = self.signing_accounts()
        for batch, units in sorted(self.ref.units.items()):
            for unit in units:
                if unit.status == status and unit.account in signing:
                    found[(unit.account, batch)] += 1
        return [(a, b, n) for (a, b), n in sorted(found.items())]

    def frozen_by(self) -> list[tuple[str, str, str, int]]:
        found: Counter[tuple[str, str, str]] = Counter()
        for batch, units in sorted(self.ref.units.items()):
            for unit in units:
                if unit.status == "frozen" and unit.account and unit.frozen_by:
                    found[(unit.account, batch, unit.frozen_by)] += 1
        return [(a, b, f, n) for (a, b, f), n in sorted(found.items())]

    def holder_of(self, account: str) -> SigningKey:
        return self.keys[self.ref.accounts[account][0]]

    def validator_signers(
        self, rng: random.Random, sender: SigningKey, extra: int = 0
    ) -> tuple[SigningKey, ...]:
        """Co-signers from the current set so that, with sender, q validators sign."""
        members, quorum = self.ref.validators
        others = sorted(k for k in members if k != sender.public_key)
        needed = max(0, quorum - (1 if sender.public_key in members else 0) + extra)
        return tuple(self.keys[k] for k in rng.sample(others, min(needed, len(others))))

    def a_validator(self, rng: random.Random) -> SigningKey:
        return self.keys[rng.choice(sorted(self.ref.validators[0]))]

    # --- drafts -----------------------------------------------------------------------

    def _account_open(self, rng: random.Random, mistake: bool) -> Draft:
        sender = self.key(COURT if mistake else rng.choice(TRADING_CENTRES))
        body: dict[str, Any] = {
            "account_id": self.fresh("acct"),
            "holder_key": self.key(rng.choice(HOLDERS)).public_key.hex(),
            "display_name": "某企业 enterprise",
            "kind": rng.choice(["enterprise", "person", "government"]),
        }
        return Draft("account.open", sender, (), body)

    def _project_register(self, rng: random.Random, mistake: bool) -> Draft:
        sender = self.key(TRADING_CENTRES[0] if mistake else ISSUER)
        body: dict[str, Any] = {
            "project_id": self.fresh("proj"),
            "name_zh": "海草床碳汇",
            "name_en": "seagrass sink",
            "ecosystem": rng.choice(["seagrass", "salt_marsh", "mudflat", "shellfish", "algae"]),
            "location": "浙江省宁波市象山县",
            "accounting_standard": rng.choice(["HY/T 0349-2022", "VM0033", "HY/T 0305-2021"]),
            "owner": "某村集体",
            "document_hashes": [bytes([rng.randrange(256)] * 32).hex()],
        }
        return Draft("project.register", sender, (), body)

    def _verification_record(self, rng: random.Random, mistake: bool) -> Draft:
        if not self.ref.projects:
            return self._project_register(rng, mistake)
        project = "no-such-project" if mistake else rng.choice(sorted(self.ref.projects))
        body: dict[str, Any] = {
            "verification_id": self.fresh("ver"),
            "project_id": project,
            "period_start": "2022-01-01",
            "period_end": "2022-12-31",
            "verification_body": "核查机构",
            "report_hashes": [bytes([rng.randrange(256)] * 32).hex()],
            "verified_kg": rng.randint(200, 1_500),
        }
        return Draft("verification.record", self.key(ISSUER), (), body)

    def _verification_attest(self, rng: random.Random, mistake: bool) -> Draft:
        """A verifier institution (registered by the test, granted `verifier`) attests."""
        ours = sorted(i for i in self.ref.roles if i.startswith("inst-"))
        verifiers = [i for i in ours if "verifier" in self.ref.roles[i]]
        if not self.ref.projects:
            return self._project_register(rng, False)
        if not verifiers:
            return self._grant_verifier(rng, ours)
        verifier = rng.choice(verifiers)
        first = rng.randint(2020, 2023)
        body: dict[str, Any] = {
            "verification_id": self.fresh("att"),
            "project_id": rng.choice(sorted(self.ref.projects)),
            "period_start": f"{first}-07-01",
            "period_end": rng.choice([f"{first}-12-31", f"{first + 1}-06-30"]),
            "methodology_id": rng.choice(["HY/T 0349-2022", "CCER-14-002", "VM0033"]),
            "methodology_version": rng.choice(["V01", "v2.0", "2022"]),
            "net_sink_kg": rng.randint(200, 1_500),
            "reports": [{"label": "verification_report", "sha256": bytes([5] * 32).hex()}],
            "verifier": verifier,
        }
        sender = self.key(verifier)
        variant = rng.randrange(5) if mistake else -1
        if variant == 4:  # suspend it: its later attestations are refused
            revoke = {"institution_id": verifier, "role": "verifier"}
            return self._quorum_draft(rng, "role.revoke", revoke)
        if variant == 0:  # verifier_not_accredited: suspended (revoked) or never granted
            others = [i for i in ours if i not in verifiers]
            sender = self.key(rng.choice(others) if others else COURT)
        if variant == 1:  # verifier_not_sender
            body["verifier"] = COURT
        if variant == 2:  # unknown_project
            body["project_id"] = "no-such-project"
        taken = sorted({*self.ref.verifications, *self.ref.attested})
        if variant == 3 and taken:  # already_exists, whichever kind holds the id
            body["verification_id"] = rng.choice(taken)
        return Draft("verification.attest", sender, (), body)

    def _grant_verifier(self, rng: random.Random, ours: list[str]) -> Draft:
        if not ours:
            return self._institution_register(rng, False)
        body = {"institution_id": rng.choice(ours), "role": "verifier"}
        return self._quorum_draft(rng, "role.grant", body)

    def _open_verifications(self) -> list[tuple[str, int, int, range | None]]:
        """(id, kg, issued, vintage years or None) of both kinds with 2 kg or more left."""
        found: list[tuple[str, int, int, range | None]] = [
            (v, kg, issued, None) for v, (_, kg, issued) in self.ref.verifications.items()
        ]
        for v, (_, kg, issued, first, last) in self.ref.attested.items():
            found.append((v, kg, issued, range(first, last + 1)))
        return sorted((f for f in found if f[1] - f[2] >= 2), key=lambda f: f[0])

    def _credits_issue(self, rng: random.Random, mistake: bool) -> Draft:
        open_ = self._open_verifications()
        if not open_ or not self.ref.accounts:
            return self._verification_record(rng, False)
        verification, verified, issued, years = rng.choice(open_)
        total = rng.randint(2, min(verified - issued, 400))
        buffer = (total + 9) // 10
        quantity = total - buffer
        vintage = rng.choice(years or [2021, 2022, 2023])
        if mistake:
            variant = rng.randrange(3 if years else 2)
            quantity, buffer = (
                (verified - issued + 1, buffer) if variant == 0 else (quantity + buffer, 0)
            )
            if variant == 2 and years:  # vintage_outside_period
                quantity, buffer = total - (total + 9) // 10, (total + 9) // 10
                vintage = rng.choice([years.start - 1, years.stop])
        body: dict[str, Any] = {
            "batch_id": self.fresh("batch"),
            "verification_id": verification,
            "vintage": vintage,
            "quantity_kg": max(quantity, 1),
            "buffer_kg": buffer,
            "to_account": rng.choice(sorted(self.ref.accounts)),
        }
        return Draft("credits.issue", self.key(ISSUER), (), body)

    def _credits_transfer(self, rng: random.Random, mistake: bool) -> Draft:
        pairs = self.holdings("active")
        if not pairs or len(self.ref.accounts) < 2:
            return self._credits_issue(rng, False)
        account, batch, active = rng.choice(pairs)
        quantity = active + rng.randint(1, 30) if mistake else rng.randint(1, active)
        target = rng.choice(sorted(set(self.ref.accounts) - {account}))
        broker: str | None = None
        cosigners: tuple[SigningKey, ...] = ()
        if rng.randrange(2):
            broker = rng.choice(TRADING_CENTRES)
            cosigners = () if mistake and rng.randrange(2) else (self.key(broker),)
        body: dict[str, Any] = {"from_account": account, "to_account": target, "batch_id": batch}
        body |= {"quantity_kg": quantity, "broker": broker}
        return Draft("credits.transfer", self.holder_of(account), cosigners, body)

    def _credits_retire(self, rng: random.Random, mistake: bool) -> Draft:
        pairs = self.holdings("active") or self.holdings("retired")
        if not pairs:
            return self._credits_issue(rng, False)
        account, batch, held = rng.choice(pairs)
        body: dict[str, Any] = {"account_id": account, "batch_id": batch}
        body |= {"quantity_kg": held + 1 if mistake else rng.randint(1, held)}
        body |= {"beneficiary": "某企业", "purpose": "voluntary offset", "reason": "2023"}
        return Draft("credits.retire", self.holder_of(account), (), body)

    def _case_register(self, rng: random.Random, mistake: bool) -> Draft:
        registrar = rng.choice([COURT, PROCURATORATE])
        sender = self.key(TRADING_CENTRES[1] if mistake else registrar)
        body: dict[str, Any] = {
            "case_id": self.fresh("case"),
            "court": COURT,
            "case_number": "（2023）浙0225刑初1号",
            "case_type": "刑事附带民事公益诉讼",
            "plaintiff": PROCURATORATE if registrar == PROCURATORATE else None,
            "obligors": [{"masked_name": "王某某", "id_hash": bytes([7] * 32).hex()}],
            "required_kg": rng.randint(50, 600),
            "document_hash": bytes([9] * 32).hex(),
        }
        return Draft("case.register", sender, (), body)

    def _credits_retire_judicial(self, rng: random.Random, mistake: bool) -> Draft:
        cases = sorted(
            c
            for c, (_, required, retired) in self.ref.cases.items()
            if required > retired and c not in self.ref.closures
        )
        pairs = self.holdings("active")
        if not cases:
            return self._case_register(rng, False)
        if not pairs:
            return self._credits_issue(rng, False)
        case = rng.choice(cases)
        _, required, retired = self.ref.cases[case]
        account, batch, active = rng.choice(pairs)
        quantity = rng.randint(1, min(active, required - retired))
        if rng.randrange(3) == 0:  # all that is left, when held: the case is then satisfied
            quantity = min(active, required - retired)
        cosigners: tuple[SigningKey, ...] = (self.key(COURT),)
        if mistake and self.ref.closures and rng.randrange(4) == 0:  # case_closed (ADR 0029)
            case = rng.choice(sorted(self.ref.closures))
        elif mistake:
            quantity, cosigners = rng.choice(
                [
                    (quantity, ()),
                    (quantity, (self.key(PROCURATORATE),)),
                    (required - retired + 1, cosigners),
                ]
            )
        sender = self.holder_of(account)
        if rng.randrange(4) == 0:
            sender = self.key(self.ref.accounts[account][1])  # the custodian, for the obligors
        body: dict[str, Any] = {"case_id": case, "account_id": account, "batch_id": batch}
        body |= {"quantity_kg": quantity, "beneficiary": "象山县蓝碳生态碳账户"}
        return Draft("credits.retire_judicial", sender, cosigners, body)

    def _case_judgment(self, rng: random.Random, mistake: bool) -> Draft:
        return self.cases.judgment(rng, mistake) or self._case_register(rng, False)

    def _case_close(self, rng: random.Random, mistake: bool) -> Draft:
        return self.cases.close(rng, mistake) or self._credits_retire_judicial(rng, False)

    def _reversal_report(self, rng: random.Random, mistake: bool) -> Draft:
        return self.reversals.report(rng, mistake) or self._verification_attest(rng, False)

    def _insurance_claim(self, rng: random.Random, mistake: bool) -> Draft:
        return self.reversals.claim(rng, mistake) or self._toward_claim(rng)

    def _insurance_claim_decide(self, rng: random.Random, mistake: bool) -> Draft:
        return self.claim_decisions.decide(rng, mistake) or self._toward_claim(rng)

    def _toward_claim(self, rng: random.Random) -> Draft:
        """The next step of the chain a decision needs, so that each run reaches decisions
        (not by luck): a covered claim, its policy, its 2023 loss, the loss's batch, a
        verifier to report it. Drafting something unrelated instead left a run with no
        accepted decision at all (hypothesis seed 4)."""
        step = self.claim_decisions.file_claim(rng)
        step = step or self.reversals.report(rng, False, years=(2023,))
        if step is None and not self.ref.batches:
            return self._credits_issue(rng, False)
        return step or self._verification_attest(rng, False)  # grants a verifier first

    def _credits_freeze(self, rng: random.Random, mistake: bool) -> Draft:
        pairs = self.holdings("active")
        if not pairs:
            return self._credits_issue(rng, False)
        account, batch, active = rng.choice(pairs)
        sender = self.key(TRADING_CENTRES[0] if mistake else rng.choice([COURT, ISSUER]))
        body: dict[str, Any] = {"account_id": account, "batch_id": batch}
        body |= {"quantity_kg": rng.randint(1, active), "reason": "财产保全 preservation"}
        return Draft("credits.freeze", sender, (), body)

    def _credits_unfreeze(self, rng: random.Random, mistake: bool) -> Draft:
        frozen = self.frozen_by()
        if not frozen:
            return self._credits_freeze(rng, False)
        account, batch, institution, count = rng.choice(frozen)
        if mistake:
            institution = ISSUER if institution == COURT else COURT
        body: dict[str, Any] = {"account_id": account, "batch_id": batch}
        body |= {"quantity_kg": rng.randint(1, count), "reason": "解除保全 release"}
        return Draft("credits.unfreeze", self.key(institution), (), body)

    def _credits_cancel(self, rng: random.Random, mistake: bool) -> Draft:
        pairs = self.holdings("active") or self.holdings("retired")
        if not pairs:
            return self._credits_issue(rng, False)
        account, batch, held = rng.choice(pairs)
        sender = self.key(ISSUER)
        cosigners = () if mistake else self.validator_signers(rng, sender)
        body: dict[str, Any] = {"account_id": account, "batch_id": batch}
        body |= {"quantity_kg": rng.randint(1, held), "reason": "更正 correction"}
        return Draft("credits.cancel", sender, cosigners, body)

    def _insurance_attest(self, rng: random.Random, mistake: bool) -> Draft:
        if not self.ref.projects or not self.ref.accounts:
            return self._project_register(rng, False)
        kind = rng.choice(["project", "account"])
        subjects = self.ref.projects if kind == "project" else self.ref.accounts
        sender = self.key(COURT if mistake else rng.choice([ISSUER, *TRADING_CENTRES]))
        body: dict[str, Any] = {
            "policy_id": self.fresh("policy"),
            "insurer": "某保险公司",
            "policyholder": "象山县",
            "coverage": "project_excess_emission_loss"
            if kind == "project"
            else "carbon_account_comprehensive",
            "subject_kind": kind,
            "subject_id": rng.choice(sorted(subjects)),
            "sum_insured_fen": rng.randint(1, 10**9),
            "period_start": "2023-01-01",
            "period_end": "2023-12-31",
            "clause_hash": bytes([3] * 32).hex(),
        }
        return Draft("insurance.attest", sender, (), body)

    def _institution_register(self, rng: random.Random, mistake: bool) -> Draft:
        institution = self.fresh("inst")
        choices = ["auditor", "trading_centre", "validator", "verifier"]
        roles = sorted(rng.sample(choices, rng.randint(1, 3)))
        sender = self.a_validator(rng)
        cosigners = () if mistake else self.validator_signers(rng, sender)
        body: dict[str, Any] = {
            "institution_id": institution,
            "name_zh": "新机构",
            "name_en": "new institution",
            "roles": roles,
            "public_keys": [self.key(institution).public_key.hex()],
        }
        return Draft("institution.register", sender, cosigners, body)

    def _key_register(self, rng: random.Random, mistake: bool) -> Draft:
        institution = rng.choice(sorted(self.ref.roles))
        key = self.key(COURT if mistake else self.fresh("key"))
        sender = self.a_validator(rng)
        body: dict[str, Any] = {"institution_id": institution, "public_key": key.public_key.hex()}
        return Draft("key.register", sender, self.validator_signers(rng, sender), body)

    def _validators_update(self, rng: random.Random, mistake: bool) -> Draft:
        members = set(self.ref.validators[0])
        candidates = sorted(
            self.keys[k].public_key
            for k, owner in self.ref.key_owner.items()
            if k in self.keys
            and "validator" in self.ref.roles[owner]
            and k not in members
            and party_key(owner).public_key == k
        )
        if candidates and (len(members) < 3 or rng.randrange(2)):
            members.add(rng.choice(candidates))
            sender = self.a_validator(rng)
            cosigners = self.validator_signers(rng, sender)
        elif len(members) > 2:
            removed = rng.choice(sorted(members))
            members.discard(removed)
            sender = self.keys[removed] if mistake else self.keys[sorted(members)[0]]
            others = sorted(self.ref.validators[0] - {removed, sender.public_key})
            cosigners = tuple(self.keys[k] for k in others)
            if mistake:
                cosigners = self.validator_signers(rng, sender)
        else:
            return self._institution_register(rng, False)
        validators = [
            {
                "name": self.ref.key_owner[k],
                "public_key": k.hex(),
                "note_verifier_key": verifier_key_string(self.ref.key_owner[k], k),
            }
            for k in sorted(members)
        ]
        body: dict[str, Any] = {
            "validator_set": {"validators": validators, "quorum": len(members) // 2 + 1}
        }
        body["evidence_hashes"] = []
        return Draft("validators.update", sender, cosigners, body)
