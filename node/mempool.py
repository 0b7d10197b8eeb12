"""Pending transactions: admitted, not yet committed (DESIGN.md §2 step 2).

Admission (contracts.check_admissible) happens before a tx enters; the pool keeps each
sender's txs in nonce order, dedups by tx_id, bounds its size and each sender's share of
it, and after every commit drops what the block included and what can no longer be
included (nonce used, expired). Proposals take txs round-robin across senders, so one
sender's flood cannot push everyone else's txs out of the next blocks.
Not thread-safe: the node touches it only from its event loop.
"""

from collections import OrderedDict, deque
from dataclasses import dataclass

from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.tx import SignedTx

MEMPOOL_TXS_MAX = 50_000
MEMPOOL_BYTES_MAX = 256 * 1024 * 1024
SENDER_TXS_MAX = 2000
"""Pending txs per sender (a 3,000-tx bench run from three senders fits)."""


class MempoolFullError(Exception):
    """The pool is at its size limit; the client should retry later (HTTP 429)."""


class SenderQuotaError(MempoolFullError):
    """This sender already has its quota of pending txs (HTTP 429 too)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingTx:
    signed: SignedTx
    tx_id: Hash32
    size_bytes: int


class Mempool:
    """Admitted txs in arrival order; per sender, arrival order is nonce order."""

    def __init__(
        self,
        *,
        txs_max: int = MEMPOOL_TXS_MAX,
        bytes_max: int = MEMPOOL_BYTES_MAX,
        sender_txs_max: int = SENDER_TXS_MAX,
    ):
        self._txs: OrderedDict[Hash32, PendingTx] = OrderedDict()
        self._highest_nonce: dict[PublicKey, int] = {}
        self._per_sender: dict[PublicKey, int] = {}
        self._bytes = 0
        self._txs_max = txs_max
        self._bytes_max = bytes_max
        self._sender_txs_max = sender_txs_max

    def __len__(self) -> int:
        return len(self._txs)

    def __contains__(self, tx_id: object) -> bool:
        return tx_id in self._txs

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def txs_max(self) -> int:
        return self._txs_max

    @property
    def bytes_max(self) -> int:
        return self._bytes_max

    def pending_nonce(self, sender: PublicKey) -> int | None:
        """The highest nonce the sender has pending, for admission's nonce rule."""
        return self._highest_nonce.get(sender)

    def pending_nonces(self) -> dict[PublicKey, int]:
        """The highest pending nonce of every sender with txs here (admission checks against
        it); a sender whose txs were all discarded has none until the next recount."""
        per_sender = self._per_sender
        return {s: nonce for s, nonce in self._highest_nonce.items() if s in per_sender}

    def get(self, tx_id: Hash32) -> SignedTx | None:
        pending = self._txs.get(tx_id)
        return None if pending is None else pending.signed

    def add(self, signed: SignedTx, tx_id: Hash32, size_bytes: int) -> None:
        """Add an admitted tx. Raises MempoolFullError (SenderQuotaError) at the limits."""
        if tx_id in self._txs:
            return
        if len(self._txs) >= self._txs_max or self._bytes + size_bytes > self._bytes_max:
            raise MempoolFullError(f"mempool holds {len(self._txs)} txs, {self._bytes} bytes")
        sender = signed.tx.sender
        if self._per_sender.get(sender, 0) >= self._sender_txs_max:
            raise SenderQuotaError(f"sender has {self._sender_txs_max} pending txs")
        self._txs[tx_id] = PendingTx(signed=signed, tx_id=tx_id, size_bytes=size_bytes)
        self._bytes += size_bytes
        self._per_sender[sender] = self._per_sender.get(sender, 0) + 1
        self._highest_nonce[sender] = max(self._highest_nonce.get(sender, 0), signed.tx.nonce)

    def replace(self, signed: SignedTx, tx_id: Hash32, size_bytes: int) -> None:
        """Swap the pooled copy of tx_id for signed (same tx, more valid co-signatures);
        it keeps its place in the queue."""
        old = self._txs[tx_id]
        self._txs[tx_id] = PendingTx(signed=signed, tx_id=tx_id, size_bytes=size_bytes)
        self._bytes += size_bytes - old.size_bytes

    def take(self, limit: int, bytes_max: int) -> tuple[SignedTx, ...]:
        """Up to limit txs (and bytes_max bytes), without removing them: one tx of each
        sender in turn (senders in order of their oldest pending tx), each sender's in
        nonce order. A tx that does not fit the bytes ends its sender's turn for good, so a
        later nonce of that sender never goes in without it."""
        queues: dict[PublicKey, deque[PendingTx]] = {}
        for pending in self._txs.values():
            queues.setdefault(pending.signed.tx.sender, deque()).append(pending)
        chosen: list[SignedTx] = []
        total = 0
        active = deque(queues.values())
        while active and len(chosen) < limit:
            queue = active.popleft()
            pending = queue.popleft()
            if total + pending.size_bytes > bytes_max:
                continue
            chosen.append(pending.signed)
            total += pending.size_bytes
            if queue:
                active.append(queue)
        return tuple(chosen)

    def remove_stale(self, committed_nonce: dict[PublicKey, int], now_ms: int) -> list[Hash32]:
        """Drop txs whose nonce is used or that expired; return the expired ones' ids.

        committed_nonce maps each sender with pending txs to its committed nonce; now_ms is
        the head's time_ms: every later block is later, so a tx expiring at now_ms is dead.
        """
        expired: list[Hash32] = []
        for tx_id, pending in list(self._txs.items()):
            tx = pending.signed.tx
            if tx.nonce <= committed_nonce.get(tx.sender, 0):
                self._drop(tx_id)
            elif tx.expires_at_ms <= now_ms:
                self._drop(tx_id)
                expired.append(tx_id)
        self._recount_nonces(committed_nonce)
        return expired

    def discard(self, tx_ids: list[Hash32]) -> None:
        """Drop txs a proposal could not include (inadmissible on the head by now).

        The sender's pending nonce is recounted at the next commit (remove_stale).
        """
        for tx_id in tx_ids:
            if tx_id in self._txs:
                self._drop(tx_id)

    def senders(self) -> set[PublicKey]:
        return {pending.signed.tx.sender for pending in self._txs.values()}

    def _drop(self, tx_id: Hash32) -> None:
        pending = self._txs.pop(tx_id)
        self._bytes -= pending.size_bytes
        sender = pending.signed.tx.sender
        left = self._per_sender[sender] - 1
        if left:
            self._per_sender[sender] = left
        else:
            del self._per_sender[sender]

    def _recount_nonces(self, committed_nonce: dict[PublicKey, int]) -> None:
        # A dropped expired tx leaves a gap: later nonces of that sender can never commit,
        # so they go too, and the sender's pending nonce falls back to what remains.
        highest: dict[PublicKey, int] = {}
        for tx_id, pending in list(self._txs.items()):
            tx = pending.signed.tx
            previous = highest.get(tx.sender, committed_nonce.get(tx.sender, 0))
            if tx.nonce != previous + 1:
                self._drop(tx_id)
                continue
            highest[tx.sender] = tx.nonce
        self._highest_nonce = highest
