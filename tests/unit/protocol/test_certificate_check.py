"""The one certificate check: each problem kind, in its fixed order, and its callers' maps."""

from dataclasses import dataclass

import pytest

from client.audit.certificate import FINDING_OF_FAULT
from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.history import RawCertificate, verify_certificate_strict
from protocol.block import BlockHeader
from protocol.certificate_check import (
    CertificateFault,
    CertificateProblem,
    ExpectedBlock,
    check_certificate,
    precommit_sign_bytes,
    verify_certificate,
)
from protocol.errors import SignatureError
from protocol.hashing import Hash32, sha256
from protocol.signing import PublicKey, SigningKey, VerifySignature, verify_signature
from protocol.votes import CommitSignature
from tests.kit.headers import header_with
from tests.kit.validators import validator_set_of

CHAIN_ID = Hash32(sha256(b"certificate check chain"))
BLOCK = Hash32(sha256(b"the block"))
KEYS = sorted((SigningKey(sha256(bytes([n]))) for n in range(4)), key=lambda k: k.public_key)
VALIDATORS = validator_set_of([(f"v{n}", key.public_key) for n, key in enumerate(KEYS[:3])], 2)
OUTSIDER = KEYS[3]


@dataclass(frozen=True)
class Served:
    """A certificate as served: any signatures, in any order."""

    height: int
    round: int
    block_hash: Hash32
    signatures: tuple[CommitSignature, ...]


def served(*signers: SigningKey, height: int = 5, block_hash: Hash32 = BLOCK) -> Served:
    unsigned = Served(height=height, round=0, block_hash=block_hash, signatures=())
    message = precommit_sign_bytes(unsigned, CHAIN_ID)
    entries = tuple(
        CommitSignature(validator=k.public_key, signature=k.sign(message)) for k in signers
    )
    return Served(height=height, round=0, block_hash=block_hash, signatures=entries)


def check(
    certificate: Served, *, quorum: int | None = None, verify: VerifySignature = verify_signature
) -> CertificateProblem | None:
    expected = ExpectedBlock(height=5, block_hash=BLOCK)
    return check_certificate(
        certificate,
        chain_id=CHAIN_ID,
        validators=VALIDATORS,
        expected=expected,
        quorum=quorum,
        verify=verify,
    )


def test_a_quorum_of_distinct_sorted_members_certifies() -> None:
    assert check(served(KEYS[0], KEYS[1])) is None
    assert check(served(*KEYS[:3])) is None


def test_each_fault_is_named_with_its_signer() -> None:
    a, b, c = KEYS[:3]
    duplicate = check(served(a, a, b))
    assert duplicate == CertificateProblem(
        fault=CertificateFault.DUPLICATE_SIGNER, signers=(a.public_key,), quorum=2
    )
    assert check(served(b, a)) == CertificateProblem(fault=CertificateFault.UNSORTED, quorum=2)
    outsider = served(*sorted((a, OUTSIDER), key=lambda k: k.public_key))
    problem = check(outsider)
    assert problem is not None and problem.fault is CertificateFault.NOT_A_VALIDATOR
    assert problem.signers == (OUTSIDER.public_key,)
    assert check(served(a, b, height=6)) == CertificateProblem(
        fault=CertificateFault.WRONG_BLOCK, quorum=2
    )
    forged = served(a, b)
    entries = (forged.signatures[0], CommitSignature(validator=b.public_key, signature=bytes(64)))
    bad = check(Served(height=5, round=0, block_hash=BLOCK, signatures=entries))
    assert bad == CertificateProblem(
        fault=CertificateFault.BAD_SIGNATURE, signers=(b.public_key,), quorum=2
    )
    assert check(served(c)) == CertificateProblem(
        fault=CertificateFault.BELOW_QUORUM, valid=1, quorum=2
    )


def test_cheap_faults_come_before_any_signature_is_verified() -> None:
    verified: list[bytes] = []

    def counting(key: bytes, message: bytes, signature: bytes) -> bool:
        verified.append(key)
        return False

    a, b = KEYS[:2]
    for certificate in (served(a, a), served(b, a), served(a, b, height=9)):
        problem = check(certificate, verify=counting)
        assert problem is not None and problem.fault is not CertificateFault.BAD_SIGNATURE
    assert verified == []


def test_the_engine_quorum_and_verify_port_are_used() -> None:
    one = served(KEYS[0])
    assert check(one, quorum=1) is None
    always = check(served(KEYS[0], KEYS[1]), verify=lambda key, message, signature: False)
    assert always is not None and always.fault is CertificateFault.BAD_SIGNATURE


def test_the_node_raises_signature_error_with_the_reason() -> None:
    with pytest.raises(SignatureError, match="quorum is 2"):
        verify_certificate(served(KEYS[0]), CHAIN_ID, VALIDATORS)
    verify_certificate(served(KEYS[0], KEYS[1]), CHAIN_ID, VALIDATORS)


def test_every_fault_maps_to_an_audit_finding() -> None:
    assert set(FINDING_OF_FAULT) == set(CertificateFault)


@pytest.mark.parametrize(
    ("signers", "code"),
    [
        ((0, 0, 1), ReceiptCode.DUPLICATE_SIGNER),
        ((1, 0), ReceiptCode.MALFORMED),
        ((2,), ReceiptCode.QUORUM_NOT_REACHED),
    ],
)
def test_receipts_map_faults_to_their_codes(signers: tuple[int, ...], code: ReceiptCode) -> None:
    header = _header()
    certificate = served(
        *(KEYS[n] for n in signers), height=header.height, block_hash=header.block_hash()
    )
    raw = RawCertificate(
        height=certificate.height,
        round=certificate.round,
        block_hash=certificate.block_hash,
        signatures=certificate.signatures,
    )
    with pytest.raises(ReceiptError) as caught:
        verify_certificate_strict(raw, header, CHAIN_ID, VALIDATORS)
    assert caught.value.code is code


def _header() -> BlockHeader:
    proposer = PublicKey(KEYS[0].public_key)
    return header_with(
        chain_id=CHAIN_ID, height=5, time_ms=1, validators=VALIDATORS, proposer=proposer
    )
