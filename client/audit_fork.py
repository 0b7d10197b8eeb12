"""Naming the double-signers of a fork from the certificates nodes served (issue 21).

Two validly certified blocks at one height mean more than f_S validators broke the rules.
A validator whose precommits appear in two of the certificates in the same round signed
two conflicting votes: that is DuplicateVoteEvidence anyone can check. A validator in both
at different rounds is not named here (that needs its prevotes, a lock violation).
"""

from itertools import combinations

from consensus.fork_evidence import fork_evidence
from consensus.ports import verify_ed25519
from protocol.encoding import JsonObject, JsonValue
from protocol.errors import ProtocolError
from protocol.hashing import Hash32
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate


def double_signers(
    chain_id: Hash32, validators: ValidatorSet, certificates: list[JsonValue]
) -> list[JsonObject]:
    """Evidence per double-signer, with its name, from raw certificates of one height."""
    parsed: list[CommitCertificate] = []
    for raw in certificates:
        try:
            parsed.append(CommitCertificate.from_json(raw))
        except ProtocolError:
            continue
    named: dict[bytes, JsonObject] = {}
    for a, b in combinations(parsed, 2):
        if a.height != b.height or a.block_hash == b.block_hash:
            continue
        for evidence in fork_evidence(chain_id, verify_ed25519, a, b):
            member = validators.by_key(evidence.offender)
            named.setdefault(
                evidence.offender,
                {
                    "name": None if member is None else member.name,
                    "public_key": evidence.offender.hex(),
                    "evidence": evidence.to_json(),
                },
            )
    return [named[key] for key in sorted(named)]
