"""node/ledger.py on real LevelDB: build, validate every header field, commit, reopen, sync."""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from contracts.errors import ContractError
from genesis.document import build_genesis
from node import ledger as ledger_module
from node.ledger import (
    ForkError,
    InvalidProposalError,
    Ledger,
    PreparedBlock,
    block_hash_of_payload,
)
from node.storage import LevelDbStore, StaleOverlayError
from protocol.block import Block, tx_root
from protocol.block_check import BodyChecked, checked_body
from protocol.encoding import decode, encode
from protocol.errors import SignatureError
from protocol.hashing import Hash32, sha256
from protocol.merkle import EMPTY_ROOT
from protocol.results import TxStatus
from protocol.signature_cache import SignatureCache
from protocol.votes import CommitCertificate
from tests.unit.node.chain_kit import (
    GENESIS,
    GENESIS_TIME_MS,
    KEYS,
    VALIDATOR_KEYS,
    account_open,
    build_and_commit,
    certify,
    make_document,
    next_time,
    open_ledger,
)

PROPOSER = VALIDATOR_KEYS[0].public_key
DRIFT_MS = 2_000
OTHER = Hash32(sha256(b"some other hash"))


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = open_ledger(tmp_path / "a")
    yield opened
    opened.store.close()


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[Ledger]:
    """A second validator's ledger over the same genesis."""
    opened = open_ledger(tmp_path / "b")
    yield opened
    opened.store.close()


def proposal(ledger: Ledger, txs: tuple[Any, ...] = (), *, time_ms: int | None = None):
    time_ms = next_time(ledger) if time_ms is None else time_ms
    return ledger.build(txs=txs, evidence=(), time_ms=time_ms, proposer=PROPOSER)


def validate(ledger: Ledger, payload: bytes, **overrides: Any) -> PreparedBlock:
    arguments: dict[str, Any] = {
        "now_ms": next_time(ledger),
        "drift_ms": DRIFT_MS,
    }
    return ledger.validate(payload, **(arguments | overrides))


def tampered(prepared: PreparedBlock, **changes: Any) -> bytes:
    block = prepared.block
    header = replace(block.header, **changes)
    return encode(Block(header=header, txs=block.txs, evidence=block.evidence).to_json())


# --- genesis and reads ---------------------------------------------------------------------


def test_a_new_store_gets_the_genesis_block(ledger: Ledger) -> None:
    assert ledger.height == 0
    assert ledger.head() == GENESIS.header
    assert ledger.block(0) == Block(header=GENESIS.header, txs=(), evidence=())
    assert ledger.certificate(0) is None
    assert ledger.block(1) is None
    assert ledger.header(1) is None
    assert ledger.history_root() == sha256(b"\x00" + GENESIS.header.canonical_bytes())
    assert ledger.history_root(0) == EMPTY_ROOT
    assert ledger.validators_for_next_height() == GENESIS.document.validators
    for key, value in GENESIS.state.items():
        assert ledger.store.state.get(key) == value


def test_a_store_of_another_chain_is_refused(tmp_path: Path) -> None:
    open_ledger(tmp_path / "data").store.close()
    other = build_genesis(make_document(GENESIS_TIME_MS + 1))
    with LevelDbStore.open(tmp_path / "data") as store:
        with pytest.raises(InvalidProposalError, match="another chain"):
            Ledger(store, other)
        assert store.head_height() == 0


def test_block_hash_of_payload(ledger: Ledger) -> None:
    prepared = proposal(ledger)
    assert block_hash_of_payload(prepared.payload) == prepared.block_hash
    assert block_hash_of_payload(b"not json") is None
    assert block_hash_of_payload(b'{"header": {}}') is None


# --- build and validate --------------------------------------------------------------------


def test_build_executes_txs_and_fills_every_root(ledger: Ledger) -> None:
    txs = (account_open(1), account_open(2), account_open(3, "account-1"))
    prepared = proposal(ledger, txs)
    header = prepared.block.header
    assert header.height == 1
    assert header.prev_hash == GENESIS.header.block_hash()
    assert header.history_root == ledger.history_root()
    assert header.tx_root == tx_root(txs)
    assert header.proposer == PROPOSER
    assert header.validators_hash == GENESIS.document.validators.hash()
    assert header.next_validators_hash == GENESIS.document.validators.hash()
    assert header.state_root != GENESIS.header.state_root
    statuses = [result.status for result in prepared.results]
    assert statuses == [TxStatus.ACCEPTED, TxStatus.ACCEPTED, TxStatus.REJECTED]
    assert prepared.results[2].reason == "already_exists"
    assert prepared.block_hash == header.block_hash()
    assert decode(prepared.payload) == prepared.block.to_json()
    assert ledger.height == 0  # nothing committed yet


