"""A naive per-kilogram reference model of the contracts, kept only in tests (STYLE.md §8).

Every serial is one list entry; every rule is re-implemented by direct search, in the
order the contracts check them. The property test predicts each tx's result with this
model and compares the contract's state to it after every step. It shares no code with
contracts/ beyond the reason strings (A5: an RFC reference implementation kept in tests).
"""

from dataclasses import dataclass, field, replace
from typing import Any

from protocol.signing import PublicKey
from tests.property.auction_reference import AuctionReference
from tests.property.case_reference import CaseLifecycleReference
from tests.property.claim_decision_reference import ClaimDecisionReference
from tests.property.consideration_reference import ConsiderationReference
from tests.property.links_reference import LinkIndex, LinksReference
from tests.property.pledge_reference import PledgeReference
from tests.property.reversal_reference import ReversalReference

ROLE_ISSUER, ROLE_TC, ROLE_COURT = "issuer", "trading_centre", "court"
ROLE_PROCURATORATE, ROLE_VALIDATOR, ROLE_WITNESS = "procuratorate", "validator", "witness"
ROLE_VERIFIER = "verifier"
KEYS_PER_INSTITUTION_MAX = 16


class Rejected(Exception):  # noqa: N818 - a verdict, not an error
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Unit:
    """One kilogram: who holds it and in what status."""

    account: str | None
    status: str
    frozen_by: str | None = None
    retirement: bytes | None = None
    case: str | None = None


@dataclass
class Op:
    """One tx as the reference sees it."""

    tx_type: str
    sender: PublicKey
    signers: frozenset[PublicKey]
    body: dict[str, Any]
    tx_id: bytes = b""


