"""Naming the double-signers of a fork from the certificates nodes served (issue 21).

Two validly certified blocks at one height mean more than f_S validators broke the rules.
A validator whose precommits appear in two of the certificates in the same round signed
two conflicting votes: that is DuplicateVoteEvidence anyone can check. A validator in both
at different rounds is not named here (that needs its prevotes, a lock violation).
"""

from itertools import combinations

from consensus.fork_evidence import fork_evidence
from protocol.encoding import JsonObject, JsonValue
from protocol.errors import ProtocolError
from protocol.hashing import Hash32
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate


def signed_both(validators: ValidatorSet, certificates: list[JsonValue]) -> list[str]:
    """Names (or key hex) of validators with a precommit in two conflicting certificates.

    At different rounds this is no proof (the lock may have been released by a POL), but
    one of them broke the rules: the auditor's list of suspects when nobody double-signed.
    """
    parsed = _parsed(certificates)
    keys: set[bytes] = set()
    for a, b in combinations(parsed, 2):
        if a.height == b.height and a.block_hash != b.block_hash:
            keys |= {s.validator for s in a.signatures} & {s.validator for s in b.signatures}
    names = []
    for key in sorted(keys):
        member = validators.by_key(key)
        names.append(key.hex() if member is None else member.name)
    return names


def double_signers(
    chain_id: Hash32, validators: ValidatorSet, certificates: list[JsonValue]
) -> list[JsonObject]:
    """Evidence per double-signer, with its name, from raw certificates of one height.

    Requires every certificate verified (the audit keeps only those that are)."""
    parsed = _parsed(certificates)
    named: dict[bytes, JsonObject] = {}
    for a, b in combinations(parsed, 2):
        if a.height != b.height or a.block_hash == b.block_hash:
            continue
        for evidence in fork_evidence(chain_id, a, b):
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


def _parsed(certificates: list[JsonValue]) -> list[CommitCertificate]:
    """The certificates that parse (the audit has verified them already)."""
    parsed: list[CommitCertificate] = []
    for raw in certificates:
        try:
            parsed.append(CommitCertificate.from_json(raw))
        except ProtocolError:
            continue
    return parsed
