"""The engine's writes and messages performed in etcd-raft Ready order (STYLE.md §2):
durable writes on the worker thread first, then messages through the transport.

Nothing leaves before the write that records its signature: node/runtime.py performs a
step's durable writes (which the engine puts first) before its sends, and a re-send to a
peer back in reach waits until the signer state it comes from is on disk.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from consensus import (
    Action,
    Broadcast,
    PersistSignerState,
    ProposalMessage,
    ReplicaState,
    Send,
    message_to_json,
    own_round_messages,
)
from consensus.signer_state import SignerState
from node.block_actions import ConsensusHaltedError
from node.block_answers import BlockAnswers
from node.ledger import Ledger
from node.peer_envelope import PeerKind
from node.proposal_outbox import ProposalOutbox
from node.runtime_settings import Clock, RunInWorker
from node.signer_file import SignerStateFile
from node.test_hooks import exit_after_precommit_hook
from node.transport import PeerTransport


class SignerStateWriteError(ConsensusHaltedError):
    """The signer state, or a payload it names, was not written (a full disk, an I/O error):
    what the step signed may never leave, so the node stops signing."""


@dataclass(eq=False, kw_only=True)
class EngineOutput:
    """One validator's signer-state writes and consensus sends."""

    ledger: Ledger
    signer_file: SignerStateFile
    transport: PeerTransport
    proposals: ProposalOutbox
    clock: Clock
    run_in_worker: RunInWorker
    block_answers: BlockAnswers = field(default_factory=BlockAnswers, init=False)
    signer_on_disk: SignerState | None = field(default=None, init=False)
    """The signer state last read or written: what a crash would leave."""

    async def persist(self, writes: Sequence[Action]) -> None:
        """Perform durable writes in their order (the payloads a new lock names, then the
        signer state naming them) in one trip to the worker: a lock's two writes each made
        a trip of their own, and under load a trip cost 1-6 ms besides the fsyncs."""
        try:
            await self.run_in_worker(self.signer_file.perform, writes)
        except OSError as error:
            # The replica already holds what this step signed, and retransmit sends a
            # round's own votes again without a new write: sent, they would be on no disk,
            # and a restart could sign the other way (DESIGN.md §4). Nothing more may leave.
            raise SignerStateWriteError(f"signer state not written: {error}") from None
        for write in writes:
            if isinstance(write, PersistSignerState):
                self.signer_on_disk = write.signer_state
                exit_after_precommit_hook(self.ledger.height, write.signer_state)

    def send(self, action: Send) -> None:
        # A block goes to one peer at most once a second, however often it asks
        # (node/block_answers.py): asks cost a Byzantine peer a signature, answers us a
        # block's encoding and signing here on the loop. Spaced on the monotonic clock: on the
        # wall clock, a step back (NTP) held each block sent before it for the step's length.
        if self.block_answers.allow(action.to, action.message, self.clock.monotonic_ms() / 1000):
            self.transport.send(action.to, PeerKind.CONSENSUS, message_to_json(action.message))

    def broadcast(self, action: Broadcast) -> None:
        if isinstance(action.message, ProposalMessage):
            self.proposals.broadcast(action.message)
        else:
            self.transport.broadcast(PeerKind.CONSENSUS, message_to_json(action.message))

    def send_own_round(self, url: str, replica: ReplicaState | None) -> None:
        """Send our own messages of the current round to the peer at url, the same signed
        messages retransmit sends (consensus.own_round_messages), through the transport's
        bounded queue. Only when the signer state they come from is on disk: a restart
        queues its signer state write behind the items already waiting, and nothing may
        leave before the write that records its signature (persist, then send)."""
        if replica is None or replica.signer != self.signer_on_disk:
            return
        for message in own_round_messages(replica):
            self.transport.send_to_address(url, PeerKind.CONSENSUS, message_to_json(message))
