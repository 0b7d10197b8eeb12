"""Pending transactions: admitted, not yet committed (DESIGN.md §2 step 2).

Admission (contracts.check_admissible) happens before a tx enters; the pool keeps each
sender's txs in nonce order, dedups by tx_id, bounds its size and each sender's share of
it, and after every commit drops what the block included and what can no longer be
included (nonce used, expired). That cleanup looks only at the senders whose committed nonce
moved (the committed blocks' senders), at txs that expired (a heap by expiry time) and at
senders that lost a tx meanwhile, not at the whole pool: it runs on the event loop after
every block. Proposals take txs round-robin across senders, so one sender's flood cannot
push everyone else's txs out of the next blocks.
Not thread-safe: the node touches it only from its event loop.
"""

import heapq
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
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
class Swept:
    """What one cleanup dropped that a client may ask about (Mempool.sweep)."""

    expired: list[Hash32]
    """Expired before a block took them."""
    nonce_used: list[Hash32]
    """Their nonce is committed: each was committed itself, or another tx with its nonce
    was (NodeService tells them apart)."""


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
        self._by_canonical: dict[bytes, SignedTx] = {}
        self._by_leaf: dict[Hash32, SignedTx] = {}
        """The pooled txs by their canonical bytes (held); the same txs as _txs."""
        self._queues: dict[PublicKey, OrderedDict[int, Hash32]] = {}
        """Each sender's pending txs by nonce, in nonce order (no sender has an empty one)."""
        self._highest_nonce: dict[PublicKey, int] = {}
        self._holes: dict[PublicKey, list[int]] = {}
        """Nonces missing among a sender's pending ones since its last recount: a tx dropped
        from its queue (discarded, expired) or skipped by an add. Its run ends below them."""
        self._recount: set[PublicKey] = set()
        """Senders the next sweep recounts although their committed nonce did not
        move: they lost a tx (discard) or skipped a nonce."""
        self._expiry: list[tuple[int, Hash32]] = []
        """(expires_at_ms, tx_id) of pending txs, a heap; the entries of txs that left by
        another way stay until popped (or until the heap is rebuilt, see add)."""
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
        queues = self._queues
        return {s: nonce for s, nonce in self._highest_nonce.items() if s in queues}

    def get(self, tx_id: Hash32) -> SignedTx | None:
        pending = self._txs.get(tx_id)
        return None if pending is None else pending.signed

    def held(self, canonical: bytes) -> SignedTx | None:
        """The pooled tx whose canonical bytes these are (signatures included), parsed and
        checked at admission: a proposal holding it need not parse it again (the Ledger's
        held_tx, protocol/block.py parse_block).

        Called off the event loop (by the ledger's worker): it is one dict read, atomic
        under the GIL, and a tx that leaves the pool meanwhile is still the parse of its
        own bytes, which is all a caller takes it for.
        """
        return self._by_canonical.get(canonical)

    def by_leaf(self, leaf: Hash32) -> SignedTx | None:
        """The pooled tx whose RFC 9162 leaf hash this is: the exact copy a compact
        proposal names (node/compact_proposals.py). Called off the event loop like held,
        for the same reason it may be."""
        return self._by_leaf.get(leaf)

    def add(self, signed: SignedTx, tx_id: Hash32, size_bytes: int) -> None:
        """Add an admitted tx. Raises MempoolFullError (SenderQuotaError) at the limits.

        Its nonce must be above the sender's pending ones (admission's nonce rule gives
        pending nonce + 1, or more after a commit); ValueError otherwise.
        """
        if tx_id in self._txs:
            return
        if len(self._txs) >= self._txs_max or self._bytes + size_bytes > self._bytes_max:
            raise MempoolFullError(f"mempool holds {len(self._txs)} txs, {self._bytes} bytes")
        sender, nonce = signed.tx.sender, signed.tx.nonce
        queue = self._queues.get(sender)
        if queue is not None:
            if len(queue) >= self._sender_txs_max:
                raise SenderQuotaError(f"sender has {self._sender_txs_max} pending txs")
            last = next(reversed(queue))
            if nonce <= last:
                raise ValueError(f"nonce {nonce} is not above the pending nonce {last}")
            if nonce != last + 1:
                self._missing(sender, last + 1)
        else:
            queue = self._queues[sender] = OrderedDict()
        self._txs[tx_id] = PendingTx(signed=signed, tx_id=tx_id, size_bytes=size_bytes)
        self._by_canonical[signed.canonical_bytes()] = signed
        self._by_leaf[signed.leaf_hash()] = signed
        queue[nonce] = tx_id
        self._bytes += size_bytes
        self._highest_nonce[sender] = max(self._highest_nonce.get(sender, 0), nonce)
        if len(self._expiry) > 2 * len(self._txs) + 1024:
            # Mostly entries of txs gone already: rebuilt, amortised over those removals.
            self._expiry = [(p.signed.tx.expires_at_ms, t) for t, p in self._txs.items()]
            heapq.heapify(self._expiry)
        else:
            heapq.heappush(self._expiry, (signed.tx.expires_at_ms, tx_id))

    def replace(self, signed: SignedTx, tx_id: Hash32, size_bytes: int) -> None:
        """Swap the pooled copy of tx_id for signed (same tx, more valid co-signatures);
        it keeps its place in the queue."""
        old = self._txs[tx_id]
        self._txs[tx_id] = PendingTx(signed=signed, tx_id=tx_id, size_bytes=size_bytes)
        del self._by_canonical[old.signed.canonical_bytes()]
        del self._by_leaf[old.signed.leaf_hash()]
        self._by_canonical[signed.canonical_bytes()] = signed
        self._by_leaf[signed.leaf_hash()] = signed
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

    def sweep(
        self,
        committed_nonce: Mapping[PublicKey, int],
        now_ms: int,
        *,
        nonce_of: Callable[[PublicKey], int] = lambda sender: 0,
    ) -> Swept:
        """Drop txs whose nonce is used or that expired; return the ids of both.

        committed_nonce maps each sender whose committed nonce moved since the last call
        (the senders of the blocks committed since) to it; nonce_of gives the committed
        nonce of any other sender looked at (default 0, as before a sender's first tx).
        Only those senders, the senders of expired txs and those that lost a tx meanwhile
        (discard) are looked at. A sender's txs after a gap go too (they can never commit)
        and its pending nonce falls back. now_ms is the head's time_ms: every later block is
        later, so a tx expiring at now_ms is dead.
        """
        counts = {s: n for s, n in committed_nonce.items() if s in self._highest_nonce}
        for sender in self._recount:
            if sender not in counts:
                counts[sender] = nonce_of(sender)
        self._recount = set()
        expired = self._drop_expired(now_ms, counts, nonce_of)
        used: list[Hash32] = []
        for sender, nonce in counts.items():
            used += self._drop_used(sender, nonce)
            self._drop_after_gap(sender, nonce)
        return Swept(expired=expired, nonce_used=used)

    def discard(self, tx_ids: list[Hash32]) -> None:
        """Drop txs a proposal could not include (inadmissible on the head by now).

        The sender's pending nonce is recounted at the next commit (sweep).
        """
        for tx_id in tx_ids:
            if tx_id in self._txs:
                tx = self._drop(tx_id).signed.tx
                self._missing(tx.sender, tx.nonce)

    def senders(self) -> set[PublicKey]:
        return set(self._queues)

    def _drop_expired(
        self, now_ms: int, counts: dict[PublicKey, int], nonce_of: Callable[[PublicKey], int]
    ) -> list[Hash32]:
        """Pop the txs expired at now_ms; a sender's used nonce leaves unreported. Adds
        each sender that lost a tx to counts."""
        expired: list[Hash32] = []
        heap = self._expiry
        while heap and heap[0][0] <= now_ms:
            _, tx_id = heapq.heappop(heap)
            if tx_id not in self._txs:
                continue
            tx = self._drop(tx_id).signed.tx
            if tx.sender not in counts:
                counts[tx.sender] = nonce_of(tx.sender)
            if tx.nonce > counts[tx.sender]:
                expired.append(tx_id)
                self._holes.setdefault(tx.sender, []).append(tx.nonce)
        return expired

    def _drop_used(self, sender: PublicKey, committed: int) -> list[Hash32]:
        queue = self._queues.get(sender)
        dropped = []
        while queue:
            nonce, tx_id = next(iter(queue.items()))
            if nonce > committed:
                break
            self._drop(tx_id)
            dropped.append(tx_id)
        return dropped

    def _drop_after_gap(self, sender: PublicKey, committed: int) -> None:
        # A dropped expired tx leaves a gap: later nonces of that sender can never commit,
        # so they go too, and the sender's pending nonce falls back to what remains. The
        # run kept starts at committed + 1 and ends below the lowest missing nonce.
        holes = self._holes.pop(sender, [])
        queue = self._queues.get(sender)
        if queue is None:
            self._highest_nonce.pop(sender, None)
            return
        first = next(iter(queue))
        cut = (
            first
            if first != committed + 1
            else min((nonce for nonce in holes if nonce > committed), default=None)
        )
        while cut is not None and queue:
            nonce, tx_id = next(reversed(queue.items()))
            if nonce < cut:
                break
            self._drop(tx_id)
        if queue:
            self._highest_nonce[sender] = next(reversed(queue))
        else:
            del self._highest_nonce[sender]

    def _missing(self, sender: PublicKey, nonce: int) -> None:
        self._holes.setdefault(sender, []).append(nonce)
        self._recount.add(sender)

    def _drop(self, tx_id: Hash32) -> PendingTx:
        pending = self._txs.pop(tx_id)
        del self._by_canonical[pending.signed.canonical_bytes()]
        del self._by_leaf[pending.signed.leaf_hash()]
        self._bytes -= pending.size_bytes
        tx = pending.signed.tx
        queue = self._queues[tx.sender]
        del queue[tx.nonce]
        if not queue:
            del self._queues[tx.sender]
        return pending
