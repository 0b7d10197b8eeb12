"""Invariants checked after every simulation step (TigerBeetle's state checker, A4).

Safety: no two honest replicas commit different blocks at one height; a replica's
committed history only grows by exactly the next height; every commit carries a
certificate of its height's validator set; no honest key is ever named by evidence.
"""

from dataclasses import dataclass, field

from consensus.certificates import certificate_is_valid
from consensus.ports import VerifySignature
from protocol.hashing import Hash32
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str
    detail: str


class SafetyViolationError(AssertionError):
    """Raised the moment an invariant breaks, naming it."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(f"{violation.kind}: {violation.detail}")
        self.violation = violation


@dataclass
class SafetyChecker:
    chain_id: Hash32
    verify: VerifySignature
    byzantine_keys: frozenset[bytes]
    check_certificates: bool = True
    decided: dict[int, tuple[Hash32, str]] = field(default_factory=dict)
    rounds_by_height: dict[int, int] = field(default_factory=dict)

    def check_commit(
        self,
        *,
        replica: str,
        honest: bool,
        chain: list[Hash32],
        height: int,
        block: Hash32,
        certificate: CommitCertificate,
        validators: ValidatorSet,
    ) -> None:
        """Check one CommitBlock before the harness appends it to the replica's chain."""
        if height != len(chain) + 1:
            self._fail("history", f"{replica} committed height {height} after {len(chain)}")
        if not honest:
            return
        if certificate.block_hash != block or certificate.height != height:
            self._fail("certificate", f"{replica} at {height}: certificate names another block")
        if self.check_certificates and not certificate_is_valid(
            certificate, self.chain_id, validators, validators.quorum, self.verify
        ):
            self._fail("certificate", f"{replica} at {height}: certificate below quorum")
        earlier = self.decided.get(height)
        if earlier is not None and earlier[0] != block:
            self._fail(
                "fork",
                f"height {height}: {earlier[1]} committed {earlier[0].hex()[:12]}, "
                f"{replica} committed {block.hex()[:12]}",
            )
        self.decided.setdefault(height, (block, replica))
        self.rounds_by_height[height] = max(self.rounds_by_height.get(height, 0), certificate.round)

    def check_evidence(self, replica: str, offender: bytes) -> None:
        if offender not in self.byzantine_keys:
            self._fail("honest-equivocation", f"{replica} found evidence against an honest key")

    def _fail(self, kind: str, detail: str) -> None:
        raise SafetyViolationError(Violation(kind, detail))
