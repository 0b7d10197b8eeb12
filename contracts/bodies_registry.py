"""Bodies of the registry tx types: institutions, keys, validators, accounts, projects,
verifications, cases and insurance (DESIGN.md §5). Pure.

Each body names its fields once; protocol/codec.py reads them strictly (unknown or missing
fields are admission errors) and writes what a client puts in UnsignedTx.body.
"""

from dataclasses import dataclass
from typing import Annotated

from contracts.body_fields import (
    Amount,
    Body,
    Date,
    Slug,
    Text,
    choice,
)
from contracts.case_records import CaseDetails
from contracts.credit_records import ProjectDetails, VerificationDetails, check_period
from contracts.records import AccountDetails, Institution
from protocol.codec import HASH, Wire, WireName, items
from protocol.errors import FieldTypeError
from protocol.fields import read_object
from protocol.hashing import Hash32
from protocol.note import verifier_key_string
from protocol.signing import PublicKey
from protocol.validators import ValidatorSet

INSURANCE_COVERAGES = frozenset({"project_excess_emission_loss", "carbon_account_comprehensive"})
INSURANCE_SUBJECTS = frozenset({"project", "account"})


@dataclass(frozen=True, slots=True, kw_only=True)
class InstitutionRegisterBody(Body, Institution):
    """institution.register: a new member, endorsed by q current validators. The body is
    the institution record it writes (contracts/records.py Institution)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRegisterBody(Body):
    """key.register: one more signing key for an institution, endorsed by q validators."""

    institution_id: Slug
    public_key: PublicKey


_VALIDATOR_SET = Wire(
    lambda obj, name: ValidatorSet.from_json(read_object(obj, name)), lambda v: v.to_json()
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidatorsUpdateBody(Body):
    """validators.update: the set for the next height; n' >= q' > n'/2 holds by construction."""

    validators: Annotated[ValidatorSet, _VALIDATOR_SET, WireName("validator_set")]
    evidence_hashes: Annotated[tuple[Hash32, ...], items(HASH, max_items=16)]
    """Recorded evidence against removed validators that did not sign."""

    def check(self) -> None:
        for validator in self.validators.validators:
            # The note key is derived from (name, key): a mismatch would let checkpoints
            # name one validator and be verified under another's key.
            if validator.note_verifier_key != verifier_key_string(
                validator.name, validator.public_key
            ):
                raise FieldTypeError(f"note_verifier_key: does not match {validator.name}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountOpenBody(Body, AccountDetails):
    """account.open: a trading centre (the custodian) binds a holder key to an account."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRegisterBody(Body, ProjectDetails):
    """project.register: a blue carbon sink, registered by an issuer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationRecordBody(Body, VerificationDetails):
    """verification.record: a third-party verification of one monitoring period."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRegisterBody(Body, CaseDetails):
    """case.register: a court case, filed by the court or by the procuratorate as plaintiff."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InsuranceAttestBody(Body):
    """insurance.attest: a policy written alongside credits; it moves no units."""

    policy_id: Slug
    insurer: Text
    policyholder: Text
    coverage: Annotated[str, choice(INSURANCE_COVERAGES)]
    subject_kind: Annotated[str, choice(INSURANCE_SUBJECTS)]
    subject_id: Slug
    sum_insured_fen: Amount
    """Sum insured in CNY fen (1/100 yuan): integers only."""
    period_start: Date
    period_end: Date
    clause_hash: Hash32

    def check(self) -> None:
        check_period(self.period_start, self.period_end)
