"""Proposal attacks: two valid blocks for one round, and a block carrying evidence that
only a patched copy of the contracts records (issue 10 finding 6)."""

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import contracts.execution
from contracts.context import BlockContext
from contracts.records import EvidenceRecord
from contracts.state import StateOverlay
from contracts.state_keys import evidence_key
from contracts.store import save
from node.peer_envelope import PeerKind
from protocol.evidence import Evidence
from protocol.hashing import Hash32
from protocol.votes import VoteType
from tests.adversary.byzantine_evidence import EvidenceAttacks
from tests.adversary.byzantine_peer import Reply, now_ms

_RECORDER = "record_evidence"
"""The function of contracts.execution that checks and records a block's evidence."""


class ProposalAttacks(EvidenceAttacks):
    """Attacks run when we are the round-0 proposer of the honest nodes' next height."""

    def double_propose(self, timeout_s: float) -> Reply:
        """At a height where we propose round 0, send two valid blocks for that round: each
        honest node gets a different one first."""
        deadline = time.monotonic() + timeout_s
        size = self.validators().size
        me = self.key.public_key
        height = self._proposer_slot(deadline)
        time_ms = max(now_ms(), self.ledger.head().time_ms + 1)
        blocks = [
            self.ledger.build(txs=(), evidence=(), time_ms=time_ms + offset, proposer=me)
            for offset in (0, 1)
        ]
        messages = [
            self.seal(
                PeerKind.CONSENSUS, self.proposal(height, 0, prepared.payload, prepared.block_hash)
            )
            for prepared in blocks
        ]
        for index, peer in enumerate(self.peers):
            for data in messages if index % 2 == 0 else reversed(messages):
                self.post(peer, PeerKind.CONSENSUS, data)
        return {
            "height": height,
            "blocks": [prepared.block_hash.hex() for prepared in blocks],
            "validators": size,
            "honest_prevotes": self._prevotes_seen(height, 0, size - 1, deadline),
        }

    def propose_backdated(self, timeout_s: float, idle_s: float) -> Reply:
        """As round-0 proposer of the honest nodes' next height, wait idle_s after their
        head, then propose a block stamped at the earliest time the header rules let
        through (the head's time_ms + 1, ADR 0040), with our own prevote and precommit:
        one honest vote makes a quorum of two at n=3."""
        deadline = time.monotonic() + timeout_s
        me = self.key.public_key
        height = self._proposer_slot(deadline)
        head_time_ms = self.ledger.head().time_ms
        time.sleep(max(0.0, head_time_ms / 1000 + idle_s - time.time()))
        prepared = self.ledger.build(txs=(), evidence=(), time_ms=head_time_ms + 1, proposer=me)
        block = prepared.block_hash
        sent_ms = now_ms()
        self._propose_with_votes(height, prepared.payload, block)
        return {
            "height": height,
            "block": block.hex(),
            "head_time_ms": head_time_ms,
            "time_ms": head_time_ms + 1,
            "sent_ms": sent_ms,
            "honest_prevotes": self._prevotes_seen(height, 0, self.validators().size - 1, deadline),
        }

    def _propose_with_votes(self, height: int, payload: bytes, block: Hash32) -> None:
        """Send our round-0 proposal of block, then our own prevote and precommit for it."""
        self.send(PeerKind.CONSENSUS, self.proposal(height, 0, payload, block))
        for kind in (VoteType.PREVOTE, VoteType.PRECOMMIT):
            self.send(PeerKind.CONSENSUS, self.vote_body(self.vote(kind, height, 0, block)))

    def propose_bogus_evidence(self, timeout_s: float) -> Reply:
        """As round-0 proposer, a block whose evidence list holds cross-chain evidence
        (another chain's votes, another chain's checkpoint note; both really signed by us,
        which the unfixed contracts accept: issue 10 finding 6), built by a
        patched copy of the contracts that records evidence unchecked; we prevote and
        precommit it ourselves, so one honest vote would make a quorum of two at n=3."""
        deadline = time.monotonic() + timeout_s
        size = self.validators().size
        me = self.key.public_key
        height = self._proposer_slot(deadline)
        evidence = (self._cross_chain_votes(height), self._cross_chain_checkpoint(height))
        time_ms = max(now_ms(), self.ledger.head().time_ms + 1)
        with unchecked_evidence():
            prepared = self.ledger.build(txs=(), evidence=evidence, time_ms=time_ms, proposer=me)
        block = prepared.block_hash
        self._propose_with_votes(height, prepared.payload, block)
        return {
            "height": height,
            "block": block.hex(),
            "hashes": [item.hash().hex() for item in evidence],
            "honest_prevotes": self._prevotes_seen(height, 0, size - 1, deadline),
        }


@contextlib.contextmanager
def unchecked_evidence() -> Iterator[None]:
    """Within: this process's contracts record any evidence without checking it (what a
    Byzantine validator's modified software would do); the honest nodes run the real ones."""

    def record_unchecked(
        overlay: StateOverlay, evidence: Evidence, ctx: BlockContext, *_: Any, **__: Any
    ) -> EvidenceRecord:
        record = EvidenceRecord(
            evidence_hash=evidence.hash(),
            offender=evidence.offender,
            height=ctx.height,
            evidence=evidence.to_json(),
        )
        save(overlay, evidence_key(evidence.hash()), record)
        return record

    original = getattr(contracts.execution, _RECORDER)
    setattr(contracts.execution, _RECORDER, record_unchecked)
    try:
        yield
    finally:
        setattr(contracts.execution, _RECORDER, original)
