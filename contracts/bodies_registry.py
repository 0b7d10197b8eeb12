"""Bodies of the registry tx types: institutions, keys, validators, accounts, projects,
verifications, cases and insurance (DESIGN.md §5). Pure.

Each body names its fields once; protocol/codec.py reads them strictly (unknown or missing
fields are admission errors) and writes what a client puts in UnsignedTx.body.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from contracts.body_fields import (
    Amount,
    Body,
    Date,
    Slug,
    Text,
    check_period,
    choice,
    read_choice,
    read_slugs,
    text,
)
from contracts.case_records import CaseFields
from contracts.credit_records import AttestationFields, ProjectFields, VerificationFields
from contracts.records import ACCOUNT_KINDS, INSTITUTION_KEYS_MAX, ROLE_NAMES
from protocol.codec import HASH, Wire, WireName, items
from protocol.encoding import JsonValue
from protocol.errors import FieldTypeError
from protocol.fields import parse_hex, read_list, read_object
from protocol.hashing import Hash32
from protocol.note import verifier_key_string
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey
from protocol.validators import ValidatorSet

INSURANCE_COVERAGES = frozenset({"project_excess_emission_loss", "carbon_account_comprehensive"})
INSURANCE_SUBJECTS = frozenset({"project", "account"})


def read_roles(obj: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """1..len(ROLE_NAMES) distinct role names, returned sorted."""
    roles = read_slugs(obj, name, max_items=len(ROLE_NAMES))
    for role in roles:
        read_choice({name: role}, name, ROLE_NAMES)
    return roles


def read_key_list(obj: Mapping[str, Any], name: str) -> tuple[PublicKey, ...]:
    """1..INSTITUTION_KEYS_MAX distinct public keys, returned sorted."""
    items = read_list(obj, name, max_items=INSTITUTION_KEYS_MAX)
    keys = tuple(PublicKey(parse_hex(item, name, size=PUBLIC_KEY_SIZE)) for item in items)
    if not keys or len(set(keys)) != len(keys):
        raise FieldTypeError(f"{name}: expected distinct keys, at least one")
    return tuple(sorted(keys))


def _sorted(values: tuple[str, ...]) -> JsonValue:
    return [*sorted(values)]


def _sorted_hex(keys: tuple[bytes, ...]) -> JsonValue:
    return [*sorted(key.hex() for key in keys)]


@dataclass(frozen=True, slots=True, kw_only=True)
class InstitutionRegisterBody(Body):
    """institution.register: a new member, endorsed by q current validators."""

    institution_id: Slug
    name_zh: Text
    name_en: Text
    roles: Annotated[tuple[str, ...], Wire(read_roles, _sorted)]
    public_keys: Annotated[tuple[PublicKey, ...], Wire(read_key_list, _sorted_hex)]


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
class AccountOpenBody(Body):
    """account.open: a trading centre (the custodian) binds a holder key to an account."""

    account_id: Slug
    holder_key: PublicKey
    display_name: Annotated[str, text(128)]
    kind: Annotated[str, choice(ACCOUNT_KINDS)]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRegisterBody(ProjectFields, Body):
    """project.register: a blue carbon sink, registered by an issuer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationRecordBody(VerificationFields, Body):
    """verification.record: a third-party verification of one monitoring period."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationAttestBody(AttestationFields, Body):
    """verification.attest: an accredited verifier's signed verification (ADR 0026)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRegisterBody(CaseFields, Body):
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
