"""node/sync.py: fork detection halts only on a second, validly certified block at our height,
and catch-up applies certified blocks from a peer. Peers are served by httpx.MockTransport
(tests/unit/node/sync_kit.py); range answers are in test_sync_ranges.py, signatures
verified ahead of execution in test_sync_ahead.py.
"""

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from node import sync_catch_up
from node.ledger import Ledger
from node.storage.leveldb import LevelDbStore
from node.storage.smt_top import CATCH_UP_LEVELS, TOP_LEVELS
from node.sync import BlockSync
from node.sync_blocks import FetchedBlock
from node.sync_state import SyncState
from protocol import block_check
from protocol.block import Block, tx_root
from protocol.evidence import DuplicateVoteEvidence, evidence_from_json
from protocol.hashing import Hash32
from protocol.signature_cache import SignatureCache
from protocol.tx import SignedTx
from protocol.votes import CommitCertificate
from tests.unit.node.chain_kit import (
    GENESIS,
    VALIDATOR_KEYS,
    account_open,
    build_and_commit,
    certify,
    count_ed25519_verifies,
    open_ledger,
)
from tests.unit.node.sync_kit import (
    PEER,
    LedgerAt,
    catch_up_from,
    certified_chain,
    direct,
    mock_sync,
    one_signature_certificate,
    serve_blocks,
)


def check_fork(
    ledger: Ledger, blocks: dict[int, tuple[bytes, CommitCertificate]], head_hash: str
) -> str | None:
    return check_fork_state(ledger, blocks, head_hash).fork


def check_fork_state(
    ledger: Ledger, blocks: dict[int, tuple[bytes, CommitCertificate]], head_hash: str
) -> SyncState:
    async def main() -> SyncState:
        sync = BlockSync(ledger, [PEER], direct, transport=serve_blocks(blocks))
        view = sync.state.peers[PEER]
        view.reachable, view.height, view.head_hash = True, ledger.height, head_hash
        try:
            await sync.check_fork()
        finally:
            await sync.close()
        return sync.state

    return asyncio.run(main())


def test_a_second_certified_block_at_our_height_is_a_fork(ledger_at: LedgerAt) -> None:
    ours = ledger_at("ours")
    theirs = ledger_at("theirs")
    build_and_commit(ours, (account_open(1),))
    other = build_and_commit(theirs)
    certificate = theirs.certificate(1)
    assert certificate is not None
    state = check_fork_state(ours, {1: (other.payload, certificate)}, other.block_hash.hex())
    assert state.fork is not None
    assert other.block_hash.hex() in state.fork
    evidence = state.fork_evidence
    assert evidence is not None and evidence["height"] == 1
    # Both sides' certified headers: transferable evidence of the fork.
    assert evidence["theirs"]["certificate"] == certificate.to_json()  # type: ignore[index]
    assert evidence["ours"]["header"] == ours.header(1).to_json()  # type: ignore[index,union-attr]


def test_a_conflicting_block_without_a_valid_certificate_is_no_fork(ledger_at: LedgerAt) -> None:
    ours = ledger_at("ours")
    theirs = ledger_at("theirs")
    build_and_commit(ours, (account_open(1),))
    other = build_and_commit(theirs)
    weak = certify(other, VALIDATOR_KEYS[:1])
    assert check_fork(ours, {1: (other.payload, weak)}, other.block_hash.hex()) is None


def test_a_peer_that_misreports_its_head_but_serves_our_block_is_no_fork(
    ledger_at: LedgerAt,
) -> None:
    ours = ledger_at("ours")
    mine = build_and_commit(ours)
    certificate = ours.certificate(1)
    assert certificate is not None
    assert check_fork(ours, {1: (mine.payload, certificate)}, "00" * 32) is None


def test_a_certificate_of_another_height_is_no_fork(ledger_at: LedgerAt) -> None:
    # A peer answering /v1/blocks/2 with block 1 and its (valid) certificate.
    ours = ledger_at("ours")
    first = build_and_commit(ours)
    build_and_commit(ours)
    certificate = ours.certificate(1)
    assert certificate is not None
    assert check_fork(ours, {2: (first.payload, certificate)}, "00" * 32) is None