@dataclass
class ReferenceLedger(
    LinksReference,
    CaseLifecycleReference,
    ConsiderationReference,
    ReversalReference,
    PledgeReference,
    AuctionReference,
    ClaimDecisionReference,
):
    roles: dict[str, set[str]] = field(default_factory=dict)
    key_owner: dict[PublicKey, str] = field(default_factory=dict)
    """Active institution keys (a rotated or revoked key signs for nobody)."""
    retired_keys: dict[PublicKey, str] = field(default_factory=dict)
    """Rotated or revoked keys: never registered again (ADR 0019)."""
    holders: dict[PublicKey, set[str]] = field(default_factory=dict)
    accounts: dict[str, tuple[PublicKey, str]] = field(default_factory=dict)
    projects: dict[str, str] = field(default_factory=dict)
    verifications: dict[str, list[Any]] = field(default_factory=dict)
    attested: dict[str, list[Any]] = field(default_factory=dict)
    """verification.attest (ADR 0026): [project, net_sink_kg, issued_kg, first year, last year]."""
    batches: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    units: dict[str, list[Unit]] = field(default_factory=dict)
    cases: dict[str, list[Any]] = field(default_factory=dict)
    policies: set[str] = field(default_factory=set)
    validators: tuple[frozenset[PublicKey], int] = (frozenset(), 1)
    next_validators: tuple[frozenset[PublicKey], int] = (frozenset(), 1)
    nonces: dict[PublicKey, int] = field(default_factory=dict)
    addresses: dict[PublicKey, str] = field(default_factory=dict)
    tenures: dict[str, list[Any]] = field(default_factory=dict)
    """project.tenure (ADR 0027): project -> [kind, number, active]."""
    certificates: dict[tuple[str, str], str] = field(default_factory=dict)
    """(kind, number) -> the one active project it backs (ADR 0027)."""
    linked: LinkIndex = field(default_factory=LinkIndex)
    """batch.link (ADR 0028): labels, external ids and their claims."""
    judged: set[str] = field(default_factory=set)
    """Cases with a case.judgment (ADR 0029)."""
    closures: dict[str, str] = field(default_factory=dict)
    """case -> the outcome of its case.close (ADR 0029)."""
    considerations: dict[bytes, dict[str, Any]] = field(default_factory=dict)
    """tx id -> the consideration/ record's fields but height (ADR 0031)."""
    policy_terms: dict[str, dict[str, Any]] = field(default_factory=dict)
    """policy -> its insurance.attest body (ADR 0033)."""
    reversals: dict[str, dict[str, Any]] = field(default_factory=dict)
    """reversal -> its reversal.report body (ADR 0033)."""
    batch_lost: dict[str, int] = field(default_factory=dict)
    """batch -> the kg its reversals lost, summed (ADR 0033)."""
    claims: set[str] = field(default_factory=set)
    """insurance.claim ids (ADR 0033)."""
    pledges: dict[str, list[Any]] = field(default_factory=dict)
    """pledge -> [lender, account, batch, kg indices, status] (ADR 0032)."""
    unpledged: set[tuple[str, int]] = field(default_factory=set)
    """(batch, kg index) released or enforced since the machine last cleared it (ADR 0032)."""
    height: int = 0
    """The height of the block being executed (auction windows, ADR 0034)."""
    lots: dict[str, dict[str, Any]] = field(default_factory=dict)
    """lot -> its terms, escrowed kg indices, bids in seq order and outcome (ADR 0034)."""
    unescrowed: set[tuple[str, int]] = field(default_factory=set)
    """(batch, kg index) settled since the machine last cleared it (ADR 0034)."""
    policy_attester: dict[str, str] = field(default_factory=dict)
    """policy -> the institution that attested it (ADR 0035)."""
    claim_terms: dict[str, dict[str, Any]] = field(default_factory=dict)
    """claim -> its insurance.claim body (ADR 0035)."""
    claim_status: dict[str, str] = field(default_factory=dict)
    """claim -> filed, accepted, rejected or paid (ADR 0035)."""
    claim_accepted: dict[str, int] = field(default_factory=dict)
    """claim -> the fen accepted (ADR 0035)."""
    policy_totals: dict[str, dict[str, int]] = field(default_factory=dict)
    """policy -> its claims' running totals (ADR 0035)."""

    # --- queries the generators and checks use ---------------------------------------

    def count(self, batch: str, account: str, status: str, frozen_by: str | None = None) -> int:
        return sum(
            1
            for u in self.units.get(batch, ())
            if u.account == account
            and u.status == status
            and (frozen_by is None or u.frozen_by == frozen_by)
        )

    def institution_of(self, key: PublicKey) -> str | None:
        return self.key_owner.get(key)

    def has_role(self, key: PublicKey, *roles: str) -> bool:
        owner = self.key_owner.get(key)
        return owner is not None and any(r in self.roles[owner] for r in roles)

    # --- execution ---------------------------------------------------------------------

    def begin_block(self) -> None:
        self.validators = self.next_validators
        self.height += 1

    def execute(self, op: Op) -> str | None:
        """Predict op's result; apply it when accepted. The nonce advances either way."""
        self.nonces[op.sender] = self.nonces.get(op.sender, 0) + 1
        handler = getattr(self, "_" + op.tx_type.replace(".", "_"))
        try:
            handler(op)
        except Rejected as rejected:
            return rejected.reason
        return None

    def _require(self, condition: bool, reason: str) -> None:
        if not condition:
            raise Rejected(reason)

    def _role(self, op: Op, *roles: str, reason: str = "signer_lacks_role") -> str:
        self._require(self.has_role(op.sender, *roles), reason)
        return self.key_owner[op.sender]

    def _quorum(self, op: Op) -> None:
        members, quorum = self.validators
        self._require(len(members & op.signers) >= quorum, "validator_quorum_missing")

    def _account(self, account: str) -> tuple[PublicKey, str]:
        self._require(account in self.accounts, "unknown_account")
        return self.accounts[account]

    def _batch(self, batch: str) -> None:
        self._require(batch in self.batches, "unknown_batch")

    def _take_active(self, op: Op, account: str, batch: str, retired_reason: str) -> list[int]:
        """Indices of the lowest ACTIVE kg; a shortage is named as the contracts name it."""
        quantity = op.body["quantity_kg"]
        active = self.count(batch, account, "active")
        if active < quantity:
            pledged = self.count(batch, account, "pledged")
            if pledged and active + pledged >= quantity:
                raise Rejected("units_pledged")  # ADR 0032
            escrowed = self.count(batch, account, "escrowed")
            if escrowed and active + pledged + escrowed >= quantity:
                raise Rejected("units_escrowed")  # ADR 0034
            frozen = self.count(batch, account, "frozen")
            retired = self.count(batch, account, "retired")
            if active + frozen >= quantity:
                raise Rejected("units_frozen")
            if active + frozen + retired >= quantity:
                raise Rejected(retired_reason)
            raise Rejected("insufficient_balance")
        units = self.units[batch]
        picked = [i for i, u in enumerate(units) if u.account == account and u.status == "active"]
        return picked[:quantity]

    def _institution_register(self, op: Op) -> None:
        self._quorum(op)
        body = op.body
        self._require(body["institution_id"] not in self.roles, "already_exists")
        keys = [PublicKey(bytes.fromhex(k)) for k in body["public_keys"]]
        for key in keys:
            self._require(
                self.key_owner.get(key, body["institution_id"]) == body["institution_id"]
                and key not in self.retired_keys,
                "key_in_use",
            )
        self.roles[body["institution_id"]] = set(body["roles"])
        for key in keys:
            self.key_owner[key] = body["institution_id"]

    def _key_register(self, op: Op) -> None:
        self._quorum(op)
        institution = op.body["institution_id"]
        self._require(institution in self.roles, "unknown_institution")
        key = PublicKey(bytes.fromhex(op.body["public_key"]))
        keys = {k for k, owner in self.key_owner.items() if owner == institution} | {key}
        self._require(len(keys) <= KEYS_PER_INSTITUTION_MAX, "too_many_keys")
        self._require(self.key_owner.get(key, institution) == institution, "key_in_use")
        self._require(key not in self.retired_keys, "key_in_use")
        self.key_owner[key] = institution

    def _validators_update(self, op: Op) -> None:
        members, _ = self.validators
        self._quorum(op)
        new = frozenset(
            PublicKey(bytes.fromhex(v["public_key"]))
            for v in op.body["validator_set"]["validators"]
        )
        for key in sorted(new):
            self._require(self.has_role(key, ROLE_VALIDATOR), "validator_not_registered")
        for removed in sorted(members - new):
            self._require(members - {removed} <= op.signers, "removal_not_endorsed")
        self.next_validators = (new, op.body["validator_set"]["quorum"])

    def _account_open(self, op: Op) -> None:
        custodian = self._role(op, ROLE_TC)
        body = op.body
        self._require(body["account_id"] not in self.accounts, "already_exists")
        holder = PublicKey(bytes.fromhex(body["holder_key"]))
        self.accounts[body["account_id"]] = (holder, custodian)
        self.holders.setdefault(holder, set()).add(body["account_id"])

    def _project_register(self, op: Op) -> None:
        issuer = self._role(op, ROLE_ISSUER)
        self._require(op.body["project_id"] not in self.projects, "already_exists")
        self.projects[op.body["project_id"]] = issuer

    def _verification_record(self, op: Op) -> None:
        issuer = self._role(op, ROLE_ISSUER)
        body = op.body
        self._require(body["project_id"] in self.projects, "unknown_project")
        self._require(self.projects[body["project_id"]] == issuer, "not_project_issuer")
        self._verification_id_free(body["verification_id"])
        self.verifications[body["verification_id"]] = [body["project_id"], body["verified_kg"], 0]

    def _verification_id_free(self, verification_id: str) -> None:
        taken = verification_id in self.verifications or verification_id in self.attested
        self._require(not taken, "already_exists")

    def _verification_attest(self, op: Op) -> None:
        verifier = self._role(op, ROLE_VERIFIER, reason="verifier_not_accredited")
        body = op.body
        self._require(body["verifier"] == verifier, "verifier_not_sender")
        self._require(body["project_id"] in self.projects, "unknown_project")
        self._require(self.projects[body["project_id"]] != verifier, "verifier_not_independent")
        self._verification_id_free(body["verification_id"])
        first, last = int(body["period_start"][:4]), int(body["period_end"][:4])
        self.attested[body["verification_id"]] = [
            body["project_id"],
            body["net_sink_kg"],
            0,
            first,
            last,
        ]

    def _credits_issue(self, op: Op) -> None:
        issuer = self._role(op, ROLE_ISSUER)
        body = op.body
        verification = self.verifications.get(body["verification_id"])
        attested = self.attested.get(body["verification_id"])
        self._require(verification is not None or attested is not None, "unknown_verification")
        verification = verification or attested
        assert verification is not None
        self._require(self.projects[verification[0]] == issuer, "not_project_issuer")
        self._require(self.tenures.get(verification[0], [0, 0, True])[2], "tenure_ended")
        self._account(body["to_account"])
        self._require(body["batch_id"] not in self.batches, "already_exists")
        if attested is not None:
            inside = attested[3] <= body["vintage"] <= attested[4]
            self._require(inside, "vintage_outside_period")
        quantity, buffer = body["quantity_kg"], body["buffer_kg"]
        self._require(verification[2] + quantity + buffer <= verification[1], "exceeds_verified")
        # At least 10% buffer (the default params): buffer >= total / 10, compared exactly.
        self._require(buffer * 10 >= quantity + buffer, "buffer_too_small")
        verification[2] += quantity + buffer
        self.batches[body["batch_id"]] = (verification[0], quantity, buffer)
        self.units[body["batch_id"]] = [Unit(body["to_account"], "active")] * quantity + [
            Unit(None, "buffer")
        ] * buffer

    def _credits_transfer(self, op: Op) -> None:
        body = op.body
        holder, _ = self._account(body["from_account"])
        self._account(body["to_account"])
        self._require(op.sender == holder, "not_account_holder")
        if body["broker"] is not None:
            brokers = {self.key_owner.get(k) for k in op.signers if self.has_role(k, ROLE_TC)}
            self._require(body["broker"] in brokers, "broker_signature_missing")
        self._require(body["from_account"] != body["to_account"], "same_account")
        self._batch(body["batch_id"])
        units = self.units[body["batch_id"]]
        for i in self._take_active(op, body["from_account"], body["batch_id"], "units_retired"):
            units[i] = replace(units[i], account=body["to_account"])

    def _retire(self, op: Op, account: str, batch: str, case: str | None) -> None:
        self._batch(batch)
        picked = self._take_active(op, account, batch, "already_retired")
        units = self.units[batch]
        for i in picked:
            units[i] = replace(units[i], status="retired", retirement=op.tx_id, case=case)

    def _credits_retire(self, op: Op) -> None:
        self._holder_sent(op, op.body["account_id"])
        self._retire(op, op.body["account_id"], op.body["batch_id"], None)

    def _case_register(self, op: Op) -> None:
        registrar = self._role(op, ROLE_COURT, ROLE_PROCURATORATE)
        body = op.body
        self._require(body["court"] in self.roles, "unknown_institution")
        self._require(ROLE_COURT in self.roles[body["court"]], "not_a_court")
        registrar_is_court = ROLE_COURT in self.roles[registrar]
        self._require(not registrar_is_court or registrar == body["court"], "wrong_court")
        if body["plaintiff"] is not None:
            self._require(body["plaintiff"] in self.roles, "unknown_institution")
        self._require(body["case_id"] not in self.cases, "already_exists")
        self.cases[body["case_id"]] = [body["court"], body["required_kg"], 0]

    def _credits_retire_judicial(self, op: Op) -> None:
        body = op.body
        self._require(body["case_id"] in self.cases, "unknown_case")
        self._require(body["case_id"] not in self.closures, "case_closed")
        court, required, retired = self.cases[body["case_id"]]
        holder, custodian = self._account(body["account_id"])
        if op.sender != holder:
            self._require(self.key_owner.get(op.sender) == custodian, "not_account_holder")
            self._require(self.has_role(op.sender, ROLE_TC), "signer_lacks_role")
        courts = sorted(k for k in op.signers if self.has_role(k, ROLE_COURT))
        if not any(self.key_owner[k] == court for k in courts):
            self._require(not courts, "wrong_court")
            self._require(not (op.signers - {op.sender}), "cosigner_not_court")
            raise Rejected("court_signature_missing")
        self._require(retired + body["quantity_kg"] <= required, "exceeds_case_requirement")
        self._retire(op, body["account_id"], body["batch_id"], body["case_id"])
        self.cases[body["case_id"]][2] += body["quantity_kg"]

    def _freezer_and_units(self, op: Op) -> tuple[str, list[Unit]]:
        """Freeze and unfreeze: the court or issuer acting, once the account and the batch
        are known, and the batch's units."""
        institution = self._role(op, ROLE_COURT, ROLE_ISSUER)
        self._account(op.body["account_id"])
        self._batch(op.body["batch_id"])
        return institution, self.units[op.body["batch_id"]]

    def _credits_freeze(self, op: Op) -> None:
        body = op.body
        institution, units = self._freezer_and_units(op)
        for i in self._take_active(op, body["account_id"], body["batch_id"], "units_retired"):
            units[i] = replace(units[i], status="frozen", frozen_by=institution)

    def _credits_unfreeze(self, op: Op) -> None:
        body = op.body
        institution, units = self._freezer_and_units(op)
        picked = [
            i
            for i, u in enumerate(units)
            if u.account == body["account_id"]
            and u.status == "frozen"
            and u.frozen_by == institution
        ]
        self._require(len(picked) >= body["quantity_kg"], "insufficient_frozen")
        for i in picked[: body["quantity_kg"]]:
            units[i] = replace(units[i], status="active", frozen_by=None)

    def _credits_cancel(self, op: Op) -> None:
        issuer = self._role(op, ROLE_ISSUER)
        self._quorum(op)
        body = op.body
        self._account(body["account_id"])
        self._batch(body["batch_id"])
        self._require(self.batches[body["batch_id"]][0] in self.projects, "unknown_project")
        self._require(
            self.projects[self.batches[body["batch_id"]][0]] == issuer, "not_project_issuer"
        )
        units = self.units[body["batch_id"]]
        for i in self._take_active(op, body["account_id"], body["batch_id"], "units_retired"):
            units[i] = replace(units[i], status="cancelled")

    def _insurance_attest(self, op: Op) -> None:
        attester = self._role(op, ROLE_TC, ROLE_ISSUER)
        body = op.body
        if body["subject_kind"] == "project":
            self._require(body["subject_id"] in self.projects, "unknown_project")
        else:
            self._account(body["subject_id"])
        self._require(body["policy_id"] not in self.policies, "already_exists")
        self.policies.add(body["policy_id"])
        self.policy_terms[body["policy_id"]] = body
        self.policy_attester[body["policy_id"]] = attester

    # --- governance of roles and keys (ADR 0019) ---------------------------------------

    def _in_sets(self, key: PublicKey) -> bool:
        return key in self.validators[0] or key in self.next_validators[0]

    def _role_grant(self, op: Op) -> None:
        self._quorum(op)
        institution, role = op.body["institution_id"], op.body["role"]
        self._require(institution in self.roles, "unknown_institution")
        self._require(role not in self.roles[institution], "role_already_held")
        self.roles[institution].add(role)

    def _role_revoke(self, op: Op) -> None:
        self._quorum(op)
        institution, role = op.body["institution_id"], op.body["role"]
        self._require(institution in self.roles, "unknown_institution")
        self._require(role in self.roles[institution], "role_not_held")
        if role == ROLE_VALIDATOR:
            keys = [k for k, owner in self.key_owner.items() if owner == institution]
            self._require(not any(self._in_sets(k) for k in keys), "validator_role_in_use")
        self.roles[institution].discard(role)

    def _changeable(self, key: PublicKey, *, in_sets_allowed: bool = False) -> str:
        """The institution of an active key (outside the validator sets unless allowed)."""
        self._require(key in self.key_owner or key in self.retired_keys, "unknown_key")
        self._require(key in self.key_owner, "key_not_active")
        self._require(in_sets_allowed or not self._in_sets(key), "key_in_validator_set")
        return self.key_owner[key]

    def _key_rotate(self, op: Op) -> None:
        old = PublicKey(bytes.fromhex(op.body["public_key"]))
        new = PublicKey(bytes.fromhex(op.body["new_public_key"]))
        self._require(old in op.signers, "old_key_signature_missing")
        self._require(new in op.signers, "new_key_signature_missing")
        institution = self._changeable(old, in_sets_allowed=True)
        self._require(new not in self.key_owner and new not in self.retired_keys, "key_in_use")
        self.retired_keys[old] = self.key_owner.pop(old)
        self.key_owner[new] = institution
        members, quorum = self.next_validators
        # ADR 0022: the next set holds the new key in its place. Its once-a-day bound is an
        # admission rule (a block holding a second rotation is invalid), outside this model,
        # and the drafts rotate no validator key.
        if old in members:
            self.next_validators = ((members - {old}) | {new}, quorum)

    def _key_revoke(self, op: Op) -> None:
        key = PublicKey(bytes.fromhex(op.body["public_key"]))
        self._require(key in self.key_owner or key in self.retired_keys, "unknown_key")
        if key not in op.signers:
            self._quorum(op)
        self._changeable(key)
        self.retired_keys[key] = self.key_owner.pop(key)

    def _node_announce(self, op: Op) -> None:
        key = PublicKey(bytes.fromhex(op.body["public_key"]))
        self._require(key == op.sender, "announcer_not_sender")
        self._role(op, ROLE_VALIDATOR, ROLE_WITNESS)
        self.addresses[key] = op.body["address"]

    # --- project boundary and tenure (ADR 0027) ----------------------------------------

    def _own_project(self, op: Op) -> str:
        issuer = self._role(op, ROLE_ISSUER)
        project = op.body["project_id"]
        self._require(project in self.projects, "unknown_project")
        self._require(self.projects[project] == issuer, "not_project_issuer")
        return str(project)

    def _project_tenure(self, op: Op) -> None:
        project = self._own_project(op)
        self._require(project not in self.tenures, "tenure_already_recorded")
        certificate = (op.body["certificate_kind"], op.body["certificate_number"])
        self._require(certificate not in self.certificates, "certificate_claimed")
        self.tenures[project] = [*certificate, True]
        self.certificates[certificate] = project

    def _project_tenure_release(self, op: Op) -> None:
        project = self._own_project(op)
        tenure = self.tenures.get(project)
        self._require(tenure is not None and tenure[2], "no_active_tenure")
        assert tenure is not None
        tenure[2] = False
        del self.certificates[(tenure[0], tenure[1])]
