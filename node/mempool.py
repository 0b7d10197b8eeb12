"""Pending transactions: admitted, not yet committed (DESIGN.md §2 step 2).

Admission (contracts.check_admissible) happens before a tx enters; the pool keeps each
sender's txs in nonce order, dedups by tx_id, bounds its size, and after every commit
drops what the block included and what can no longer be included (nonce used, expired).
Not thread-safe: the node touches it only from its event loop.
"""

from collections import OrderedDict
from dataclasses import dataclass

from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.tx import SignedTx

MEMPOOL_TXS_MAX = 50_000
MEMPOOL_BYTES_MAX = 256 * 1024 * 1024


class MempoolFullError(Exception):
    """The pool is at its size limit; the client should retry later (HTTP 429)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingTx:
    signed: SignedTx
    tx_id: Hash32
    size_bytes: int


class Mempool:
    """Admitted txs in arrival order; per sender, arrival order is nonce order."""

    def __init__(self, *, txs_max: int = MEMPOOL_TXS_MAX, bytes_max: int = MEMPOOL_BYTES_MAX):
        self._txs: OrderedDict[Hash32, PendingTx] = OrderedDict()
        self._highest_nonce: dict[PublicKey, int] = {}
        self._bytes = 0
        self._txs_max = txs_max
        self._bytes_max = bytes_max

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

    def add(self, signed: SignedTx, tx_id: Hash32, size_bytes: int) -> None:
        """Add an admitted tx. Raises MempoolFullError at the limits."""
        if tx_id in self._txs:
            return
        if len(self._txs) >= self._txs_max or self._bytes + size_bytes > self._bytes_max:
            raise MempoolFullError(f"mempool holds {len(self._txs)} txs, {self._bytes} bytes")
        self._txs[tx_id] = PendingTx(signed=signed, tx_id=tx_id, size_bytes=size_bytes)
        self._bytes += size_bytes
        sender = signed.tx.sender
        self._highest_nonce[sender] = max(self._highest_nonce.get(sender, 0), signed.tx.nonce)

    def take(self, limit: int, bytes_max: int) -> tuple[SignedTx, ...]:
        """Up to limit txs (and bytes_max bytes) in arrival order, without removing them."""
        chosen: list[SignedTx] = []
        total = 0
        for pending in self._txs.values():
            if len(chosen) >= limit or total + pending.size_bytes > bytes_max:
                break
            chosen.append(pending.signed)
            total += pending.size_bytes
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
