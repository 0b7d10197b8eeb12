"""What the HTTP layer calls: submit txs, follow them, read the chain. No HTTP here.

Admission (contracts.check_admissible: signatures, nonce, expiry) runs on a small thread
pool against committed state, then admitted txs enter the mempool on the event loop and
their ids are announced to the other validators, which fetch what they lack (a client sends
each tx to every validator, so they seldom lack any). Each tx's fate is answerable:
pending, committed, rejected_at_admission (with its reason), expired or unknown.

Intake refuses more than block validity does, never less: a co-signed type whose
co-signatures are missing is refused (a stripped copy shares the full copy's tx_id), and
a copy with strictly more valid signers replaces the pending one. Lack of room (mempool
full, sender quota) is its own outcome, answered 429 by the API.
"""

import asyncio
import enum
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from contracts.admission import (
    admit_signed_tx,
    check_signatures,
    committed_nonce,
    parse_signed_tx,
    parse_signed_value,
)
from contracts.context import BlockContext
from contracts.errors import AdmissionError
from contracts.execution import COSIGNED_TX_TYPES, preview_tx
from contracts.reasons import COSIGNATURE_MISSING, AdmissionReason, RejectReason
from contracts.state import StateOverlay, StateView
from contracts.store import read_params
from contracts.tx_types import TxBody, TxType
from node.chain_events import ChainEvents
from node.checkpoints import CheckpointBook
from node.cosignatures import (
    CheckpointUnknownError,
    CosignatureArchive,
    CosignatureBook,
    CosignatureRefusedError,
)
from node.ledger import Ledger
from node.mempool import Mempool, MempoolFullError, SenderQuotaError
from node.runtime import NodeRuntime
from node.runtime_settings import Clock
from node.transport import PeerTransport
from node.tx_relay import TxRelay
from protocol.block import Block
from protocol.encoding import JsonValue, decode
from protocol.hashing import Hash32
from protocol.note import parse_signed_note
from protocol.results import TxResult
from protocol.signing import PublicKey
from protocol.tx import SignedTx
from protocol.validators import ValidatorSet

REMEMBERED_MAX = 100_000
WAIT_MS_MAX = 30_000
"""Longest a GET /v1/txs/{id}?wait_ms= may wait (documented in the OpenAPI schema)."""
MEMPOOL_FULL = "mempool_full"
SENDER_QUOTA = "sender_quota_exceeded"
BUSY_REASONS = frozenset({MEMPOOL_FULL, SENDER_QUOTA})
"""Refusals for lack of room, not for the tx itself: HTTP 429 with Retry-After."""
ADMISSION_BUSY = "admission_busy"
"""Refused before parsing: the admission backlog is full (HTTP 503 with Retry-After)."""
ADMISSION_BACKLOG_MAX = 20_000
"""Txs waiting for or in admission at once, from clients and peers together: twenty full
client batches, ~30 s of admission on a busy 2-core box. Beyond it a whole submission is
refused unparsed, so a flood costs the node memory for this many txs at most."""
_KNOWN, _COMMITTED, _REPLACES = "KNOWN", "COMMITTED", "REPLACES"


class TxState(enum.Enum):
    PENDING = "pending"
    COMMITTED = "committed"
    REJECTED_AT_ADMISSION = "rejected_at_admission"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DecodedTx:
    """A tx of a batch body the API decoded whole (node/api/routes/txs.py): admission parses
    the value without encoding and decoding it again. The body's own bounds bounded it; its
    canonical size is checked like every tx's (admit_signed_tx)."""

    value: JsonValue
    in_c_domain: bool = False
    """The body was read by the C decoder (protocol.encoding.decode_noting_domain)."""


