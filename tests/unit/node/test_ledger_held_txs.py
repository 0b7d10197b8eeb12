"""node/ledger.py with held txs: a follower takes a proposal's txs it holds (its mempool's,
parsed and admitted) as they are, and judges every block as a ledger without them does."""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from contracts.admission import admit_signed_tx
from contracts.tx_types import BODY_PARSERS, TxType
from node.ledger import InvalidProposalError, Ledger, PreparedBlock
from node.mempool import Mempool
from node.storage import LevelDbStore
from protocol.block import Block, tx_root
from protocol.encoding import decode
from protocol.tx import SignedTx, TxSignature
from tests.kit.calls import recorded_calls
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    GENESIS,
    VALIDATOR_KEYS,
    account_open,
    next_time,
    open_ledger,
)

DRIFT_MS = 2_000
PROPOSER = VALIDATOR_KEYS[0].public_key


@dataclass(frozen=True)
class Ledgers:
    proposer: Ledger
    follower: Ledger
    """Holds what pool holds."""
    plain: Ledger
    """Holds nothing: how every block must be judged."""
    pool: Mempool


@pytest.fixture
def ledgers(tmp_path: Path) -> Iterator[Ledgers]:
    pool = Mempool()
    follower = Ledger(LevelDbStore.open(tmp_path / "follower"), GENESIS, held_tx=pool.held)
    opened = Ledgers(
        proposer=open_ledger(tmp_path / "proposer"),
        follower=follower,
        plain=open_ledger(tmp_path / "plain"),
        pool=pool,
    )
    yield opened
    for ledger in (opened.proposer, opened.follower, opened.plain):
        ledger.store.close()


def admitted(follower: Ledger, pool: Mempool, signed: SignedTx) -> SignedTx:
    """signed as the follower's pool holds it: parsed from its bytes, admitted, pooled."""
    parsed = SignedTx.from_json(decode(signed.canonical_bytes()))
    state = follower.store.state
    pending = pool.pending_nonce(parsed.tx.sender)
    admit_signed_tx(state, parsed, next_time(follower), CHAIN_ID, pending_nonce=pending)
    pool.add(parsed, parsed.tx_id, len(parsed.canonical_bytes()))
    return parsed


def validate(ledger: Ledger, payload: bytes) -> PreparedBlock:
    return ledger.validate(payload, now_ms=next_time(ledger), drift_ms=DRIFT_MS)


def judged(ledger: Ledger, payload: bytes) -> tuple[Any, ...]:
    """The verdict on a payload: the block hash and results, or the refusal's message."""
    try:
        prepared = validate(ledger, payload)
    except InvalidProposalError as error:
        return ("refused", str(error))
    return ("valid", prepared.block_hash, prepared.results)


def built(proposer: Ledger, txs: tuple[SignedTx, ...]) -> PreparedBlock:
    time_ms = next_time(proposer)
    return proposer.build(txs=txs, evidence=(), time_ms=time_ms, proposer=PROPOSER)


def unexecutable_payload(proposer: Ledger, txs: tuple[SignedTx, ...]) -> bytes:
    """A block of txs on proposer's head whose tx_root fits, though they do not execute."""
    header = replace(built(proposer, ()).block.header, tx_root=tx_root(txs))
    return Block(header=header, txs=txs, evidence=()).canonical_bytes()


def forged(signed: SignedTx) -> SignedTx:
    """The same tx (same tx_id) with a signature that does not verify."""
    bad = TxSignature(public_key=signed.tx.sender, signature=bytes(64))
    return SignedTx(tx=signed.tx, signatures=(bad,))


def test_a_follower_takes_the_txs_it_holds_and_parses_no_body_again(
    ledgers: Ledgers, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies = recorded_calls(monkeypatch, BODY_PARSERS, TxType.ACCOUNT_OPEN)
    txs = (account_open(1), account_open(2), account_open(3))
    held = [admitted(ledgers.follower, ledgers.pool, signed) for signed in txs[:2]]
    prepared = built(ledgers.proposer, txs)
    bodies.clear()
    checked = validate(ledgers.follower, prepared.payload)
    assert checked.block.txs[0] is held[0]
    assert checked.block.txs[1] is held[1]
    assert bodies == [txs[2].tx.body]  # admission parsed the held ones' bodies
    assert (checked.block_hash, checked.results) == (prepared.block_hash, prepared.results)
    verdict = judged(ledgers.plain, prepared.payload)
    assert verdict == ("valid", checked.block_hash, checked.results)


@pytest.mark.parametrize("forged_in", ["block", "pool"])
def test_a_tx_differing_from_the_held_one_only_in_a_signature_is_judged_as_ever(
    ledgers: Ledgers, forged_in: str
) -> None:
    """Signatures are outside tx_id: the block's own copy is parsed and executed, so a
    forged signature in the block is refused although the pool holds a good one, and a
    good block is valid although the pool holds a forged one."""
    good = account_open(1)
    bad = forged(good)
    assert (good.tx_id, good.canonical_bytes() != bad.canonical_bytes()) == (bad.tx_id, True)
    in_block, in_pool = (bad, good) if forged_in == "block" else (good, bad)
    ledgers.pool.add(in_pool, in_pool.tx_id, 100)
    if forged_in == "block":
        payload = unexecutable_payload(ledgers.proposer, (in_block,))
    else:
        payload = built(ledgers.proposer, (in_block,)).payload
    verdict = judged(ledgers.follower, payload)
    assert verdict == judged(ledgers.plain, payload)
    if forged_in == "block":
        assert verdict[0] == "refused" and "bad_signature" in verdict[1]
    else:
        assert verdict[0] == "valid"
        prepared = ledgers.follower.prepared(verdict[1])
        assert prepared is not None and prepared.block.txs[0] is not in_pool
