"""Checking a commit certificate through the injected verify port. Pure.

protocol.votes.verify_certificate always uses Ed25519; the engine must use its port so
the simulator's fast fake signer works, and takes the replica's quorum as given.
"""

from consensus.ports import VerifySignature
from protocol.hashing import Hash32
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate


def certificate_is_valid(
    certificate: CommitCertificate,
    chain_id: Hash32,
    validators: ValidatorSet,
    quorum: int,
    verify: VerifySignature,
) -> bool:
    """True when >= quorum distinct members of validators signed the certified precommit.

    Distinctness holds by construction: CommitCertificate refuses repeated signers.
    """
    message = certificate.precommit(chain_id).sign_bytes()
    valid = 0
    for entry in certificate.signatures:
        if not validators.contains(entry.validator):
            return False
        if not verify(entry.validator, message, entry.signature):
            return False
        valid += 1
    return valid >= quorum
