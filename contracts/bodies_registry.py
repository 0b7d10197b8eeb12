"""Bodies of the registry tx types: institutions, keys, validators, accounts, projects,
verifications, cases and insurance (DESIGN.md §5). Pure.

from_json is strict (unknown or missing fields are admission errors); to_json is what a
client puts in UnsignedTx.body.
"""

from dataclasses import dataclass

from contracts.body_fields import (
    read_amount,
    read_choice,
    read_date,
    read_hash,
    read_hashes,
    read_optional_slug,
    read_public_key,
    read_slug,
    read_slugs,
    read_text,
)
from contracts.case_records import Obligor
from contracts.credit_records import ECOSYSTEMS
from contracts.records import ACCOUNT_KINDS, INSTITUTION_KEYS_MAX, ROLE_NAMES
from protocol.encoding import JsonObject
from protocol.errors import FieldTypeError
from protocol.fields import expect_object, parse_hex, read_list, read_object
from protocol.hashing import Hash32
from protocol.note import verifier_key_string
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey
from protocol.validators import ValidatorSet

OBLIGORS_MAX = 32
INSURANCE_COVERAGES = frozenset({"project_excess_emission_loss", "carbon_account_comprehensive"})
INSURANCE_SUBJECTS = frozenset({"project", "account"})


