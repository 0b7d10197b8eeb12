"""Admission of submitted txs into the mempool (NodeService.submit). No HTTP here.

Admission (contracts.check_admissible: signatures, nonce, expiry) runs on a small thread
pool against committed state, then admitted txs enter the mempool on the event loop and
their ids are announced to the other validators, which fetch what they lack (a client sends
each tx to every validator, so they seldom lack any).

Intake refuses more than block validity does, never less: a co-signed type whose
co-signatures are missing is refused (a stripped copy shares the full copy's tx_id), and
a copy with strictly more valid signers replaces the pending one. Lack of room (mempool
full, sender quota) is its own outcome, answered 429 by the API.
"""

import asyncio
from collections import Counter, OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

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
from node.ledger import Ledger
from node.mempool import Mempool, MempoolFullError, SenderQuotaError
from node.runtime import NodeRuntime
from node.runtime_settings import Clock
from node.tx_outcomes import (
    ADMISSION_BUSY,
    MEMPOOL_FULL,
    SENDER_QUOTA,
    DecodedTx,
    SubmitOutcome,
    Submitted,
    remember,
)
from node.tx_relay import TxRelay
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.tx import SignedTx

ADMISSION_BACKLOG_MAX = 20_000
"""Txs waiting for or in admission at once, from clients and peers together: twenty full
client batches, ~30 s of admission on a busy 2-core box. Beyond it a whole submission is
refused unparsed, so a flood costs the node memory for this many txs at most."""
_KNOWN, _COMMITTED, _REPLACES = "KNOWN", "COMMITTED", "REPLACES"
_AGAIN = "AGAIN"
"""A later copy of a tx earlier in the same submission: it gets the first copy's answer."""


class TxAdmission:
    """Admits submitted txs, in order, into the mempool; remembers those it rejected."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        mempool: Mempool,
        clock: Clock,
        runtime: NodeRuntime | None,
    ) -> None:
        self.ledger = ledger
        self.mempool = mempool
        self.clock = clock
        self.runtime = runtime
        self.metrics = ledger.metrics
        self.relay: TxRelay | None = None
        """Announces admitted txs to the peers (a validator's; set by NodeService)."""
        self._admission = ThreadPoolExecutor(max_workers=2, thread_name_prefix="admission")
        self.backlog = 0
        """Txs handed to submit and not answered yet (bounded by ADMISSION_BACKLOG_MAX)."""
        self.rejected: OrderedDict[Hash32, str] = OrderedDict()
        """Rejected tx ids and their reasons, the newest REMEMBERED_MAX."""

    async def submit(
        self, payloads: Sequence[Submitted], *, gossip: bool = True
    ) -> list[SubmitOutcome]:
        """Admit each payload (JSON bytes, or a batch's decoded or read tx) in order; admitted txs
        enter the mempool, and the ids of those a client sent (gossip) are announced to the
        peers (node/tx_relay.py)."""
        if self.backlog + len(payloads) > ADMISSION_BACKLOG_MAX:
            self.metrics.txs_submitted.labels(outcome=ADMISSION_BUSY).inc(len(payloads))
            detail = f"{self.backlog} txs wait for admission; retry later"
            busy = SubmitOutcome(tx_id=None, accepted=False, reason=ADMISSION_BUSY, detail=detail)
            return [busy] * len(payloads)
        self.backlog += len(payloads)
        try:
            return await self._submit(payloads, gossip)
        finally:
            self.backlog -= len(payloads)

    async def _submit(self, payloads: Sequence[Submitted], gossip: bool) -> list[SubmitOutcome]:
        loop = asyncio.get_running_loop()
        pending = self.mempool.pending_nonces()
        checked = await loop.run_in_executor(
            self._admission, self._admit_all, payloads, pending, self.clock.now_ms()
        )
        outcomes, admitted = [], []
        floors: dict[PublicKey, int] = {}
        answered: dict[Hash32, SubmitOutcome] = {}
        for checked_outcome, signed in checked:
            outcome = checked_outcome
            first = None if outcome.tx_id is None else answered.get(outcome.tx_id)
            if first is not None and (
                outcome.reason == _AGAIN or (outcome.reason == _REPLACES and not first.accepted)
            ):
                # The same tx_id gets the same answer within a response, as a lone re-POST
                # does (its second copy was wrong_nonce while its first was pending).
                outcome = first
            elif signed is not None and outcome.tx_id is not None:
                replaces = outcome.reason == _REPLACES
                outcome = self._enter_mempool(signed, outcome.tx_id, replaces, floors)
                if outcome.accepted and outcome.reason is None:
                    admitted.append(signed)
            if outcome.tx_id is not None:
                answered[outcome.tx_id] = outcome
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
        firsts: dict[Hash32, SignedTx] = {}
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
                results.append(self._admit_one(payload, pending, now_ms, state, firsts))
        return results

    def _admit_one(
        self,
        payload: Submitted,
        pending: dict[PublicKey, int],
        now_ms: int,
        state: StateView,
        firsts: dict[Hash32, SignedTx],
    ) -> tuple[SubmitOutcome, SignedTx | None]:
        """One payload's admission; firsts holds the first copy of each tx_id parsed earlier
        in the submission (a later copy is answered as it was, _submit)."""
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
            again = self._again(signed, firsts, pending)
            if again is not None:
                return again
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
                remember(self.rejected, tx_id, error.reason.value)
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

    def _again(
        self, signed: SignedTx, firsts: dict[Hash32, SignedTx], pending: dict[PublicKey, int]
    ) -> tuple[SubmitOutcome, SignedTx | None] | None:
        """The answer for a later copy of a tx_id earlier in the submission, None for a
        first copy (admission's answer to the first is not final yet: _submit gives the
        copy the first's, _AGAIN). A copy with strictly more signers is admitted as a lone
        re-POST of it would be: it replaces the first once that is pooled (when the first
        passed admission: pending holds its nonce), else it is admitted on its own (a
        first copy refused for a missing co-signature, say)."""
        first = firsts.setdefault(signed.tx_id, signed)
        if first is signed:
            return None
        if not set(signed.signers) > set(first.signers):
            return SubmitOutcome(tx_id=signed.tx_id, accepted=True, reason=_AGAIN), None
        firsts[signed.tx_id] = signed
        if pending.get(signed.tx.sender) != signed.tx.nonce:
            return None
        check_signatures(signed, self.ledger.verify)
        return SubmitOutcome(tx_id=signed.tx_id, accepted=True, reason=_REPLACES), signed

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
