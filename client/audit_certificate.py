"""Checks one commit certificate as served, before any type would refuse its shape. Pure.

protocol.votes.CommitCertificate refuses duplicated or unsorted signers at parse time, so
an auditor that parsed with it could only say "malformed". Here the raw JSON is read entry
by entry, and each way to fail gets its own FindingCode (PROTOCOL.md §8.2): a duplicated
signer, a signer outside the set, a bad signature, fewer than q distinct valid signers.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from client.audit_findings import FindingCode
from protocol.errors import ProtocolError
from protocol.fields import expect_object, read_hex, read_int, read_list
from protocol.hashing import HASH_SIZE, Hash32, sha256
from protocol.signing import verify_signature
from protocol.validators import ValidatorSet
from protocol.votes import CommitSignature, Vote, VoteType

CERTIFICATE_FIELDS = ("height", "round", "block_hash", "signatures")


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateProblem:
    code: FindingCode
    detail: str


class SignatureCache:
    """Signatures already verified at one height: nodes share most of their precommits."""

    def __init__(self) -> None:
        self._valid: set[tuple[bytes, bytes, bytes]] = set()

    def clear(self) -> None:
        self._valid.clear()

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        entry = (public_key, signature, sha256(message))
        if entry in self._valid:
            return True
        if not verify_signature(public_key, message, signature):
            return False
        self._valid.add(entry)
        return True


def check_certificate(
    raw: object,
    *,
    chain_id: Hash32,
    height: int,
    block_hash: Hash32,
    validators: ValidatorSet,
    cache: SignatureCache,
) -> CertificateProblem | None:
    """The first problem of a served certificate for (height, block_hash), or None if it
    holds >= q valid signatures of distinct members of validators, each once."""
    if raw is None:
        return CertificateProblem(code=FindingCode.CERTIFICATE_MISSING, detail="no certificate")
    try:
        obj = expect_object(raw, "certificate", CERTIFICATE_FIELDS)
        cert_height, round_number = read_int(obj, "height"), read_int(obj, "round")
        cert_hash = read_hex(obj, "block_hash", size=HASH_SIZE)
        entries = [CommitSignature.from_json(e) for e in read_list(obj, "signatures")]
    except ProtocolError as error:
        return CertificateProblem(code=FindingCode.CERTIFICATE_MALFORMED, detail=str(error))
    if (cert_height, cert_hash) != (height, block_hash):
        detail = f"certificate names height {cert_height} block {cert_hash.hex()[:16]}"
        return CertificateProblem(code=FindingCode.CERTIFICATE_WRONG_BLOCK, detail=detail)
    signers = [entry.validator for entry in entries]
    duplicated = sorted({key for key in signers if signers.count(key) > 1})
    if duplicated:
        return _duplicate(duplicated, signers, validators)
    if signers != sorted(signers):
        detail = "signatures are not sorted by validator key"
        return CertificateProblem(code=FindingCode.CERTIFICATE_MALFORMED, detail=detail)
    vote = Vote(
        type=VoteType.PRECOMMIT,
        chain_id=chain_id,
        height=height,
        round=round_number,
        block_hash=block_hash,
    )
    return _check_signers(entries, vote.sign_bytes(), validators, cache)


def _duplicate(
    duplicated: Sequence[bytes], signers: Sequence[bytes], validators: ValidatorSet
) -> CertificateProblem:
    names = ", ".join(_name(validators, key) for key in duplicated)
    detail = (
        f"signer {names} appears more than once: {len(signers)} entries, "
        f"{len(set(signers))} distinct signers, quorum {validators.quorum}"
    )
    return CertificateProblem(code=FindingCode.CERTIFICATE_DUPLICATE_SIGNER, detail=detail)


def _check_signers(
    entries: list[CommitSignature],
    message: bytes,
    validators: ValidatorSet,
    cache: SignatureCache,
) -> CertificateProblem | None:
    for entry in entries:
        if not validators.contains(entry.validator):
            detail = f"signer {entry.validator.hex()} is not in the validator set"
            return CertificateProblem(code=FindingCode.CERTIFICATE_NON_VALIDATOR, detail=detail)
        if not cache.verify(entry.validator, message, entry.signature):
            detail = f"precommit signature of {_name(validators, entry.validator)} is invalid"
            return CertificateProblem(code=FindingCode.CERTIFICATE_BAD_SIGNATURE, detail=detail)
    if len(entries) < validators.quorum:
        detail = (
            f"{len(entries)} signatures of {validators.size} validators, "
            f"quorum is {validators.quorum}"
        )
        return CertificateProblem(code=FindingCode.CERTIFICATE_BELOW_QUORUM, detail=detail)
    return None


def _name(validators: ValidatorSet, key: bytes) -> str:
    member = validators.by_key(key)
    return key.hex()[:16] if member is None else member.name
