"""What arrives on /peer/...: authenticated, decoded, then handed to the runtime or pools.

Only keys of the validator set (current or next, so a set change does not cut anyone off
mid-height) are accepted. Everything refused is counted by reason for /metrics and never
raises out of the handler: garbage from the network must not disturb the node.
"""

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass

from consensus import BlockRequest, MessageReceived, message_from_json
from node.checkpoints import SIZES_KEPT, CheckpointBook
from node.compact_proposals import CompactProposal, block_request, expand, with_payload
from node.ledger import Ledger
from node.old_precommits import OldPrecommits
from node.peer_budget import PeerByteBudget
from node.peer_envelope import (
    DropReason,
    PeerKind,
    PeerMessageDroppedError,
    claimed_sender,
    open_envelope,
    read_allowed_auth_line,
)
from node.runtime import NodeRuntime
from node.service import NodeService
from node.tx_relay import parse_tx_ids
from protocol.encoding import JsonObject, encode
from protocol.errors import ProtocolError
from protocol.evidence import Evidence, evidence_from_json
from protocol.fields import expect_object, parse_hex, read_int, read_list, read_str
from protocol.hashing import HASH_SIZE, Hash32
from protocol.signing import PublicKey

log = logging.getLogger("lantan.peer")
FAR_AHEAD_HEIGHTS = 8
"""Votes and proposals for a height more than this above the one this node works on are
dropped after their envelope is verified and before they are decoded: the engine keeps
only the next height's (consensus/intake.py), and a node that far behind catches up by
block sync, while its peers go on sending it every height's votes."""


@dataclass(frozen=True, slots=True)
class MissingTxs:
    """A compact proposal this node cannot rebuild: it asks its sender for the block."""

    sender: PublicKey
    request: BlockRequest