def test_catch_up_applies_certified_blocks_and_stops_at_a_bad_one(ledger_at: LedgerAt) -> None:
    source = ledger_at("source")
    behind = ledger_at("behind")
    blocks = certified_chain(source, 3)
    # Block 3 comes with a certificate signed by one validator only.
    blocks[3] = (blocks[3][0], one_signature_certificate(source, 3))
    applied = catch_up_from(behind, {PEER: (serve_blocks(blocks), 3)})
    assert applied == 2
    assert behind.height == 2
    assert behind.head() == source.header(2)


def test_catch_up_asks_for_ranges_and_finds_the_signatures_verified(
    ledger_at: LedgerAt, tmp_path: Path
) -> None:
    source = ledger_at("source")
    blocks = certified_chain(source, 3)
    cache = SignatureCache(lock=threading.Lock())
    behind = Ledger(LevelDbStore.open(tmp_path / "cached"), GENESIS, verify=cache.verify)
    try:
        seen: list[str] = []
        applied = catch_up_from(behind, {PEER: (serve_blocks(blocks, seen=seen), 3)})
        assert (applied, behind.height) == (3, 3)
        assert seen == ["/v1/blocks/range"]  # three blocks in one request
        # Execution asked the cache for each of the 6 tx signatures and found it verified
        # by the thread ahead of it; the thread ahead also checked each block's certificate
        # (2 signatures each) before it verified that block's txs.
        assert (cache.hits, cache.misses) == (6, 12)
    finally:
        behind.store.close()


def test_a_fork_names_the_validator_whose_precommits_are_in_both_certificates(
    ledger_at: LedgerAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: ours is signed by keys 0 and 1, theirs by 1 and 2: key 1 signed both.

    The peer's certificate is verified once and ours (committed) not again: before,
    fork_evidence re-verified both, 6 Ed25519 checks where 2 do."""
    ours = ledger_at("ours")
    theirs = ledger_at("theirs")
    build_and_commit(ours, (account_open(1),))
    other = build_and_commit(theirs)
    certificate = certify(other, VALIDATOR_KEYS[1:3])
    checked = count_ed25519_verifies(monkeypatch)
    state = check_fork_state(ours, {1: (other.payload, certificate)}, other.block_hash.hex())
    assert checked == [s.validator for s in certificate.signatures]
    evidence = state.fork_evidence
    assert evidence is not None
    named = evidence["double_signers"]
    assert isinstance(named, list)
    assert [e["offender"] for e in named] == [VALIDATOR_KEYS[1].public_key.hex()]
    proof = evidence_from_json(named[0]["evidence"])
    assert isinstance(proof, DuplicateVoteEvidence) and proof.is_valid()
    assert proof.offender == VALIDATOR_KEYS[1].public_key


def test_catch_up_executes_the_block_parsed_ahead_without_parsing_it_again(
    ledger_at: LedgerAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each block is parsed once, ahead of its execution: the worker's commit takes that
    parse instead of decoding the payload again."""
    parses: list[int] = []
    real = Block.from_json.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Block], value: object) -> Block:
        block = real(cls, value)
        parses.append(block.header.height)
        return block  # type: ignore[no-any-return]

    source = ledger_at("source")
    blocks = certified_chain(source, 3)
    monkeypatch.setattr(Block, "from_json", classmethod(counted))
    assert catch_up_from(ledger_at("behind"), {PEER: (serve_blocks(blocks), 3)}) == 3
    assert parses == [1, 2, 3]


