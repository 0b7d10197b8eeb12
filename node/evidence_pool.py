"""The evidence a validator holds for its next proposals: checked, bounded, re-gossiped.

An item enters only once check_evidence passes on the head (DESIGN.md §0.3: verify before
pooling or gossiping), so its signatures sit in the ledger's signature cache and the
proposer's re-check costs no Ed25519 work. The pool holds at most items_max items, at most
offender_items_max of them against one validator, none of a height more than
EVIDENCE_AGE_MAX below the head; each is sealed and broadcast once when pooled and
re-gossiped (node/evidence_gossip.py) until a committed block records it. The event loop
owns it; the worker thread only chooses from a snapshot (for_block) and drops what a
committed block records.
"""

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from contracts.errors import InvalidBlockError
from contracts.evidence import check_evidence
from node.checkpoints import SIZES_KEPT
from node.evidence_gossip import EvidenceRegossip
from node.ledger import Ledger
from node.peer_envelope import PeerKind
from node.transport import PeerTransport
from protocol.evidence import ConflictingCheckpointEvidence, DuplicateVoteEvidence, Evidence
from protocol.lock_violation import LockViolationEvidence

log = logging.getLogger("lantan.runtime")

EVIDENCE_AGE_MAX = SIZES_KEPT // 2
"""Evidence of a height (a checkpoint's: its size - 1) more than this below the head is
neither pooled nor proposed. Everything this node finds is younger: the engine's is of the
height it works on or the one before, or of a recent decision (decisions_kept), and
checkpoint lines are taken back this far only (node/peering.py). Not a protocol rule: a
block recording older evidence is still valid."""

Pooled = tuple[tuple[bytes, Evidence], ...]
"""A snapshot of the pool: (evidence hash, evidence) in the order the items arrived."""


Offence = tuple[bytes, str, int, int, int]
"""What an item proves, whichever pair of votes it holds: the offender, the kind, and its
height and rounds (a checkpoint conflict: its size)."""


def offence(evidence: Evidence) -> Offence:
    """The offence evidence proves (Offence)."""
    offender = bytes(evidence.offender)
    if isinstance(evidence, DuplicateVoteEvidence):
        vote = evidence.vote_a.vote
        return (offender, f"duplicate_{vote.type.value}", vote.height, vote.round, 0)
    if isinstance(evidence, LockViolationEvidence):
        lock, later = evidence.precommit.vote, evidence.prevote.vote
        return (offender, "lock_violation", lock.height, lock.round, later.round)
    return (offender, "conflicting_checkpoint", evidence.size, 0, 0)


