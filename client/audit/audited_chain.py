"""What the checkpoint checks read of the chain audit: its tip, roots, sets and findings.

A Protocol, so audit/history.py (the checkpoint checks) needs nothing from
audit/chain_audit.py, which holds the one implementation (ChainAudit) and imports
history.py: the import graph of client/ stays acyclic (tests/unit/test_import_graph.py).
"""

from collections.abc import Mapping, Sequence
from typing import Protocol

from client.audit.findings import FindingCode
from protocol.encoding import JsonObject
from protocol.hashing import Hash32
from protocol.validators import ValidatorSet


class AuditedChain(Protocol):
    """The chain an audit has verified so far, and where its findings go."""

    @property
    def chain_id(self) -> Hash32: ...

    @property
    def height(self) -> int:
        """The height of the last verified block."""
        ...

    @property
    def diverged(self) -> Mapping[str, int]:
        """Node -> the first height at which it served another block than the audited chain."""
        ...

    def history_root(self, size: int) -> Hash32:
        """Root over headers 0 .. size-1 of the audited chain."""
        ...

    def validators_at(self, height: int) -> ValidatorSet:
        """The set that certifies block `height` of the audited chain."""
        ...

    def add_finding(
        self,
        code: FindingCode,
        height: int | None,
        nodes: Sequence[str],
        detail: str,
        evidence: JsonObject | None = None,
    ) -> None: ...