def test_a_poll_tells_the_hooks_when_a_peer_answers_after_it_did_not(tmp_path: Path) -> None:
    """At first contact and after each spell without answers, not on every answered poll:
    the runtime sends that peer its current round's messages (NodeRuntime.peer_reachable)."""
    ledger = open_ledger(tmp_path / "data")
    answers = iter([False, True, True, False, True])
    told: list[str] = []

    def status(request: httpx.Request) -> httpx.Response:
        if not next(answers):
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"height": ledger.height, "head_hash": "00"})

    async def main() -> None:
        sync = await mock_sync(ledger, [PEER], status)
        sync.polls.on_reachable.append(told.append)
        try:
            for _ in range(5):
                await sync.poll_peers()
        finally:
            await sync.close()

    try:
        asyncio.run(main())
    finally:
        ledger.store.close()
    assert told == [PEER, PEER]


@pytest.mark.parametrize(
    ("far_behind", "held_while_applying"),
    [(1, [TOP_LEVELS, CATCH_UP_LEVELS, CATCH_UP_LEVELS]), (2, [TOP_LEVELS] * 3)],
)
def test_a_catch_up_far_behind_holds_more_tree_levels_until_it_is_over(
    ledger_at: LedgerAt,
    monkeypatch: pytest.MonkeyPatch,
    far_behind: int,
    held_while_applying: list[int],
) -> None:
    """Once FAR_PROOF_BLOCKS (here 1) of the peer's blocks committed and it is still more
    than FAR_BEHIND_BLOCKS ahead, every further block is executed with CATCH_UP_LEVELS of the
    state tree held; the store holds its own TOP_LEVELS again once the catch-up is over. With
    a bound of 2, two blocks left after the first are not far: the levels never change."""
    monkeypatch.setattr(sync_catch_up, "FAR_BEHIND_BLOCKS", far_behind)
    monkeypatch.setattr(sync_catch_up, "FAR_PROOF_BLOCKS", 1)
    source, behind = ledger_at("source"), ledger_at("behind")
    blocks = certified_chain(source, 3)
    held: list[int] = []
    behind.on_commit.append(lambda block: held.append(behind.store.held_tree_levels))
    assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 3)}) == 3
    assert held == held_while_applying
    assert behind.store.held_tree_levels == TOP_LEVELS


def test_a_peers_claim_to_be_far_ahead_holds_nothing_until_its_blocks_commit(
    ledger_at: LedgerAt,
) -> None:
    """A peer that says it is 1,000 blocks ahead and serves none (a hostile validator did
    so, and every node it was polled by held and let go of 2**16 tree nodes and started a
    process twice a second): no level is held, nothing committed."""
    behind = ledger_at("behind")
    levels: list[int | None] = []
    real = behind.store.hold_tree_levels

    def hold(levels_wanted: int | None) -> None:
        levels.append(levels_wanted)
        real(levels_wanted)

    behind.store.hold_tree_levels = hold  # type: ignore[method-assign, assignment]
    assert catch_up_from(behind, {PEER: (serve_blocks({}), 1_000)}) == 0
    assert levels == [] and behind.store.held_tree_levels == TOP_LEVELS


