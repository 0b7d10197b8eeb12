"""Checks one commit certificate as served, each way to fail its own FindingCode. Pure.

The rule is protocol.certificate_check; here the served JSON is read for its shape only
(client.receipt.history.RawCertificate keeps duplicated and unsorted signers), and each
CertificateFault becomes a FindingCode of PROTOCOL.md §8.2 with a detail naming the signer.
"""

from dataclasses import dataclass

from client.audit.findings import FindingCode
from client.receipt.history import RawCertificate
from protocol.certificate_check import (
    CertificateFault,
    CertificateProblem,
    ExpectedBlock,
    check_certificate,
)
from protocol.encoding import JsonValue
from protocol.errors import ProtocolError
from protocol.hashing import Hash32
from protocol.signing import VerifySignature
from protocol.validators import ValidatorSet

FINDING_OF_FAULT = {
    CertificateFault.DUPLICATE_SIGNER: FindingCode.CERTIFICATE_DUPLICATE_SIGNER,
    CertificateFault.UNSORTED: FindingCode.CERTIFICATE_MALFORMED,
    CertificateFault.NOT_A_VALIDATOR: FindingCode.CERTIFICATE_NON_VALIDATOR,
    CertificateFault.WRONG_BLOCK: FindingCode.CERTIFICATE_WRONG_BLOCK,
    CertificateFault.BAD_SIGNATURE: FindingCode.CERTIFICATE_BAD_SIGNATURE,
    CertificateFault.BELOW_QUORUM: FindingCode.CERTIFICATE_BELOW_QUORUM,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateFinding:
    code: FindingCode
    detail: str


def check_served_certificate(
    raw: JsonValue,
    *,
    chain_id: Hash32,
    height: int,
    block_hash: Hash32,
    validators: ValidatorSet,
    verify: VerifySignature,
) -> CertificateFinding | None:
    """The first problem of a served certificate for (height, block_hash), or None if it
    holds >= q valid signatures of distinct members of validators, each once."""
    if raw is None:
        return CertificateFinding(code=FindingCode.CERTIFICATE_MISSING, detail="no certificate")
    try:
        certificate = RawCertificate.from_json(raw)
    except ProtocolError as error:
        return CertificateFinding(code=FindingCode.CERTIFICATE_MALFORMED, detail=str(error))
    expected = ExpectedBlock(height=height, block_hash=block_hash)
    problem = check_certificate(
        certificate, chain_id=chain_id, validators=validators, expected=expected, verify=verify
    )
    if problem is None:
        return None
    detail = _detail(problem, certificate, validators)
    return CertificateFinding(code=FINDING_OF_FAULT[problem.fault], detail=detail)


def _detail(
    problem: CertificateProblem, certificate: RawCertificate, validators: ValidatorSet
) -> str:
    names = ", ".join(_name(validators, key) for key in problem.signers)
    entries = len(certificate.signatures)
    match problem.fault:
        case CertificateFault.DUPLICATE_SIGNER:
            distinct = len({entry.validator for entry in certificate.signatures})
            return (
                f"signer {names} appears more than once: {entries} entries, "
                f"{distinct} distinct signers, quorum {problem.quorum}"
            )
        case CertificateFault.UNSORTED:
            return "signatures are not sorted by validator key"
        case CertificateFault.NOT_A_VALIDATOR:
            return f"signer {problem.signers[0].hex()} is not in the validator set"
        case CertificateFault.WRONG_BLOCK:
            named = certificate.block_hash.hex()[:16]
            return f"certificate names height {certificate.height} block {named}"
        case CertificateFault.BAD_SIGNATURE:
            return f"precommit signature of {names} is invalid"
        case CertificateFault.BELOW_QUORUM:
            return (
                f"{entries} signatures of {validators.size} validators, quorum is {problem.quorum}"
            )


def _name(validators: ValidatorSet, key: bytes) -> str:
    member = validators.by_key(key)
    return key.hex()[:16] if member is None else member.name