@dataclass(frozen=True, slots=True, kw_only=True)
class InstitutionRegisterBody:
    """institution.register: a new member, endorsed by q current validators."""

    institution_id: str
    name_zh: str
    name_en: str
    roles: tuple[str, ...]
    public_keys: tuple[PublicKey, ...]

    def to_json(self) -> JsonObject:
        return {
            "institution_id": self.institution_id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "roles": [*sorted(self.roles)],
            "public_keys": [*sorted(k.hex() for k in self.public_keys)],
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "InstitutionRegisterBody":
        fields = ("institution_id", "name_zh", "name_en", "roles", "public_keys")
        expect_object(obj, "body", fields)
        roles = read_slugs(obj, "roles", max_items=len(ROLE_NAMES))
        for role in roles:
            read_choice({"roles": role}, "roles", ROLE_NAMES)
        return cls(
            institution_id=read_slug(obj, "institution_id"),
            name_zh=read_text(obj, "name_zh"),
            name_en=read_text(obj, "name_en"),
            roles=roles,
            public_keys=read_key_list(obj, "public_keys"),
        )


def read_key_list(obj: JsonObject, name: str) -> tuple[PublicKey, ...]:
    """1..INSTITUTION_KEYS_MAX distinct public keys, returned sorted."""
    items = read_list(obj, name, max_items=INSTITUTION_KEYS_MAX)
    keys = tuple(PublicKey(parse_hex(item, name, size=PUBLIC_KEY_SIZE)) for item in items)
    if not keys or len(set(keys)) != len(keys):
        raise FieldTypeError(f"{name}: expected distinct keys, at least one")
    return tuple(sorted(keys))


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRegisterBody:
    """key.register: one more signing key for an institution, endorsed by q validators."""

    institution_id: str
    public_key: PublicKey

    def to_json(self) -> JsonObject:
        return {"institution_id": self.institution_id, "public_key": self.public_key.hex()}

    @classmethod
    def from_json(cls, obj: JsonObject) -> "KeyRegisterBody":
        expect_object(obj, "body", ("institution_id", "public_key"))
        return cls(
            institution_id=read_slug(obj, "institution_id"),
            public_key=read_public_key(obj, "public_key"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidatorsUpdateBody:
    """validators.update: the set for the next height; n' >= q' > n'/2 holds by construction."""

    validators: ValidatorSet
    evidence_hashes: tuple[Hash32, ...]
    """Recorded evidence against removed validators that did not sign."""

    def to_json(self) -> JsonObject:
        return {
            "validator_set": self.validators.to_json(),
            "evidence_hashes": [h.hex() for h in self.evidence_hashes],
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "ValidatorsUpdateBody":
        expect_object(obj, "body", ("validator_set", "evidence_hashes"))
        hashes = read_list(obj, "evidence_hashes", max_items=16)
        validators = ValidatorSet.from_json(read_object(obj, "validator_set"))
        for validator in validators.validators:
            # The note key is derived from (name, key): a mismatch would let checkpoints
            # name one validator and be verified under another's key.
            if validator.note_verifier_key != verifier_key_string(
                validator.name, validator.public_key
            ):
                raise FieldTypeError(f"note_verifier_key: does not match {validator.name}")
        return cls(
            validators=validators,
            evidence_hashes=tuple(read_hash({"h": h}, "h") for h in hashes),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountOpenBody:
    """account.open: a trading centre (the custodian) binds a holder key to an account."""

    account_id: str
    holder_key: PublicKey
    display_name: str
    kind: str

    def to_json(self) -> JsonObject:
        return {
            "account_id": self.account_id,
            "holder_key": self.holder_key.hex(),
            "display_name": self.display_name,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "AccountOpenBody":
        expect_object(obj, "body", ("account_id", "holder_key", "display_name", "kind"))
        return cls(
            account_id=read_slug(obj, "account_id"),
            holder_key=read_public_key(obj, "holder_key"),
            display_name=read_text(obj, "display_name", max_length=128),
            kind=read_choice(obj, "kind", ACCOUNT_KINDS),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRegisterBody:
    """project.register: a blue carbon sink, registered by an issuer."""

    project_id: str
    name_zh: str
    name_en: str
    ecosystem: str
    location: str
    accounting_standard: str
    owner: str
    document_hashes: tuple[Hash32, ...]

    def to_json(self) -> JsonObject:
        return {
            "project_id": self.project_id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "ecosystem": self.ecosystem,
            "location": self.location,
            "accounting_standard": self.accounting_standard,
            "owner": self.owner,
            "document_hashes": [h.hex() for h in self.document_hashes],
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "ProjectRegisterBody":
        expect_object(obj, "body", PROJECT_BODY_FIELDS)
        return cls(
            project_id=read_slug(obj, "project_id"),
            name_zh=read_text(obj, "name_zh"),
            name_en=read_text(obj, "name_en"),
            ecosystem=read_choice(obj, "ecosystem", ECOSYSTEMS),
            location=read_text(obj, "location"),
            accounting_standard=read_text(obj, "accounting_standard", max_length=64),
            owner=read_text(obj, "owner"),
            document_hashes=read_hashes(obj, "document_hashes"),
        )


PROJECT_BODY_FIELDS = (
    "project_id",
    "name_zh",
    "name_en",
    "ecosystem",
    "location",
    "accounting_standard",
    "owner",
    "document_hashes",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationRecordBody:
    """verification.record: a third-party verification of one monitoring period."""

    verification_id: str
    project_id: str
    period_start: str
    period_end: str
    verification_body: str
    report_hashes: tuple[Hash32, ...]
    verified_kg: int

    def to_json(self) -> JsonObject:
        return {
            "verification_id": self.verification_id,
            "project_id": self.project_id,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "verification_body": self.verification_body,
            "report_hashes": [h.hex() for h in self.report_hashes],
            "verified_kg": self.verified_kg,
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "VerificationRecordBody":
        fields = ("verification_id", "project_id", "period_start", "period_end")
        expect_object(obj, "body", (*fields, "verification_body", "report_hashes", "verified_kg"))
        start, end = read_date(obj, "period_start"), read_date(obj, "period_end")
        if end < start:
            raise FieldTypeError("period_end: before period_start")
        return cls(
            verification_id=read_slug(obj, "verification_id"),
            project_id=read_slug(obj, "project_id"),
            period_start=start,
            period_end=end,
            verification_body=read_text(obj, "verification_body"),
            report_hashes=read_hashes(obj, "report_hashes"),
            verified_kg=read_amount(obj, "verified_kg"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRegisterBody:
    """case.register: a court case, filed by the court or by the procuratorate as plaintiff."""

    case_id: str
    court: str
    case_number: str
    case_type: str
    plaintiff: str | None
    obligors: tuple[Obligor, ...]
    required_kg: int
    document_hash: Hash32

    def to_json(self) -> JsonObject:
        return {
            "case_id": self.case_id,
            "court": self.court,
            "case_number": self.case_number,
            "case_type": self.case_type,
            "plaintiff": self.plaintiff,
            "obligors": [o.to_json() for o in self.obligors],
            "required_kg": self.required_kg,
            "document_hash": self.document_hash.hex(),
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "CaseRegisterBody":
        fields = ("case_id", "court", "case_number", "case_type", "plaintiff", "obligors")
        expect_object(obj, "body", (*fields, "required_kg", "document_hash"))
        return cls(
            case_id=read_slug(obj, "case_id"),
            court=read_slug(obj, "court"),
            case_number=read_text(obj, "case_number", max_length=128),
            case_type=read_text(obj, "case_type", max_length=128),
            plaintiff=read_optional_slug(obj, "plaintiff"),
            obligors=read_obligors(obj),
            required_kg=read_amount(obj, "required_kg"),
            document_hash=read_hash(obj, "document_hash"),
        )


def read_obligors(obj: JsonObject) -> tuple[Obligor, ...]:
    """1..32 obligors, each MASKED: a clear name never reaches the chain (DESIGN.md §5)."""
    obligors = tuple(Obligor.from_json(o) for o in read_list(obj, "obligors", max_items=32))
    if not obligors:
        raise FieldTypeError("obligors: at least one")
    for obligor in obligors:
        if "某" not in obligor.masked_name and "*" not in obligor.masked_name:
            raise FieldTypeError("obligors: masked_name must be masked (王某某 or 王**)")
    return obligors


@dataclass(frozen=True, slots=True, kw_only=True)
class InsuranceAttestBody:
    """insurance.attest: a policy written alongside credits; it moves no units."""

    policy_id: str
    insurer: str
    policyholder: str
    coverage: str
    subject_kind: str
    subject_id: str
    sum_insured_fen: int
    """Sum insured in CNY fen (1/100 yuan): integers only."""
    period_start: str
    period_end: str
    clause_hash: Hash32

    def to_json(self) -> JsonObject:
        return {
            "policy_id": self.policy_id,
            "insurer": self.insurer,
            "policyholder": self.policyholder,
            "coverage": self.coverage,
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "sum_insured_fen": self.sum_insured_fen,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "clause_hash": self.clause_hash.hex(),
        }

    @classmethod
    def from_json(cls, obj: JsonObject) -> "InsuranceAttestBody":
        fields: tuple[str, ...] = ("policy_id", "insurer", "policyholder", "coverage")
        fields += ("subject_kind",)
        fields += ("subject_id", "sum_insured_fen", "period_start", "period_end", "clause_hash")
        expect_object(obj, "body", fields)
        start, end = read_date(obj, "period_start"), read_date(obj, "period_end")
        if end < start:
            raise FieldTypeError("period_end: before period_start")
        return cls(
            policy_id=read_slug(obj, "policy_id"),
            insurer=read_text(obj, "insurer"),
            policyholder=read_text(obj, "policyholder"),
            coverage=read_choice(obj, "coverage", INSURANCE_COVERAGES),
            subject_kind=read_choice(obj, "subject_kind", INSURANCE_SUBJECTS),
            subject_id=read_slug(obj, "subject_id"),
            sum_insured_fen=read_amount(obj, "sum_insured_fen"),
            period_start=start,
            period_end=end,
            clause_hash=read_hash(obj, "clause_hash"),
        )
