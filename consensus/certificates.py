"""Checking a commit certificate through the injected verify port. Pure.

The rule is protocol/certificate_check.py; the engine passes its verify port (so the
simulator's fast fake signer works) and its quorum, and needs only a yes or no.
"""

from protocol.certificate_check import check_certificate
from protocol.hashing import Hash32
from protocol.signing import VerifySignature
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate


def certificate_is_valid(
    certificate: CommitCertificate,
    chain_id: Hash32,
    validators: ValidatorSet,
    quorum: int,
    verify: VerifySignature,
) -> bool:
    """True when >= quorum distinct members of validators signed the certified precommit."""
    problem = check_certificate(
        certificate, chain_id=chain_id, validators=validators, quorum=quorum, verify=verify
    )
    return problem is None
