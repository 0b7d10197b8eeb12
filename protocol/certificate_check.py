"""The one commit-certificate check: consensus, the node, the audit and receipts use it. Pure.

A certificate holds >= q precommits for one block in one round, each by a distinct member of
the validator set in force (docs/PROTOCOL.md §6). check_certificate returns the first
problem as a typed value, never an error type of a caller: consensus maps it to False, the
node to SignatureError, the audit to a FindingCode and receipts to a ReceiptCode.

It reads a certificate as served (CertificateLike), before any type refused its shape, so
duplicated and unsorted signers get their own problems (CommitCertificate refuses both at
parse time; a RawCertificate keeps them for this check). Problems come in one fixed order,
cheapest first and signatures last, so a forged certificate costs no Ed25519 work before
its shape is known: duplicate, unsorted, not a validator, wrong block, bad signature,
below quorum (the order of PROTOCOL.md §14.4 step 3).
"""

import enum
from collections import Counter
from dataclasses import dataclass

from protocol.errors import SignatureError
from protocol.hashing import Hash32
from protocol.signing import PublicKey, VerifySignature, verify_signature
from protocol.validators import ValidatorSet
from protocol.votes import CertificateLike, precommit_of


class CertificateFault(enum.Enum):
    """Each way a certificate fails, in the order the check looks for them."""

    DUPLICATE_SIGNER = "duplicate_signer"
    UNSORTED = "unsorted"
    NOT_A_VALIDATOR = "not_a_validator"
    WRONG_BLOCK = "wrong_block"
    BAD_SIGNATURE = "bad_signature"
    BELOW_QUORUM = "below_quorum"


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateProblem:
    """Why a certificate does not certify, with the data a caller needs to say so."""

    fault: CertificateFault
    signers: tuple[PublicKey, ...] = ()
    """The duplicated signers (sorted), or the one signer not in the set or whose
    signature fails; empty for the other faults."""
    valid: int = 0
    """BELOW_QUORUM: how many distinct valid signatures there are."""
    quorum: int = 0
    """The quorum the certificate had to reach."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedBlock:
    """The block a certificate must name, when the caller knows it."""

    height: int
    block_hash: Hash32


def check_certificate(
    certificate: CertificateLike,
    *,
    chain_id: Hash32,
    validators: ValidatorSet,
    expected: ExpectedBlock | None = None,
    quorum: int | None = None,
    verify: VerifySignature = verify_signature,
) -> CertificateProblem | None:
    """The first problem of certificate, or None when it certifies its block.

    It certifies when its signers are distinct, sorted and members of validators, it names
    expected (when given), and at least quorum (default validators.quorum) of them signed
    the precommit for (chain_id, height, round, block_hash) under verify.
    """
    needed = validators.quorum if quorum is None else quorum
    problem = _shape_problem(certificate, validators, needed)
    if problem is not None:
        return problem
    if expected is not None and (certificate.height, certificate.block_hash) != (
        expected.height,
        expected.block_hash,
    ):
        return CertificateProblem(fault=CertificateFault.WRONG_BLOCK, quorum=needed)
    message = precommit_sign_bytes(certificate, chain_id)
    for entry in certificate.signatures:
        if not verify(entry.validator, message, entry.signature):
            fault = CertificateFault.BAD_SIGNATURE
            return CertificateProblem(fault=fault, signers=(entry.validator,), quorum=needed)
    valid = len(certificate.signatures)
    if valid < needed:
        fault = CertificateFault.BELOW_QUORUM
        return CertificateProblem(fault=fault, valid=valid, quorum=needed)
    return None


def precommit_sign_bytes(certificate: CertificateLike, chain_id: Hash32) -> bytes:
    """The bytes every signature of certificate signs: its precommit's sign bytes."""
    return precommit_of(certificate, chain_id).sign_bytes()


def verify_certificate(
    certificate: CertificateLike,
    chain_id: Hash32,
    validators: ValidatorSet,
    verify: VerifySignature = verify_signature,
) -> None:
    """Raise SignatureError unless >= q distinct members of validators signed the precommit.

    The node's form of check_certificate (block sync, the startup check, commit).
    """
    problem = check_certificate(
        certificate, chain_id=chain_id, validators=validators, verify=verify
    )
    if problem is not None:
        raise SignatureError(describe(problem))


def describe(problem: CertificateProblem) -> str:
    """A one-line English account of problem, for logs and SignatureError."""
    keys = ", ".join(key.hex() for key in problem.signers)
    match problem.fault:
        case CertificateFault.DUPLICATE_SIGNER:
            return f"certificate signer {keys} appears more than once"
        case CertificateFault.UNSORTED:
            return "certificate signatures are not sorted by validator"
        case CertificateFault.NOT_A_VALIDATOR:
            return f"certificate signer {keys} is not a validator"
        case CertificateFault.WRONG_BLOCK:
            return "certificate is for another block"
        case CertificateFault.BAD_SIGNATURE:
            return f"certificate signature by {keys} is invalid"
        case CertificateFault.BELOW_QUORUM:
            return f"certificate has {problem.valid} signatures, quorum is {problem.quorum}"


def _shape_problem(
    certificate: CertificateLike, validators: ValidatorSet, quorum: int
) -> CertificateProblem | None:
    signers = [entry.validator for entry in certificate.signatures]
    duplicated = tuple(sorted(key for key, count in Counter(signers).items() if count > 1))
    if duplicated:
        fault = CertificateFault.DUPLICATE_SIGNER
        return CertificateProblem(fault=fault, signers=duplicated, quorum=quorum)
    if signers != sorted(signers):
        return CertificateProblem(fault=CertificateFault.UNSORTED, quorum=quorum)
    for key in signers:
        if not validators.contains(key):
            fault = CertificateFault.NOT_A_VALIDATOR
            return CertificateProblem(fault=fault, signers=(key,), quorum=quorum)
    return None