def test_catch_up_hashes_each_blocks_txs_once(
    ledger_at: LedgerAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The body check made before the signatures are verified ahead (tx_root against the
    txs) goes along to execution, which does not hash the txs again."""
    source = ledger_at("source")
    blocks = certified_chain(source, 3)
    roots: list[int] = []
    real = tx_root

    def counted(txs: Sequence[SignedTx]) -> Hash32:
        roots.append(len(txs))
        return real(txs)

    monkeypatch.setattr(block_check, "tx_root", counted)
    behind = ledger_at("behind")
    assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 3)}) == 3
    assert roots == [2, 2, 2]
    assert behind.head() == source.header(3)


def test_a_peer_whose_claim_did_not_hold_is_left_out_of_readiness(ledger_at: LedgerAt) -> None:
    """Readiness counts the heights of peers whose claims held when fetched: a peer that
    says it is 1,000 blocks ahead and serves nothing kept every node's /readyz at
    "syncing: 1000 blocks behind" for as long as it said so."""
    source, behind = ledger_at("source"), ledger_at("behind")
    blocks = certified_chain(source, 2)
    liar, honest = "http://liar.test", "http://honest.test"
    transports = {liar: serve_blocks({}), honest: serve_blocks(blocks)}

    def route(request: httpx.Request) -> httpx.Response:
        return transports[f"{request.url.scheme}://{request.url.host}"].handle_request(request)

    async def main() -> tuple[int, int, int]:
        sync = await mock_sync(behind, [liar, honest], route)
        for url, height in ((liar, 1_000), (honest, 2)):
            view = sync.state.peers[url]
            view.reachable, view.height = True, height
        try:
            applied = await sync.catch_up(0)
            return applied, sync.state.highest_peer_height(), sync.state.highest_credible_height()
        finally:
            await sync.close()

    assert asyncio.run(main()) == (2, 1_000, 2)


def test_a_peer_that_lied_stays_out_of_readiness_until_it_serves(ledger_at: LedgerAt) -> None:
    """A peer that claimed 1,000 blocks ahead and served nothing, then claimed our height
    (a round then found it not ahead), then 1,000 ahead again, was believed again after every
    truthful claim: alternating, it kept every node's /readyz flapping between ready and
    "syncing: 1000 blocks behind". It counts again only once blocks fetched from it commit."""
    source, behind = ledger_at("source"), ledger_at("behind")
    blocks = certified_chain(source, 2)
    liar = "http://liar.test"
    serving = {"blocks": serve_blocks({})}

    def route(request: httpx.Request) -> httpx.Response:
        return serving["blocks"].handle_request(request)

    async def main() -> list[int]:
        sync = await mock_sync(behind, [liar], route)
        view = sync.state.peers[liar]
        view.reachable = True
        credible: list[int] = []
        try:
            for height in (1_000, 0, 1_000):
                view.height = height  # what its poll says: readiness reads it before a round
                credible.append(sync.state.highest_credible_height())
                view.retry_at = 0.0  # RETRY_UNSERVED_S went by
                await sync.catch_up(0)
            serving["blocks"] = serve_blocks(blocks)  # it serves at last
            view.height, view.retry_at = 2, 0.0
            await sync.catch_up(0)
            credible.append(sync.state.highest_credible_height())
        finally:
            await sync.close()
        return credible

    # Never believed until it served (a new peer's claim neither: stop 55).
    assert asyncio.run(main()) == [-1, -1, -1, 2]


def apply_fetched(ledger: Ledger, fetched: FetchedBlock) -> tuple[int, bool, bool]:
    """CatchUp.apply_blocks on one block a peer served for a height the ledger committed while it
    was fetched (consensus commits beside block sync): what it wrote, whether the range
    went on, and whether the peer is still counted reachable."""

    async def main() -> tuple[int, bool, bool]:
        sync = BlockSync(ledger, [PEER], direct)
        view = sync.state.peers[PEER]
        view.reachable, view.height = True, ledger.height
        try:
            wrote, whole = await sync.catching_up.apply_blocks(view, deque([fetched]))
        finally:
            await sync.close()
        return wrote, whole, view.reachable

    return asyncio.run(main())


def test_a_bogus_block_for_a_height_committed_meanwhile_is_refused_not_called_a_fork(
    ledger_at: LedgerAt, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: any other block for a committed height logged a critical "fork" line, its
    certificate unchecked; now only a block whose certificate holds does (check_fork then
    confirms it and halts), and a peer serving an uncertified one is refused."""
    caplog.set_level(logging.WARNING, logger="lantan.node")
    ours = ledger_at("ours")
    theirs = ledger_at("theirs")
    build_and_commit(ours, (account_open(1),))
    other = build_and_commit(theirs)
    weak = certify(other, VALIDATOR_KEYS[:1])
    assert apply_fetched(ours, FetchedBlock(other.payload, weak)) == (0, False, False)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "refused" in caplog.records[0].getMessage()
    caplog.clear()
    certificate = theirs.certificate(1)
    assert certificate is not None
    assert apply_fetched(ours, FetchedBlock(other.payload, certificate)) == (0, False, True)
    assert [r.levelno for r in caplog.records] == [logging.CRITICAL]
    assert "fork at height 1" in caplog.records[0].getMessage()