class PeerInbox:
    """Accepts peer messages for one node."""

    def __init__(
        self,
        service: NodeService,
        runtime: NodeRuntime | None,
        budget: PeerByteBudget | None = None,
    ) -> None:
        self.service = service
        self.runtime = runtime
        self.ledger: Ledger = service.ledger
        self.checkpoints: CheckpointBook = service.checkpoints
        self.dropped: Counter[str] = Counter()
        self.received: Counter[str] = Counter()
        self.compact: Counter[str] = Counter()
        """Compact proposals by outcome: rebuilt here, or missing txs (the block asked for)."""
        self.budget = PeerByteBudget() if budget is None else budget
        """Envelope bytes per sender and second this node checks and decodes."""
        self.old_precommits = OldPrecommits(self.ledger)
        """Precommits of heights decided before the last one, against their certificates."""

    def allowed_keys(self) -> frozenset[PublicKey]:
        """The head's set and the next height's (they differ only across a set change)."""
        sets = (self.ledger.validators_of_head(), self.ledger.validators_for_next_height())
        return frozenset(v.public_key for s in sets for v in s.validators)

    def over_budget(self, head: bytes, size: int) -> bool:
        """Whether the sender that head's authentication line names has too little of its
        byte budget left for size bytes (counted): refused before any signature check.
        head may be a body's first bytes only, size its declared length (False while head
        is shorter than the line)."""
        sender = claimed_sender(head)
        if sender is None or self.budget.covers(sender, size):
            return False
        self._drop(DropReason.OVER_BUDGET, sender.hex()[:16])
        return True

    def refused_sender(self, head: bytes) -> DropReason | None:
        """For a body's authentication line (head, whole): MALFORMED or UNKNOWN_KEY
        (counted) when open() would refuse it for that, before the rest is read."""
        try:
            read_allowed_auth_line(head, self.allowed_keys())
        except PeerMessageDroppedError as error:
            self._drop(error.reason, error.detail)
            return error.reason
        return None

    def open(self, data: bytes, kind: PeerKind) -> tuple[PublicKey, JsonObject] | DropReason:
        """Verify an envelope, charging its sender's byte budget before decoding it; the
        reason (and a counted drop) when it is not acceptable."""
        try:
            envelope = open_envelope(
                data, self.ledger.chain_id, kind, self.allowed_keys(), self.budget.take
            )
        except PeerMessageDroppedError as error:
            self._drop(error.reason, str(error))
            return error.reason
        self.received[kind.value] += 1
        return envelope.sender, envelope.body

    def consensus_message(self, sender: PublicKey, body: JsonObject) -> MessageReceived | None:
        """Decode a consensus message (off the event loop); None (counted and logged) when
        malformed, or a vote or proposal far above our height."""
        height = vote_or_proposal_height(body)
        if height is not None and self._far_ahead(sender, height, "vote or proposal of height"):
            return None
        try:
            message = message_from_json(body)
        except ProtocolError as error:
            self._drop(DropReason.BAD_BODY, str(error))
            return None
        return MessageReceived(sender=sender, message=message)

    def compact_proposal(
        self, sender: PublicKey, body: JsonObject
    ) -> MessageReceived | MissingTxs | None:
        """Decode a compact proposal and rebuild its payload from the txs this node holds,
        or take the payload of its block the engine holds already (off the event loop);
        MissingTxs when neither, None (counted) when malformed or far ahead, as for a
        consensus message."""
        try:
            compact = CompactProposal.from_json(body)
        except ProtocolError as error:
            self._drop(DropReason.BAD_BODY, str(error))
            return None
        if self._far_ahead(sender, compact.height, "compact proposal of height"):
            return None
        if compact.height <= self.ledger.height:
            # Late: a slow link delivers a backlog minutes old (tests/chaos, stop 48). This
            # node committed that height (our head included: a replay of its proposal had
            # us ask for it once per copy, stop 52); asking for the block only adds to the
            # backlog it is behind on, and rebuilding one whose txs are held (a replay of
            # a height whose txs a peer sent again) only gives the engine a message it
            # drops (hostile pass of stop 52: 1,088 of 2,707 replays rebuilt).
            self.compact["late"] += 1
            return None
        expanded = expand(compact, self.service.mempool.by_leaf)
        if isinstance(expanded, list):
            # A validator restarted while locked holds its lock's payload (locked_payloads)
            # and none of its txs: a re-proposal of that block made it ask the proposer for
            # bytes it had (hostile pass of stop 51).
            held = self._held_payload(compact.signed.proposal.block_hash)
            if held is not None:
                self.compact["held"] += 1
                return MessageReceived(sender=sender, message=with_payload(compact, held))
        if isinstance(expanded, list) and compact.height > self.ledger.height + 2:
            # Not yet authenticated as its round's proposal (the engine does that): a
            # request is sent only for the heights the engine keeps proposals of, so a
            # peer cannot make this node ask it for blocks of any height it names.
            self._drop_far_ahead(sender, compact.height, "compact proposal of unheld txs, height")
            return None
        if isinstance(expanded, list):
            self.compact["missing"] += 1
            log.info(
                "compact proposal at height %d: %d of %d txs not held, asking for the block",
                compact.height,
                len(expanded),
                len(compact.leaves),
            )
            return MissingTxs(sender=sender, request=block_request(compact))
        self.compact["rebuilt"] += 1
        return MessageReceived(sender=sender, message=expanded)

    def _held_payload(self, block_hash: Hash32) -> bytes | None:
        """The payload of block_hash the engine holds for its height (a proposal's, or the
        lock's and valid value's it kept across a restart), if any. Read off the event
        loop: the replica state is replaced whole at each step, never changed in place."""
        replica = None if self.runtime is None else self.runtime.replica
        return None if replica is None else replica.blocks.get(block_hash)

    def _far_ahead(self, sender: PublicKey, height: int, what: str) -> bool:
        """Whether a vote or proposal of height is too far ahead to decode further
        (FAR_AHEAD_HEIGHTS); such a message is dropped (_drop_far_ahead) and its height
        still heard."""
        if height <= self.ledger.height + 1 + FAR_AHEAD_HEIGHTS:
            return False
        self._drop_far_ahead(sender, height, what)
        if self.runtime is not None:
            # Dropped, but it still says a peer is ahead: block sync polls fast again.
            self.runtime.note_heard(height)
        return True

    def deliver(self, received: MessageReceived) -> bool:
        """Hand a decoded consensus message to the runtime (on the event loop); False
        (counted) when its queue is full. True says queued, not valid: the engine checks
        it later on its own loop."""
        if self.runtime is not None and not self.runtime.deliver(received):
            self._drop(DropReason.QUEUE_FULL, "consensus queue full")
            return False
        return True

    def checkpoint(self, sender: PublicKey, body: JsonObject) -> bool:
        """Keep sender's checkpoint line (on the event loop); False (counted) when it is
        malformed, does not verify or is out of the window."""
        try:
            obj = expect_object(body, "checkpoint", ("size", "root", "line"))
            size = read_int(obj, "size", minimum=1)
            if self._checkpoint_out_of_window(sender, size):
                return False
            root = Hash32(parse_hex(obj["root"], "root", size=HASH_SIZE))
            line = read_str(obj, "line", max_length=1024)
            evidence = self.checkpoints.add(
                size=size,
                root=root,
                line=line,
                validators=self.ledger.validators_of_head(),
            )
        except ProtocolError as error:
            self._drop(DropReason.BAD_BODY, str(error))
            return False
        if evidence is not None and self.runtime is not None:
            log.error("conflicting checkpoint signatures at size %d", size)
            self.runtime.evidence_pool.add(evidence)
        return True

    def _checkpoint_out_of_window(self, sender: PublicKey, size: int) -> bool:
        """Whether a checkpoint line's size is too far from our head's to keep (counted).

        The book keeps SIZES_KEPT sizes in the order they arrive: a Byzantine validator's
        validly signed lines for that many sizes far ahead (or long past) pushed out the
        lines and roots of every recent size (no note of them formed here). Kept: a few
        sizes ahead, of a peer that committed before us (as its votes would be), and sizes
        back half the book, whose lines can then never push a recent size out."""
        head_size = self.ledger.height + 1
        if head_size - SIZES_KEPT // 2 <= size <= head_size + FAR_AHEAD_HEIGHTS:
            return False
        self._drop_far_ahead(sender, size, "checkpoint line of size")
        return True

    def evidence(self, body: JsonObject) -> Evidence | None:
        """Parse evidence from a peer (off the event loop); None (counted) when malformed."""
        if self.runtime is None:
            return None
        try:
            return evidence_from_json(body)
        except ProtocolError as error:
            self._drop(DropReason.BAD_BODY, str(error))
            return None

    async def pool_evidence(self, evidence: Evidence) -> bool:
        """On the event loop: pool a peer's evidence once the pool has room for it (room,
        the offender's share: they read the pool, which this loop owns), then once it
        passes problem() off the loop: its age, then its two signature checks, through the
        ledger's signature cache that the proposer's re-check and apply_block then hit. A
        validator flooding evidence against one offender whose share is full costs no
        Ed25519 work beyond its envelopes. Nothing unchecked is pooled or gossiped. False
        when refused (counted); True when pooled, or pooled already."""
        runtime = self.runtime
        if runtime is None:
            return False
        if evidence.hash() in runtime.evidence_pool:
            return True
        no_room = runtime.evidence_pool.no_room(evidence)
        if no_room is not None:
            runtime.metrics.evidence_refused_for(no_room)  # as pool() counts it
            return False
        loop = asyncio.get_running_loop()
        problem = await loop.run_in_executor(None, runtime.evidence_pool.problem, evidence)
        if problem is not None:
            runtime.metrics.evidence_refused_for(problem)
            self._drop(DropReason.BAD_BODY, f"evidence refused: {problem}")
            return False
        runtime.evidence_pool.pool(evidence)
        return True

    def tx_payloads(self, body: JsonObject) -> list[bytes] | None:
        try:
            obj = expect_object(body, "txs", ("txs",))
            return [encode(item) for item in read_list(obj, "txs", max_items=10_000)]
        except ProtocolError as error:
            self._drop(DropReason.BAD_BODY, str(error))
            return None

    def tx_ids(self, body: JsonObject) -> list[Hash32] | None:
        """The ids of an announcement or a request (node/tx_relay.py); None when malformed."""
        try:
            return parse_tx_ids(body)
        except ProtocolError as error:
            self._drop(DropReason.BAD_BODY, str(error))
            return None

    def _drop_far_ahead(self, sender: PublicKey, height: int, what: str) -> None:
        """Count and log a message of a height (a checkpoint's size) out of the window, what
        naming it up to that number: counted alone, a flood of them named nobody (hostile
        pass h56). A lagging node gets one per peer and vote too; the log's rate limit
        keeps those to a few lines."""
        key = sender.hex()[:16]
        self._drop(
            DropReason.FAR_AHEAD,
            f"{what} {height} from {key}, out of the window around ours",
            sender=key,
            peer_height=height,
        )

    def _drop(self, reason: DropReason, detail: str, **fields: object) -> None:
        """Count a dropped message and log it; fields go on the JSON line as they are."""
        self.dropped[reason.value] += 1
        log.info(
            "dropped peer message (%s): %s",
            reason.value,
            detail[:200],
            # reason: a budget of the log's rate limit per reason (node/logs.py).
            extra={"reason": reason.value, **fields},
        )


def vote_or_proposal_height(body: JsonObject) -> int | None:
    """The height a vote's or proposal's JSON names, read without decoding it; None for the
    other kinds and for any other shape (message_from_json names the problem then)."""
    kind = body.get("kind")
    if kind == "vote":
        signed = body.get("vote")
        inner = signed.get("vote") if isinstance(signed, dict) else None
    elif kind == "proposal":
        signed = body.get("signed")
        inner = signed.get("proposal") if isinstance(signed, dict) else None
    else:
        return None
    height = inner.get("height") if isinstance(inner, dict) else None
    return height if isinstance(height, int) and not isinstance(height, bool) else None