Submitted = bytes | DecodedTx | SignedTx
"""A submitted tx: JSON bytes, a batch's decoded value, or a batch's tx read whole in C
(protocol/tx_decode.py signed_batch_fast: read as the reference reads it, not yet admitted)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOutcome:
    tx_id: Hash32 | None
    accepted: bool
    """True when the tx is pending or already committed."""
    reason: str | None = None
    detail: str | None = None
    height: int | None = None
    """Set when the tx is already committed, with index."""
    index: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TxStatus:
    tx_id: Hash32
    state: TxState
    height: int | None = None
    index: int | None = None
    result: TxResult | None = None
    reason: str | None = None


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
    ) -> None:
        self.name = name
        self.ledger = ledger
        self.mempool = mempool
        self.events = events
        self.checkpoints = checkpoints
        self.metrics = ledger.metrics
        witnesses = ledger.genesis.document.witnesses
        self.cosignatures = None
        if witnesses is not None:
            self.cosignatures = CosignatureBook(
                witnesses,
                cosignature_archive,
                checkpoint_text=checkpoints.text,
                skipped=self.metrics.cosignatures_skipped.inc,
            )
        self.clock = clock
        self.transport = transport
        self.runtime = runtime
        self.relay = None
        if transport is not None:
            self.relay = TxRelay(
                transport=transport,
                mempool=mempool,
                ledger=ledger,
                clock=clock,
                admitting=lambda: self._backlog > 0,
            )
        self.metrics.identify(node=name, chain_id=ledger.chain_id.hex(), role=self.role)
        self._admission = ThreadPoolExecutor(max_workers=2, thread_name_prefix="admission")
        self._backlog = 0
        """Txs handed to submit and not answered yet (bounded by ADMISSION_BACKLOG_MAX)."""
        self._rejected: OrderedDict[Hash32, str] = OrderedDict()
        self._expired: OrderedDict[Hash32, None] = OrderedDict()
        self._moved: set[PublicKey] = set()
        """Senders of the blocks committed since the last after_commit (their nonce moved);
        filled on the committing thread, hence the lock."""
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

    # --- submission ----------------------------------------------------------------------

    async def submit(
        self, payloads: Sequence[Submitted], *, gossip: bool = True
    ) -> list[SubmitOutcome]:
        """Admit each payload (JSON bytes, or a batch's decoded or read tx) in order; admitted txs
        enter the mempool, and the ids of those a client sent (gossip) are announced to the
        peers (node/tx_relay.py)."""
        if self._backlog + len(payloads) > ADMISSION_BACKLOG_MAX:
            self.metrics.txs_submitted.labels(outcome=ADMISSION_BUSY).inc(len(payloads))
            detail = f"{self._backlog} txs wait for admission; retry later"
            busy = SubmitOutcome(tx_id=None, accepted=False, reason=ADMISSION_BUSY, detail=detail)
            return [busy] * len(payloads)
        self._backlog += len(payloads)
        try:
            return await self._submit(payloads, gossip)
        finally:
            self._backlog -= len(payloads)

    async def _submit(self, payloads: Sequence[Submitted], gossip: bool) -> list[SubmitOutcome]:
        loop = asyncio.get_running_loop()
        pending = self.mempool.pending_nonces()
        checked = await loop.run_in_executor(
            self._admission, self._admit_all, payloads, pending, self.clock.now_ms()
        )
        outcomes, admitted = [], []
        floors: dict[PublicKey, int] = {}
        for checked_outcome, signed in checked:
            outcome = checked_outcome
            if signed is not None and outcome.tx_id is not None:
                replaces = outcome.reason == _REPLACES
                outcome = self._enter_mempool(signed, outcome.tx_id, replaces, floors)
                if outcome.accepted and outcome.reason is None:
                    admitted.append(signed)
            outcomes.append(outcome)
        # One increment per outcome, not per tx: a labelled inc takes a lock and a lookup,
        # 2.1 % of a validator's samples holding the interpreter lock under `lantan bench`
        # (PERFORMANCE.md).
        for reason, count in Counter(o.reason or "pending" for o in outcomes).items():
            self.metrics.txs_submitted.labels(outcome=reason).inc(count)
        if admitted:
            self.metrics.txs_seen(signed.tx_id for signed in admitted)
            if self.relay is not None:
                self.relay.arrived(signed.tx_id for signed in admitted)
                if gossip:
                    self.relay.announce(admitted)
            if self.runtime is not None:
                self.runtime.work_arrived()
        return outcomes

    def _admit_all(
        self, payloads: Sequence[Submitted], pending: dict[PublicKey, int], now_ms: int
    ) -> list[tuple[SubmitOutcome, SignedTx | None]]:
        results = []
        state: StateOverlay | None = None
        height = None
        for payload in payloads:
            # One read-through view per committed state: each record admission reads (the
            # sender's nonce, twice per tx; its key records; the params) is read and decoded
            # once while no block commits, not once or twice per tx. A commit writes the
            # state before it moves the head, and the head is read before the view reads
            # anything, so the first tx after a commit lands starts a new view; one taken
            # meanwhile answers as a direct read a moment earlier would have.
            head = self.ledger.store.head_height()
            if state is None or head != height:
                state, height = StateOverlay(self.ledger.store.state), head
            with self.metrics.tx_admission.time():
                results.append(self._admit_one(payload, pending, now_ms, state))
        return results

    def _admit_one(
        self,
        payload: Submitted,
        pending: dict[PublicKey, int],
        now_ms: int,
        state: StateView,
    ) -> tuple[SubmitOutcome, SignedTx | None]:
        signed: SignedTx | None = None
        try:
            if isinstance(payload, SignedTx):
                signed = payload
            elif isinstance(payload, DecodedTx):
                signed = parse_signed_value(payload.value, in_c_domain=payload.in_c_domain)
            else:
                limit = read_params(state).tx_size_max_bytes
                if len(payload) > limit:
                    raise AdmissionError(AdmissionReason.TX_TOO_LARGE, f"{len(payload)} > {limit}")
                signed = parse_signed_tx(payload)
            known = self._known(signed, state)
            if known is not None:
                return known
            sender = signed.tx.sender
            body = admit_signed_tx(
                state,
                signed,
                now_ms,
                self.ledger.chain_id,
                pending_nonce=pending.get(sender),
                verify=self.ledger.verify,
            )
        except AdmissionError as error:
            tx_id = None if signed is None else signed.tx_id
            if tx_id is not None:
                self._remember(self._rejected, tx_id, error.reason.value)
            outcome = SubmitOutcome(
                tx_id=tx_id, accepted=False, reason=error.reason.value, detail=error.detail
            )
            return outcome, None
        missing = self._missing_cosignature(signed, body, now_ms)
        if missing is not None:
            # Not remembered as rejected: the fully signed copy has the same tx_id.
            detail = "a co-signature this tx needs is missing; submit the fully signed tx"
            return SubmitOutcome(
                tx_id=signed.tx_id, accepted=False, reason=missing.value, detail=detail
            ), None
        pending[sender] = signed.tx.nonce
        return SubmitOutcome(tx_id=signed.tx_id, accepted=True), signed

    def _known(
        self, signed: SignedTx, state: StateView
    ) -> tuple[SubmitOutcome, SignedTx | None] | None:
        """The answer for a tx_id already pending or committed; None for a new one.

        tx_id leaves signatures out, so a copy may differ from the pooled one in its
        co-signatures: one whose valid signers strictly include the pooled copy's
        replaces it, so a stripped copy that got in first cannot shadow the full one.
        A committed tx's nonce is at most its sender's committed nonce (a block advances
        the nonce of every tx it holds), so the tx index is looked up only for such
        nonces: a read of an absent key costs LevelDB a probe of every level.
        """
        committed = signed.tx.nonce <= committed_nonce(state, signed.tx.sender)
        outcome = self._committed_outcome(signed.tx_id) if committed else None
        if outcome is not None:
            return outcome, None
        pooled = self.mempool.get(signed.tx_id)
        if pooled is None:
            return None
        if set(signed.signers) > set(pooled.signers):
            check_signatures(signed, self.ledger.verify)
            return SubmitOutcome(tx_id=signed.tx_id, accepted=True, reason=_REPLACES), signed
        return SubmitOutcome(tx_id=signed.tx_id, accepted=True, reason=_KNOWN), None

    def _committed_outcome(self, tx_id: Hash32) -> SubmitOutcome | None:
        """The answer for a tx the chain holds (where it is); None when it holds none."""
        location = self.ledger.store.find_tx(tx_id)
        if location is None:
            return None
        return SubmitOutcome(
            tx_id=tx_id,
            accepted=True,
            reason=_COMMITTED,
            height=location.height,
            index=location.index,
        )

    def _missing_cosignature(
        self, signed: SignedTx, body: TxBody, now_ms: int
    ) -> RejectReason | None:
        """The co-signature rejection executing signed next would give, if any."""
        if TxType(signed.tx.type) not in COSIGNED_TX_TYPES:
            return None  # executing every tx twice would double the cost of admission
        ctx = BlockContext(
            chain_id=self.ledger.chain_id, height=self.ledger.height + 1, time_ms=now_ms
        )
        result = preview_tx(self.ledger.store.state, ctx, signed, body)
        if result.reason is None:
            return None
        reason = RejectReason(result.reason)
        return reason if reason in COSIGNATURE_MISSING else None

    def _enter_mempool(
        self, signed: SignedTx, tx_id: Hash32, replaces: bool, floors: dict[PublicKey, int]
    ) -> SubmitOutcome:
        """Pool an admitted tx if its nonce still fits. floors caches each sender's lowest
        poolable nonce for one batch (one state read per sender, not per tx, on the event
        loop); a commit landing meanwhile only makes it low, and the commit's mempool
        cleanup then drops what it let in."""
        size = len(signed.canonical_bytes())
        if replaces:
            pooled = self.mempool.get(tx_id)
            if pooled is None or not set(signed.signers) > set(pooled.signers):
                return SubmitOutcome(tx_id=tx_id, accepted=True, reason=_KNOWN)
            self.mempool.replace(signed, tx_id, size)
            return SubmitOutcome(tx_id=tx_id, accepted=True)
        if tx_id in self.mempool:
            # The same tx was admitted concurrently (a client's copy and a peer's gossip).
            return SubmitOutcome(tx_id=tx_id, accepted=True, reason=_KNOWN)
        expected = (self.mempool.pending_nonce(signed.tx.sender) or 0) + 1
        sender = signed.tx.sender
        floor = floors.get(sender)
        if floor is None:
            floor = floors[sender] = committed_nonce(self.ledger.store.state, sender) + 1
        if signed.tx.nonce != max(expected, floor):
            if signed.tx.nonce < floor:
                committed = self._committed_outcome(tx_id)
                if committed is not None:
                    # A block holding it (the copies the other validators got) was applied
                    # while this copy was in admission: the tx is in, not refused.
                    return committed
            return SubmitOutcome(
                tx_id=tx_id,
                accepted=False,
                reason=AdmissionReason.WRONG_NONCE.value,
                detail="another submission took this nonce first",
            )
        try:
            self.mempool.add(signed, tx_id, size)
        except MempoolFullError as error:
            reason = SENDER_QUOTA if isinstance(error, SenderQuotaError) else MEMPOOL_FULL
            return SubmitOutcome(tx_id=tx_id, accepted=False, reason=reason, detail=str(error))
        return SubmitOutcome(tx_id=tx_id, accepted=True)

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

    def checkpoint_note(self, size: int) -> str | None:
        """The signed note for a history size, once it has >= q lines; None for sizes no
        checkpoint can have (0, or beyond the head: a log of height + 1 leaves)."""
        if not 0 < size <= self.ledger.height + 1:
            return None
        # The quorum of the current set: a checkpoint signed before a set change still needs
        # the (older) q lines it had, which the current q of a grown set may exceed; such a
        # note is then served only once the new validators' lines arrive too.
        note = self.checkpoints.signed_note(size, self._quorum())
        return None if note is None else self._with_cosignatures(size, note)

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The newest note with >= q lines, with the cosignatures it has so far (a witness
        reads this one to cosign it, so it must not wait for cosignatures)."""
        latest = self.checkpoints.latest_signed(self._quorum())
        return None if latest is None else (latest[0], self._with_cosignatures(*latest))

    def receipt_checkpoint(self) -> tuple[int, str] | None:
        """The newest checkpoint a receipt may carry: with the witness cosignatures genesis
        asks for (ADR 0021), or the newest quorum note when genesis names no witnesses."""
        if self.cosignatures is None:
            return self.latest_checkpoint()
        for size in self.cosignatures.sizes_with_quorum():
            note = self.checkpoint_note(size)
            if note is not None:
                return size, note
        return None

    def receipt_checkpoint_of_size(self, size: int) -> tuple[int, str] | str:
        """The checkpoint of size for a receipt, or why not: a receipt against it must verify
        with the genesis file, so it needs q validator lines and, when genesis names
        witnesses, their quorum of cosignatures (witnesses cosign only the checkpoints they
        see: most sizes never get one)."""
        missing = f"no signed checkpoint for size {size}"
        if not 0 < size <= self.ledger.height + 1:
            return missing
        book = self.cosignatures
        # lines() reads an archived size too (has_quorum looks in memory only).
        if book is not None and len(book.lines(size)) < book.witnesses.quorum:
            if self.checkpoint_note(size) is None:
                return missing
            return (
                f"the checkpoint of size {size} lacks the witness cosignatures genesis asks "
                "for, so a receipt against it would not verify; omit size for the newest "
                "cosigned one"
            )
        note = self.checkpoint_note(size)
        return missing if note is None else (size, note)

    def add_cosignature(self, size: int, line: bytes) -> str:
        """Verify and keep a witness's cosignature of the checkpoint of size that this node
        serves; returns the witness name. Raises CosignatureRefusedError, or
        CheckpointUnknownError when this node holds no signed checkpoint of size."""
        if self.cosignatures is None:
            raise CosignatureRefusedError("this network's genesis names no witnesses")
        note = None
        if 0 < size <= self.ledger.height + 1:
            note = self.checkpoints.signed_note(size, self._quorum())
        if note is None:
            raise CheckpointUnknownError(size)
        text = parse_signed_note(note).text
        now_s = self.clock.now_ms() // 1000
        return self.cosignatures.add(size=size, text=text, line=line, now_s=now_s)

    def newest_cosigned_sizes(self) -> dict[str, int]:
        """Per witness name, the newest checkpoint size whose cosignature this node keeps."""
        return {} if self.cosignatures is None else self.cosignatures.newest_sizes()

    def _with_cosignatures(self, size: int, note: str) -> str:
        lines = () if self.cosignatures is None else self.cosignatures.lines(size)
        return note + "".join(line.line() for line in lines)

    def _quorum(self) -> int:
        return self.ledger.validators_of_head().quorum

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
        if tx_id in self._rejected:
            return TxStatus(
                tx_id=tx_id, state=TxState.REJECTED_AT_ADMISSION, reason=self._rejected[tx_id]
            )
        if tx_id in self._expired:
            return TxStatus(tx_id=tx_id, state=TxState.EXPIRED, reason="EXPIRED")
        return TxStatus(tx_id=tx_id, state=TxState.UNKNOWN)

    async def wait_tx(self, tx_id: Hash32, wait_ms: int) -> TxStatus:
        """The tx's status, waiting up to wait_ms while it is pending."""
        deadline = self.clock.now_ms() + min(wait_ms, WAIT_MS_MAX)
        while True:
            status = self.tx_status(tx_id)
            remaining = deadline - self.clock.now_ms()
            if status.state is not TxState.PENDING or remaining <= 0:
                return status
            await self.events.wait_commit(remaining / 1000)

    def _block_committed(self, block: Block) -> None:
        with self._moved_lock:
            self._moved.update(signed.tx.sender for signed in block.txs)

    def after_commit(self) -> None:
        """Drop committed and expired txs from the mempool (called after each commit, on the
        event loop): the committed nonce is read only for the senders of the blocks
        committed since the last call and those the pool recounts (Mempool.remove_stale)."""
        with self._moved_lock:
            moved, self._moved = self._moved, set()
        state = self.ledger.store.state

        def nonce_of(sender: PublicKey) -> int:
            return committed_nonce(state, sender)

        pool = self.mempool
        nonces = {s: nonce_of(s) for s in moved if pool.pending_nonce(s) is not None}
        expired = pool.remove_stale(nonces, self.ledger.head().time_ms, nonce_of=nonce_of)
        for tx_id in expired:
            self._remember(self._expired, tx_id, None)
        self.metrics.txs_expired(expired)

    def nonces(self, sender: PublicKey) -> tuple[int, int]:
        """(committed, pending) nonce of a sender."""
        committed = committed_nonce(self.ledger.store.state, sender)
        return committed, max(committed, self.mempool.pending_nonce(sender) or 0)

    @staticmethod
    def _remember(table: "OrderedDict[Hash32, Any]", tx_id: Hash32, value: object) -> None:
        table[tx_id] = value
        while len(table) > REMEMBERED_MAX:
            table.popitem(last=False)
