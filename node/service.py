"""What the HTTP layer calls: submit txs (node/tx_admission.py), follow them, read the chain
and its checkpoints (node/served_checkpoints.py). No HTTP here.

Each tx's fate is answerable: pending, committed, rejected_at_admission (with its reason),
dropped (pending here, then its nonce was used by another tx), expired or unknown.
"""

import threading
from collections import OrderedDict
from collections.abc import Sequence

from contracts.admission import committed_nonce
from contracts.reasons import AdmissionReason
from node.chain_events import ChainEvents
from node.checkpoints import CheckpointBook
from node.cosignatures import CosignatureArchive
from node.ledger import Ledger
from node.mempool import Mempool
from node.runtime import NodeRuntime
from node.runtime_settings import Clock
from node.served_checkpoints import ServedCheckpoints
from node.transport import PeerTransport
from node.tx_admission import TxAdmission
from node.tx_outcomes import (
    WAIT_MS_MAX,
    SubmitOutcome,
    Submitted,
    TxState,
    TxStatus,
    remember,
)
from node.tx_relay import TxRelay
from protocol.block import Block
from protocol.encoding import decode
from protocol.hashing import Hash32
from protocol.results import TxResult
from protocol.signing import PublicKey
from protocol.validators import ValidatorSet


class NodeService:
    """One node's chain, pools and peers, as the API sees them."""

    def __init__(
        self,
        *,
        name: str,
        ledger: Ledger,
        mempool: Mempool,
        events: ChainEvents,
        checkpoints: CheckpointBook,
        clock: Clock,
        transport: PeerTransport | None,
        runtime: NodeRuntime | None,
        cosignature_archive: CosignatureArchive | None = None,
        takes_txs: bool = True,
    ) -> None:
        self.name = name
        self.takes_txs = takes_txs
        """False on an observer: it runs no consensus and has no peer transport, so a tx it
        admitted would never be proposed (tx_refusal)."""
        self.ledger = ledger
        self.mempool = mempool
        self.events = events
        self.checkpoints = checkpoints
        self.metrics = ledger.metrics
        self.served = ServedCheckpoints(
            ledger=ledger,
            checkpoints=checkpoints,
            clock=clock,
            cosignature_archive=cosignature_archive,
        )
        self.cosignatures = self.served.book
        self.clock = clock
        self.transport = transport
        self.runtime = runtime
        self.admission = TxAdmission(ledger=ledger, mempool=mempool, clock=clock, runtime=runtime)
        self.relay = None
        if transport is not None:
            self.relay = TxRelay(
                transport=transport,
                mempool=mempool,
                ledger=ledger,
                clock=clock,
                admitting=lambda: self.admission.backlog > 0,
            )
        self.admission.relay = self.relay
        self.metrics.identify(node=name, chain_id=ledger.chain_id.hex(), role=self.role)
        self._expired: OrderedDict[Hash32, None] = OrderedDict()
        self._displaced: OrderedDict[Hash32, None] = OrderedDict()
        """Pending txs dropped because another tx used their nonce, the newest
        REMEMBERED_MAX (they were "unknown" after, as if never seen)."""
        self._moved: set[PublicKey] = set()
        """Senders of the blocks committed since the last after_commit (their nonce moved);
        filled on the committing thread, hence the lock."""
        self._committed_pooled: set[Hash32] = set()
        """The txs of those blocks that were pending here: the cleanup's nonce-used drops
        that are not among them were displaced (filled and guarded as _moved)."""
        self._moved_lock = threading.Lock()
        ledger.on_commit.append(self._block_committed)

    @property
    def role(self) -> str:
        return "observer" if self.runtime is None else "validator"

    def voting(self, validators: ValidatorSet) -> bool:
        """Whether this node signs votes in validators (the set of the height it decides):
        false for an observer, and for a validator whose key the set does not hold (one
        about to join, or retired; node/start_role.py)."""
        keys = None if self.runtime is None else self.runtime.signing.keys
        return keys is not None and any(validators.contains(k) for k in keys.public_keys)

    def tx_refusal(self) -> str | None:
        """Why a tx this node pooled would never be proposed, or None: POST /v1/txs refuses
        it then (409 NOT_A_VALIDATOR). An observer runs no consensus and no peer transport.
        A validator whose keys neither the head's set nor the next height's holds (one
        about to join, or retired) proposes nothing, and the set's members refuse its
        announcements as from an unknown key (node/peering.py allowed_keys): the tx would
        wait until it expired. The head's set too: a validator whose key a commit has just
        rotated out signs with the old key until it has read the new one from its keystore
        (node/key_rotation.py), and its txs are announced and proposed meanwhile."""
        if not self.takes_txs:
            return f"{self.name} is an observer: it serves the chain and proposes nothing"
        height = self.ledger.height + 1
        sets = (self.ledger.validators_of_head(), self.ledger.validators_for_next_height())
        if self.runtime is not None and not any(self.voting(s) for s in sets):
            return (
                f"{self.name}'s key is not in the validator set for height {height}: it "
                "proposes nothing until a committed validators.update adds it"
            )
        return None

    async def submit(
        self, payloads: Sequence[Submitted], *, gossip: bool = True
    ) -> list[SubmitOutcome]:
        """TxAdmission.submit: admit each payload in order; announce what a client sent."""
        return await self.admission.submit(payloads, gossip=gossip)

    # --- checkpoints (node/served_checkpoints.py) ----------------------------------------

    def checkpoint_note(self, size: int) -> str | None:
        return self.served.checkpoint_note(size)

    def latest_checkpoint(self) -> tuple[int, str] | None:
        return self.served.latest_checkpoint()

    def receipt_checkpoint(self) -> tuple[int, str] | None:
        return self.served.receipt_checkpoint()

    def receipt_checkpoint_of_size(self, size: int) -> tuple[int, str] | str:
        return self.served.receipt_checkpoint_of_size(size)

    def add_cosignature(self, size: int, line: bytes, sender: str = "") -> str:
        return self.served.add_cosignature(size, line, sender)

    def newest_cosigned_sizes(self) -> dict[str, int]:
        return self.served.newest_cosigned_sizes()

    # --- chain views ---------------------------------------------------------------------

    def status(self) -> dict[str, object]:
        """What GET /v1/status shows."""
        head = self.ledger.head()
        validators = self.ledger.validators_for_next_height()
        replica = None if self.runtime is None else self.runtime.replica
        proposer = None
        if replica is not None:
            proposer = replica.validators.proposer(replica.height, replica.round).name
        return {
            "chain_id": self.ledger.chain_id.hex(),
            "node": self.name,
            "role": self.role,
            "voting": self.voting(validators),
            "height": head.height,
            "round": None if replica is None else replica.round,
            # Which step of the round it waits in ("committing" also while a decided height
            # waits for work to start the next): the first thing to read when a chain stalls.
            "step": None if replica is None else replica.step.name.lower(),
            "proposer": proposer,
            "head_hash": head.block_hash().hex(),
            "state_root": head.state_root.hex(),
            "history_root": self.ledger.history_root().hex(),
            "validators": [v.to_json() for v in validators.validators],
            "quorum": validators.quorum,
            "f_S": validators.max_safety_faults,
            "f_L": validators.max_liveness_faults,
            "mempool_txs": len(self.mempool),
            "halted": None if self.runtime is None else self.runtime.halted,
        }

    # --- following a tx ------------------------------------------------------------------

    def tx_status(self, tx_id: Hash32) -> TxStatus:
        location = self.ledger.store.find_tx(tx_id)
        if location is not None:
            stored = self.ledger.store.get_result(location.height, location.index)
            assert stored is not None
            return TxStatus(
                tx_id=tx_id,
                state=TxState.COMMITTED,
                height=location.height,
                index=location.index,
                result=TxResult.from_json(decode(stored)),
            )
        if tx_id in self.mempool:
            return TxStatus(tx_id=tx_id, state=TxState.PENDING)
        rejected = self.admission.rejected.get(tx_id)
        if rejected is not None:
            return TxStatus(tx_id=tx_id, state=TxState.REJECTED_AT_ADMISSION, reason=rejected)
        if tx_id in self._displaced:
            # Final: its nonce is committed, by another tx. wrong_nonce, as re-sending it
            # is answered.
            reason = AdmissionReason.WRONG_NONCE.value
            return TxStatus(tx_id=tx_id, state=TxState.DROPPED, reason=reason)
        if tx_id in self._expired:
            return TxStatus(tx_id=tx_id, state=TxState.EXPIRED, reason="EXPIRED")
        return TxStatus(tx_id=tx_id, state=TxState.UNKNOWN)

    async def wait_tx(self, tx_id: Hash32, wait_ms: int) -> TxStatus:
        """The tx's status, waiting up to wait_ms while it is pending (on the monotonic clock:
        a step back of the wall clock lengthened the wait by the step)."""
        deadline = self.clock.monotonic_ms() + min(wait_ms, WAIT_MS_MAX)
        while True:
            status = self.tx_status(tx_id)
            remaining = deadline - self.clock.monotonic_ms()
            if status.state is not TxState.PENDING or remaining <= 0:
                return status
            await self.events.wait_commit(remaining / 1000)

    def _block_committed(self, block: Block) -> None:
        # `in` the pool off the event loop: one dict lookup, atomic under the GIL (as
        # Mempool.held); a tx that enters or leaves meanwhile is told apart by find_tx.
        pooled = [signed.tx_id for signed in block.txs if signed.tx_id in self.mempool]
        with self._moved_lock:
            self._moved.update(signed.tx.sender for signed in block.txs)
            self._committed_pooled.update(pooled)

    def after_commit(self) -> None:
        """Drop committed and expired txs from the mempool (called after each commit, on the
        event loop): the committed nonce is read only for the senders of the blocks
        committed since the last call and those the pool recounts (Mempool.sweep)."""
        with self._moved_lock:
            moved, self._moved = self._moved, set()
            committed, self._committed_pooled = self._committed_pooled, set()
        state = self.ledger.store.state

        def nonce_of(sender: PublicKey) -> int:
            return committed_nonce(state, sender)

        pool = self.mempool
        nonces = {s: nonce_of(s) for s in moved if pool.pending_nonce(s) is not None}
        swept = pool.sweep(nonces, self.ledger.head().time_ms, nonce_of=nonce_of)
        for tx_id in swept.expired:
            remember(self._expired, tx_id, None)
        for tx_id in swept.nonce_used:
            if tx_id not in committed and self.ledger.store.find_tx(tx_id) is None:
                remember(self._displaced, tx_id, None)
        self.metrics.txs_expired(swept.expired)

    def nonces(self, sender: PublicKey) -> tuple[int, int]:
        """(committed, pending) nonce of a sender."""
        committed = committed_nonce(self.ledger.store.state, sender)
        return committed, max(committed, self.mempool.pending_nonce(sender) or 0)