def test_the_committed_head_is_known_without_reading_its_block_back(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    real_get_block = ledger.store.get_block

    def counted(height: int) -> bytes | None:
        reads.append(height)
        return real_get_block(height)

    monkeypatch.setattr(ledger.store, "get_block", counted)
    prepared = build_and_commit(ledger, (account_open(1),))
    reads.clear()
    assert ledger.head() == prepared.block.header == ledger.header(1)
    assert reads == [1]  # ledger.header(1) read it; head() did not


def test_build_refuses_an_inadmissible_tx(ledger: Ledger) -> None:
    with pytest.raises(ContractError):
        proposal(ledger, (account_open(2),))  # nonce 2 before nonce 1


def test_another_validator_accepts_the_block_and_computes_the_same(
    ledger: Ledger, peer: Ledger
) -> None:
    prepared = proposal(ledger, (account_open(1), account_open(2)))
    checked = validate(peer, prepared.payload)
    assert checked.block_hash == prepared.block_hash
    assert checked.results == prepared.results
    assert checked.next_validators == prepared.next_validators
    peer.commit(checked, certify(checked))
    ledger.commit(prepared, certify(prepared))
    assert peer.head() == ledger.head()
    assert peer.history_root() == ledger.history_root()


def test_validate_returns_the_executed_proposal_from_its_cache(ledger: Ledger) -> None:
    prepared = proposal(ledger)
    assert validate(ledger, prepared.payload) is prepared


def test_executed_proposals_are_kept_up_to_a_number_of_txs(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of thousands of txs: the cache is bounded by the txs it holds, oldest out.
    monkeypatch.setattr(ledger_module, "PREPARED_TXS_MAX", 3)
    txs = (account_open(1), account_open(2))
    first: PreparedBlock = proposal(ledger, txs)
    second: PreparedBlock = proposal(ledger, txs, time_ms=next_time(ledger) + 1)
    empty: PreparedBlock = proposal(ledger, time_ms=next_time(ledger) + 2)
    kept = [ledger.prepared(p.block_hash) for p in (first, second, empty)]
    assert kept == [None, second, empty]
    monkeypatch.setattr(ledger_module, "PREPARED_TXS_MAX", 1)
    newest: PreparedBlock = proposal(
        ledger, txs, time_ms=next_time(ledger) + 3
    )  # kept, though over
    kept = [ledger.prepared(p.block_hash) for p in (second, empty, newest)]
    assert kept == [None, None, newest]


HEADER_TAMPERING = [
    ("prev_hash", {"prev_hash": OTHER}),
    ("history_root", {"history_root": OTHER}),
    ("state_root", {"state_root": OTHER}),
    ("results_root", {"results_root": OTHER}),
    ("validators_hash", {"validators_hash": OTHER}),
    ("next_validators_hash", {"next_validators_hash": OTHER}),
    ("chain_id", {"chain_id": OTHER}),
    ("height", {"height": 2}),
    ("protocol_version", {"protocol_version": 2}),
    ("tx_root", {"tx_root": OTHER}),
    ("evidence_root", {"evidence_root": OTHER}),
    ("time_ms does not increase", {"time_ms": GENESIS_TIME_MS}),
    ("time_ms does not increase", {"time_ms": GENESIS_TIME_MS - 1}),
    ("ahead", {"time_ms": GENESIS_TIME_MS + 1_000 + DRIFT_MS + 1}),
    ("not a validator", {"proposer": KEYS["xiangshan-court"].public_key}),
]


@pytest.mark.parametrize(
    ("message", "changes"), HEADER_TAMPERING, ids=[m for m, _ in HEADER_TAMPERING]
)
def test_validate_rejects_every_tampered_header_field(
    ledger: Ledger, peer: Ledger, message: str, changes: dict[str, Any]
) -> None:
    prepared = proposal(ledger, (account_open(1),))
    assert validate(peer, prepared.payload).block_hash == prepared.block_hash
    payload = tampered(prepared, **changes)
    for validator in (ledger, peer):
        with pytest.raises(InvalidProposalError, match=message):
            validate(validator, payload)


def test_time_limits_are_inclusive_where_the_design_says_so(ledger: Ledger) -> None:
    now = GENESIS_TIME_MS + 10_000
    at_limit = proposal(ledger, time_ms=now + DRIFT_MS)
    assert validate(ledger, at_limit.payload, now_ms=now).block_hash == at_limit.block_hash
    just_after = proposal(ledger, time_ms=GENESIS_TIME_MS + 1)
    assert validate(ledger, just_after.payload).block_hash == just_after.block_hash


def test_a_synced_block_skips_the_clock_check(ledger: Ledger, peer: Ledger) -> None:
    far_ahead = GENESIS_TIME_MS + 10 * 365 * 24 * 3_600_000
    prepared = proposal(ledger, time_ms=far_ahead)
    with pytest.raises(InvalidProposalError, match="ahead"):
        validate(peer, prepared.payload)
    checked = peer.validate(prepared.payload, now_ms=None, drift_ms=0)
    assert checked.block_hash == prepared.block_hash


def test_validate_rejects_a_body_that_differs_from_tx_root(ledger: Ledger) -> None:
    prepared = proposal(ledger, (account_open(1), account_open(2)))
    block = prepared.block
    shortened = Block(header=block.header, txs=block.txs[:1], evidence=())
    with pytest.raises(InvalidProposalError, match=r"malformed block: .*tx_root"):
        validate(ledger, encode(shortened.to_json()))


def test_validate_rejects_a_block_with_an_inadmissible_tx(ledger: Ledger) -> None:
    # Roots consistent with the body, but the tx skips a nonce: the block does not execute.
    prepared = proposal(ledger, (account_open(1),))
    txs = (account_open(2),)
    header = replace(prepared.block.header, tx_root=tx_root(txs))
    payload = encode(Block(header=header, txs=txs, evidence=()).to_json())
    with pytest.raises(InvalidProposalError, match="does not execute"):
        validate(ledger, payload)


@pytest.mark.parametrize(
    "payload",
    [b"", b"[]", b'{"header": 1, "txs": [], "evidence": []}', b'{"a": 1.5}'],
)
def test_validate_rejects_garbage(ledger: Ledger, payload: bytes) -> None:
    with pytest.raises(InvalidProposalError, match="malformed block"):
        validate(ledger, payload)


def test_validate_rejects_non_canonical_bytes_of_a_valid_block(ledger: Ledger) -> None:
    prepared = proposal(ledger)
    spaced = encode(prepared.block.to_json()).replace(b",", b", ")
    assert decode(spaced) == decode(prepared.payload)
    with pytest.raises(InvalidProposalError, match="canonical"):
        validate(ledger, spaced)


# --- commit --------------------------------------------------------------------------------


def test_commit_stores_block_certificate_results_and_tx_index(ledger: Ledger) -> None:
    txs = (account_open(1), account_open(2, "account-1"))
    prepared = proposal(ledger, txs)
    certificate = certify(prepared)
    ledger.commit(prepared, certificate)
    assert ledger.height == 1
    assert ledger.head() == prepared.block.header
    assert ledger.block(1) == prepared.block
    assert ledger.certificate(1) == certificate
    assert ledger.store.get_block(1) == prepared.payload
    assert ledger.history_root() == ledger.history_root(2)
    assert ledger.history_root(1) == prepared.block.header.history_root
    results = [decode(r) for r in ledger.store.get_results(1)]
    assert results == [r.to_json() for r in prepared.results]
    for index, tx in enumerate(txs):
        location = ledger.store.find_tx(tx.tx_id)
        assert location is not None
        assert (location.height, location.index) == (1, index)
    assert ledger.store.state.get("account/account-1") is not None


def test_commit_then_reopen_gives_the_same_head_and_roots(tmp_path: Path) -> None:
    ledger = open_ledger(tmp_path / "data")
    build_and_commit(ledger, (account_open(1),))
    build_and_commit(ledger, (account_open(2), account_open(3)))
    head, history = ledger.head(), ledger.history_root()
    certificate = ledger.certificate(2)
    validators = ledger.validators_for_next_height()
    ledger.store.close()

    reopened = open_ledger(tmp_path / "data")
    try:
        assert reopened.height == 2
        assert reopened.head() == head
        assert reopened.history_root() == history
        assert reopened.certificate(2) == certificate
        assert reopened.validators_for_next_height() == validators
        # The next block builds on the reopened state and its state root.
        prepared = build_and_commit(reopened, (account_open(4),))
        assert prepared.block.header.prev_hash == head.block_hash()
        assert prepared.block.header.history_root == history
    finally:
        reopened.store.close()


def test_only_one_proposal_of_a_height_commits(ledger: Ledger) -> None:
    first = proposal(ledger, (account_open(1),))
    second = proposal(ledger, time_ms=next_time(ledger) + 5)
    assert first.block_hash != second.block_hash
    ledger.commit(first, certify(first))
    with pytest.raises(StaleOverlayError):
        ledger.commit(second, certify(second))
    assert ledger.head() == first.block.header
    with pytest.raises(StaleOverlayError):
        ledger.commit(first, certify(first))
    assert ledger.height == 1


def test_commit_clears_the_proposal_cache(ledger: Ledger) -> None:
    prepared = proposal(ledger)
    ledger.commit(prepared, certify(prepared))
    with pytest.raises(InvalidProposalError, match="height"):
        validate(ledger, prepared.payload)


# --- commit_certified -------------------------------------------------------------------------


def test_commit_certified_applies_a_certified_block(ledger: Ledger, peer: Ledger) -> None:
    prepared = proposal(ledger, (account_open(1),))
    certificate = certify(prepared, VALIDATOR_KEYS)
    ledger.commit(prepared, certificate)
    assert peer.commit_certified(prepared.payload, certificate, check_certificate=True)
    assert peer.head() == ledger.head()
    assert peer.certificate(1) == certificate
    assert peer.store.find_tx(account_open(1).tx_id) is not None


def test_commit_certified_takes_a_parsed_block_only_if_it_is_the_payloads(
    ledger: Ledger, peer: Ledger
) -> None:
    """Block sync hands over the block it parsed ahead (and body-checked); one that is not
    the payload's block (here: the same header with another tx, wrapped as if its body had
    been checked) is refused, not executed in its place."""
    prepared = proposal(ledger, (account_open(1),))
    certificate = certify(prepared, VALIDATOR_KEYS)
    other = BodyChecked(replace(prepared.block, txs=(account_open(2),)))
    with pytest.raises(InvalidProposalError):
        peer.commit_certified(prepared.payload, certificate, check_certificate=True, parsed=other)
    assert peer.height == 0
    parsed = checked_body(Block.from_json(decode(prepared.payload)))
    assert peer.commit_certified(
        prepared.payload, certificate, check_certificate=True, parsed=parsed
    )
    assert peer.head() == prepared.block.header
    assert peer.store.find_tx(account_open(1).tx_id) is not None


def test_commit_certified_executes_no_payload_but_the_certified_one(
    ledger: Ledger, peer: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A peer serving block sync a real certificate with another payload (a block it built
    on the right parent, full of txs) had that payload parsed, its signatures verified and
    executed before the hashes were compared. The header is compared first now."""
    certified = proposal(ledger, (account_open(1),))
    certificate = certify(certified, VALIDATOR_KEYS)
    other = proposal(peer, ())
    assert other.block_hash != certified.block_hash
    peer._prepared.clear()

    def executed(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("executed a block the certificate does not name")

    monkeypatch.setattr(peer, "_execute", executed)
    with pytest.raises(InvalidProposalError, match="another block"):
        peer.commit_certified(other.payload, certificate, check_certificate=True)
    assert peer.height == 0


def _bad_certificates(prepared: PreparedBlock) -> list[tuple[str, CommitCertificate]]:
    outsider = KEYS["xiangshan-court"]
    good = certify(prepared)
    broken = replace(
        good.signatures[0],
        signature=bytes([good.signatures[0].signature[0] ^ 1]) + good.signatures[0].signature[1:],
    )
    return [
        ("below quorum", certify(prepared, VALIDATOR_KEYS[:1])),
        ("outsider", certify(prepared, [VALIDATOR_KEYS[0], outsider])),
        ("wrong chain", certify(prepared, chain_id=OTHER)),
        ("wrong round", replace(good, round=1)),
        ("broken signature", replace(good, signatures=(broken, good.signatures[1]))),
    ]


@pytest.mark.parametrize("case", range(5))
def test_commit_certified_refuses_a_bad_certificate(
    ledger: Ledger, peer: Ledger, case: int
) -> None:
    prepared = proposal(ledger, (account_open(1),))
    _name, certificate = _bad_certificates(prepared)[case]
    with pytest.raises(SignatureError):
        peer.commit_certified(prepared.payload, certificate, check_certificate=True)
    assert peer.height == 0
    assert peer.store.find_tx(account_open(1).tx_id) is None


def test_commit_certified_refuses_a_certificate_of_another_block(
    ledger: Ledger, peer: Ledger
) -> None:
    prepared = proposal(ledger, (account_open(1),))
    other = proposal(ledger, time_ms=next_time(ledger) + 7)
    with pytest.raises(InvalidProposalError, match="another block"):
        peer.commit_certified(prepared.payload, certify(other), check_certificate=True)
    assert peer.height == 0


def test_commit_certified_refuses_a_certificate_for_another_height(
    ledger: Ledger, peer: Ledger
) -> None:
    # Signatures over (height 5, this block's hash) are no certificate of height 1.
    prepared = proposal(ledger)
    with pytest.raises(InvalidProposalError, match="not next"):
        peer.commit_certified(prepared.payload, certify(prepared, height=5), check_certificate=True)
    assert peer.height == 0


def test_commit_certified_refuses_a_certified_block_that_does_not_link(
    ledger: Ledger, peer: Ledger
) -> None:
    first = build_and_commit(ledger)
    second = proposal(ledger)
    # peer is still at genesis: block 2 does not follow its head.
    with pytest.raises(InvalidProposalError, match="height"):
        peer.commit_certified(second.payload, certify(second), check_certificate=True)
    peer.commit_certified(first.payload, certify(first), check_certificate=True)
    peer.commit_certified(second.payload, certify(second), check_certificate=True)
    assert peer.head() == second.block.header


def test_a_proposer_outside_the_validator_set_is_refused(ledger: Ledger, peer: Ledger) -> None:
    # Any validator may be named: a locked block is re-proposed in later rounds by others.
    for name in ("ningbo-ptc", "xiamen-ptc"):
        named = ledger.build(
            txs=(), evidence=(), time_ms=next_time(ledger), proposer=KEYS[name].public_key
        )
        assert validate(peer, named.payload).block_hash == named.block_hash
    outsider = ledger.build(
        txs=(), evidence=(), time_ms=next_time(ledger), proposer=KEYS["xiangshan-court"].public_key
    )
    with pytest.raises(InvalidProposalError, match="not a validator"):
        validate(peer, outsider.payload)


def test_commit_certified_is_a_no_op_for_the_block_already_committed(
    ledger: Ledger, peer: Ledger
) -> None:
    # Issue 10 finding 2: consensus and sync both committing one height must not halt.
    prepared = proposal(ledger, (account_open(1),))
    certificate = certify(prepared)
    ledger.commit(prepared, certificate)
    # The call that writes it gives the block it wrote (the runtime reads its evidence
    # there); the repeats give None.
    assert peer.commit_certified(prepared.payload, certificate, check_certificate=True) == (
        prepared.block
    )
    assert peer.commit_certified(prepared.payload, certificate, check_certificate=False) is None
    assert peer.commit_certified(prepared.payload, certificate, check_certificate=True) is None
    assert peer.height == 1
    assert peer.head() == ledger.head()


def test_commit_certified_names_a_different_block_at_a_committed_height_a_fork(
    ledger: Ledger, peer: Ledger
) -> None:
    first = proposal(ledger, (account_open(1),))
    other = proposal(ledger, time_ms=next_time(ledger) + 7)
    peer.commit_certified(first.payload, certify(first), check_certificate=True)
    with pytest.raises(ForkError) as raised:
        peer.commit_certified(other.payload, certify(other), check_certificate=True)
    assert (raised.value.height, raised.value.theirs) == (1, other.block_hash)
    assert peer.head() == first.block.header


def test_a_committed_blocks_tx_signatures_leave_the_signature_cache(tmp_path: Path) -> None:
    """The node's cache keeps the pending txs' signatures, not the chain's (issue 20): each
    committed tx's entries are forgotten at its commit, and a later check verifies afresh."""
    cache = SignatureCache()
    ledger = Ledger(
        LevelDbStore.open(tmp_path / "data"),
        GENESIS,
        verify=cache.verify,
        forget_signature=cache.forget,
    )
    committed, pending = account_open(1), account_open(2)
    message = pending.tx.signing_bytes()
    (signature,) = pending.signatures
    assert cache.verify(signature.public_key, message, signature.signature)  # admitted, pending
    build_and_commit(ledger, (committed,))
    assert len(cache) == 1, "only the pending tx's signature is left"
    hits = cache.hits
    assert cache.verify(signature.public_key, message, signature.signature)
    assert cache.hits == hits + 1
    (gone,) = committed.signatures
    misses = cache.misses
    assert cache.verify(gone.public_key, committed.tx.signing_bytes(), gone.signature)
    assert cache.misses == misses + 1, "a committed tx's signature is verified afresh"