@dataclass(eq=False, kw_only=True)
class EvidencePool:
    """Pending evidence keyed by its hash, for the blocks this node proposes."""

    ledger: Ledger
    transport: PeerTransport
    monotonic_ms: Callable[[], int]
    """The clock of the re-gossip schedule (Clock.monotonic_ms): on the wall clock, a step
    back (NTP) held every re-send until the clock had passed the step again."""
    items_max: int
    """Items kept; more are refused (and counted) until some commit."""
    offender_items_max: int
    """Items kept against one validator: a Byzantine validator signs as many conflicting
    votes as it likes, and its own filled the pool, so another's real equivocation was
    refused (pool_full) and lost. One item suffices to prove an offence; its share drains
    as blocks record it (block_items_max each)."""
    block_items_max: int
    """Items one proposal carries (RuntimeSettings.block_evidence_max)."""
    on_pooled: Callable[[], None]
    """Called when an item entered: work arrived for the held height."""
    _held: dict[bytes, Evidence] = field(default_factory=dict, init=False)
    _regossip: EvidenceRegossip = field(default_factory=EvidenceRegossip, init=False)
    _recorded: dict[Offence, int] = field(default_factory=dict, init=False)
    """Offences committed blocks recorded, by the height of their block: an item of one of
    them proves nothing new. Trimmed to EVIDENCE_AGE_MAX heights, as the pool is."""

    def __len__(self) -> int:
        return len(self._held)

    def __contains__(self, key: object) -> bool:
        return key in self._held

    def items(self) -> Pooled:
        """A snapshot to hand to the worker thread."""
        return tuple(self._held.items())

    def add(self, evidence: Evidence) -> bool:
        """Check evidence found here (engine, checkpoint conflict), then pool it."""
        if evidence.hash() in self._held:
            return False
        reason = self.problem(evidence)
        if reason is not None:
            self.ledger.metrics.evidence_refused_for(reason)
            return False
        return self.pool(evidence)

    def problem(self, evidence: Evidence) -> str | None:
        """Why evidence may not be pooled now (check_evidence on the head), or None.

        Reads committed state only, so the peer route runs it off the event loop. Its
        signature checks go through the ledger's signature cache, so the proposer's
        re-check and apply_block find them verified.
        """
        if evidence_height(evidence) < self.ledger.height - EVIDENCE_AGE_MAX:
            return "evidence_too_old"
        try:
            check_evidence(
                self.ledger.store.state, evidence, self.ledger.chain_id, self.ledger.verify
            )
        except InvalidBlockError as error:
            return error.reason
        return None

    def no_room(self, evidence: Evidence) -> str | None:
        """Why pool() would have no room for evidence (pool_full, offender_share_full), or
        None: for the peer intake to ask before problem() checks signatures. Reads the
        pool: on the event loop that owns it."""
        if len(self._held) >= self.items_max:
            return "pool_full"
        # A snapshot: the worker thread drops what a committed block records meanwhile.
        held = tuple(self._held.values())
        if sum(1 for item in held if item.offender == evidence.offender) >= self.offender_items_max:
            return "offender_share_full"
        return None

    def pool(self, evidence: Evidence) -> bool:
        """Keep checked evidence for the next block this node proposes; tell the peers.

        Requires problem(evidence) is None. False when already pooled or full.
        """
        key = evidence.hash()
        if key in self._held:
            return False
        no_room = self.no_room(evidence) or self._known_offence(evidence)
        if no_room is not None:
            self.ledger.metrics.evidence_refused_for(no_room)
            return False
        self._held[key] = evidence
        # The transport seals with the key that signs now: after a rotation (ADR 0022) the
        # old key leaves the set, and peers drop what it seals (re-gossip seals again).
        sealed = self._seal(key)
        self.transport.broadcast_sealed(PeerKind.EVIDENCE, sealed)
        self._regossip.pooled(key, self.monotonic_ms(), sealed, self.transport.sealing_key)
        self.on_pooled()
        return True

    def _known_offence(self, evidence: Evidence) -> str | None:
        """same_offence when a committed block recorded evidence's offence, or another
        pooled item proves it. Each honest validator that catches one equivocation holds
        its own pair of the offender's votes, and every pair was pooled, gossiped and
        committed: one offence recorded three times (stop 56's hostile validator pass).
        A node's policy, not a block rule: a block that records both is still valid."""
        found = offence(evidence)
        if found in self._recorded:
            return "same_offence"
        held = tuple(self._held.values())  # the worker drops what a block records meanwhile
        if any(offence(item) == found for item in held):
            return "same_offence"
        return None

    def recorded(self, height: int, evidence: Iterable[Evidence]) -> None:
        """A committed block at height recorded evidence: forget those items, and any other
        of the same offences (another validator's pair of the same votes)."""
        offences = {offence(item): height for item in evidence}
        if not offences:
            return
        self._recorded.update(offences)
        for old in [o for o, at in self._recorded.items() if at < height - EVIDENCE_AGE_MAX]:
            del self._recorded[old]
        self.drop(key for key, item in tuple(self._held.items()) if offence(item) in offences)

    def for_block(self, pooled: Pooled) -> tuple[tuple[Evidence, ...], list[bytes]]:
        """Pooled evidence still recordable on the head, and the keys of what no longer is.

        Runs on the worker: check_evidence reads state, and its signatures come from the
        ledger's signature cache (checked once, at intake), so this costs no Ed25519 work.
        """
        chosen, stale = [], []
        for key, item in pooled:
            if self.problem(item) is not None:
                stale.append(key)
                continue
            chosen.append(item)
            if len(chosen) == self.block_items_max:
                break
        return tuple(chosen), stale

    def drop(self, keys: Iterable[bytes]) -> None:
        """Forget these items (recorded by a block, or no longer recordable)."""
        for key in keys:
            self._held.pop(key, None)

    def regossip(self) -> int:
        """Broadcast pooled evidence that is due again (node/evidence_gossip.py), even when
        halted: after a fork no block records it, and the other side may have missed it."""
        due = self._regossip.due(
            self._held, self.monotonic_ms(), self.transport.sealing_key, self._seal
        )
        for sealed in due:
            self.transport.broadcast_sealed(PeerKind.EVIDENCE, sealed)
        return len(due)

    def _seal(self, key: bytes) -> bytes:
        """The envelope of pooled item key, sealed with the key that signs now."""
        return self.transport.seal(PeerKind.EVIDENCE, self._held[key].to_json())

    async def regossip_loop(self, interval_s: float = 1.0) -> None:
        """Re-gossip every interval_s seconds until cancelled (what is due is decided by
        monotonic_ms, not by this interval)."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                self.regossip()
            except Exception as error:
                # One bad item or send must not end re-gossip for the rest (DESIGN.md §0.3).
                self.ledger.metrics.event_error("EvidenceRegossip")
                log.exception("evidence re-gossip failed: %s", error)


def evidence_height(evidence: Evidence) -> int:
    """The height an item's offence belongs to: its votes', or for two checkpoint roots
    the height whose block made the log that size."""
    if isinstance(evidence, ConflictingCheckpointEvidence):
        return evidence.size - 1
    return evidence.height
