"""How this node's proposals leave it, and the payloads it writes ahead of a lock.

A broadcast proposal goes out compact (ADR 0036) when this node holds its block prepared
(it built or validated it, as a proposer always has), else whole; a peer of an older build
gets it whole (PeerTransport.broadcast_or_fallback), and so does a peer that asks for the
block (the engine's Send). A block's payload is written to the signer file's directory as
soon as this node has proposed or prevoted it (ADR 0010, amended), so the lock that may
follow finds it on disk.
"""

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from consensus import BlockRequest, ProposalMessage, message_to_json
from node.compact_proposals import compact_of
from node.ledger import Ledger
from node.peer_envelope import PeerKind
from node.signer_file import SignerStateFile
from node.transport import PeerTransport, Sealed
from protocol.hashing import Hash32
from protocol.signing import PublicKey

log = logging.getLogger("lantan.runtime")


class ProposalOutbox:
    """One validator's proposals on the wire and its payloads written ahead."""

    def __init__(
        self, transport: PeerTransport, ledger: Ledger, signer_file: SignerStateFile
    ) -> None:
        self.transport = transport
        self.ledger = ledger
        self.signer_file = signer_file
        self._prewriter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lantan-prewrite")
        """Writes payloads ahead of their lock, beside the worker's execution and commits."""

    def broadcast(self, message: ProposalMessage) -> None:
        """Send message to every peer, compact where this node holds its block prepared."""

        def whole() -> Sealed:
            body = message_to_json(message)
            return PeerKind.CONSENSUS, self.transport.seal(PeerKind.CONSENSUS, body)

        prepared = self.ledger.prepared(message.signed.proposal.block_hash)
        compact = None if prepared is None else compact_of(message, prepared.block)
        if compact is None:
            self.transport.broadcast_sealed(*whole())
            return
        data = self.transport.seal(PeerKind.PROPOSAL, compact.to_json())
        self.transport.broadcast_or_fallback(PeerKind.PROPOSAL, data, whole)

    def ask_for_block(self, peer: PublicKey, request: BlockRequest) -> None:
        """Ask peer for a block this node could not rebuild from a compact proposal; the
        peer's engine answers a BlockRequest of its height with the whole proposal."""
        self.transport.send(peer, PeerKind.CONSENSUS, message_to_json(request))

    def prewrite(self, block_hash: Hash32) -> None:
        """Start writing the payload of a block this node holds prepared ahead of a lock on
        it; nothing waits for it. Called once the step that proposed or prevoted it has
        persisted and sent its message: its fsync would otherwise share the disk with
        this one on the way to that message."""
        prepared = self.ledger.prepared(block_hash)
        if prepared is not None:
            future = self._prewriter.submit(
                self.signer_file.prewrite_payload, block_hash, prepared.payload
            )
            future.add_done_callback(_log_prewrite_failure)

    def shutdown(self) -> None:
        """Wait for a write ahead in progress (a stopped node leaves no half-done one)."""
        self._prewriter.shutdown(wait=True)


def _log_prewrite_failure(future: "Future[None]") -> None:
    """prewrite_payload handles disk errors itself; anything else is a bug, said once."""
    if not future.cancelled() and future.exception() is not None:
        log.error("writing a payload ahead failed", exc_info=future.exception())
