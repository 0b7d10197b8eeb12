"""What a proposer's block holds: the txs still valid at its time, and a block that builds.

Mempool txs were admitted against an earlier state and evidence is checked alone, so the
first block built from them can still fail (two items that conflict). The builder leaves
out what failed and tries again; a proposer always has a block to offer, at worst an
empty one, so one bad item never stops a height.
"""

import logging

from contracts.errors import InvalidBlockError
from contracts.evidence import EVIDENCE_INDEX
from node.ledger import Ledger, PreparedBlock
from protocol.evidence import Evidence
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.tx import SignedTx

log = logging.getLogger("lantan.runtime")
BUILD_ATTEMPTS = 3
"""Builds before the empty block: each leaves out one tx (and its sender's later ones) or
all evidence, so a few conflicting items cost a few builds, never a lost height."""


def unexpired(txs: tuple[SignedTx, ...], time_ms: int) -> tuple[SignedTx, ...]:
    """txs a block at time_ms may hold: none expired, nor any later nonce of its sender."""
    cut: set[PublicKey] = set()
    kept = []
    for signed in txs:
        if signed.tx.sender in cut or signed.tx.expires_at_ms < time_ms:
            cut.add(signed.tx.sender)
            continue
        kept.append(signed)
    return tuple(kept)


def build_block(
    ledger: Ledger,
    *,
    txs: tuple[SignedTx, ...],
    evidence: tuple[Evidence, ...],
    time_ms: int,
    proposer: PublicKey,
) -> tuple[PreparedBlock, list[Hash32]]:
    """Build a block on the ledger's head; an item that makes it invalid is left out, never
    fatal. Returns the block and the ids of txs to drop from the mempool."""
    dropped: list[Hash32] = []
    for _ in range(BUILD_ATTEMPTS):
        try:
            prepared = ledger.build(txs=txs, evidence=evidence, time_ms=time_ms, proposer=proposer)
            return prepared, dropped
        except InvalidBlockError as error:
            log.warning("proposal item left out: %s", error)
            if error.index == EVIDENCE_INDEX or error.index >= len(txs):
                evidence = ()
                continue
            dropped.append(txs[error.index].tx_id)
            txs = _without_sender_from(txs, error.index)
    return ledger.build(txs=(), evidence=(), time_ms=time_ms, proposer=proposer), dropped


def _without_sender_from(txs: tuple[SignedTx, ...], index: int) -> tuple[SignedTx, ...]:
    """txs without txs[index] and the later txs of its sender (their nonces now gap)."""
    sender = txs[index].tx.sender
    return txs[:index] + tuple(t for t in txs[index + 1 :] if t.tx.sender != sender)
