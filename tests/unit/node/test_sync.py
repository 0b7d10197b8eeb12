"""node/sync.py: fork detection halts only on a second, validly certified block at our height,
and catch-up applies certified blocks from a peer. Peers are served by httpx.MockTransport.
"""

import asyncio
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.validator_sets import current_validator_set
from node import sync as node_sync
from node.ledger import Ledger
from node.storage.leveldb import LevelDbStore
from node.storage.smt_top import CATCH_UP_LEVELS, TOP_LEVELS
from node.sync import (
    VERIFY_AHEAD_BLOCKS,
    BlockSync,
    FetchedBlock,
    RangeRefusedError,
    SyncState,
    canonical_payload,
    parse_if_certified,
    parse_range,
)
from node.sync_ahead import SignaturesAhead
from protocol import block_check
from protocol.block import Block, tx_root
from protocol.encoding import decode, decode_unchecked, encode
from protocol.evidence import DuplicateVoteEvidence, evidence_from_json
from protocol.hashing import TAG_TX, Hash32
from protocol.signature_cache import SignatureCache
from protocol.signing import verify_signature
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

PEER = "http://peer.test"


def serve_blocks(
    blocks: dict[int, tuple[bytes, CommitCertificate]],
    *,
    ranges: bool = True,
    seen: list[str] | None = None,
) -> httpx.MockTransport:
    """GET /v1/blocks/{h} and (unless ranges is False, as on an older node) the range route;
    seen collects the paths asked for."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request.url.path)
        if request.url.path == "/v1/blocks/range":
            if not ranges:
                return httpx.Response(422, json={"error": {"code": "BAD_REQUEST", "detail": ""}})
            first, limit = int(request.url.params["from"]), int(request.url.params["limit"])
            entries = [
                {"block": decode(blocks[h][0]), "certificate": blocks[h][1].to_json()}
                for h in range(first, first + limit)
                if h in blocks
            ]
            return httpx.Response(200, content=encode({"blocks": entries}))
        height = int(request.url.path.rsplit("/", 1)[1])
        if height not in blocks:
            return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "detail": ""}})
        payload, certificate = blocks[height]
        body = {"block": decode(payload), "certificate": certificate.to_json(), "results": []}
        return httpx.Response(200, content=encode(body))

    return httpx.MockTransport(handler)


async def direct(function: Callable[..., Any], *args: object) -> Any:
    return function(*args)


def check_fork(
    ledger: Ledger, blocks: dict[int, tuple[bytes, CommitCertificate]], head_hash: str
) -> str | None:
    return check_fork_state(ledger, blocks, head_hash).fork


def check_fork_state(
    ledger: Ledger, blocks: dict[int, tuple[bytes, CommitCertificate]], head_hash: str
) -> SyncState:
    async def main() -> SyncState:
        sync = BlockSync(ledger, [PEER], direct)
        await sync.close()
        sync._client = httpx.AsyncClient(transport=serve_blocks(blocks))
        view = sync.state.peers[PEER]
        view.reachable, view.height, view.head_hash = True, ledger.height, head_hash
        try:
            await sync.check_fork()
        finally:
            await sync.close()
        return sync.state

    return asyncio.run(main())


LedgerAt = Callable[[str], Ledger]


@pytest.fixture
def ledger_at(tmp_path: Path) -> Iterator[LedgerAt]:
    """Opens a ledger in tmp_path/<name>; each one opened is closed after the test."""
    opened: list[Ledger] = []

    def open_named(name: str) -> Ledger:
        opened.append(open_ledger(tmp_path / name))
        return opened[-1]

    yield open_named
    for ledger in opened:
        ledger.store.close()


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


def certified_chain(source: Ledger, count: int) -> dict[int, tuple[bytes, CommitCertificate]]:
    """count blocks of two account.open txs each, built and committed on source."""
    blocks = {}
    for n in range(1, count + 1):
        prepared = build_and_commit(source, (account_open(2 * n - 1), account_open(2 * n)))
        certificate = source.certificate(n)
        assert certificate is not None
        blocks[n] = (prepared.payload, certificate)
    return blocks


def catch_up_from(
    behind: Ledger,
    peers: dict[str, tuple[httpx.MockTransport, int]],
    signatures_ahead: SignaturesAhead | None = None,
) -> int:
    """BlockSync on behind with these peers (URL: transport, reported height), catch_up(0)."""

    def route(request: httpx.Request) -> httpx.Response:
        transport = peers[f"{request.url.scheme}://{request.url.host}"][0]
        return transport.handle_request(request)

    async def main() -> int:
        sync = BlockSync(behind, list(peers), direct, signatures_ahead=signatures_ahead)
        await sync.close()
        sync._client = httpx.AsyncClient(transport=httpx.MockTransport(route))
        for url, (_, height) in peers.items():
            view = sync.state.peers[url]
            view.reachable, view.height = True, height
        try:
            return await sync.catch_up(0)
        finally:
            await sync.close()

    return asyncio.run(main())


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


def test_signatures_are_verified_at_most_two_blocks_ahead_of_execution(
    ledger_at: LedgerAt, tmp_path: Path
) -> None:
    """So the cache (60,000 entries) still holds them when execution asks, even for blocks of
    BLOCK_TXS_MAX txs in a range of 16."""
    source = ledger_at("source")
    blocks = certified_chain(source, 6)
    block_of = {
        tx.tx.signing_bytes(): height
        for height in blocks
        for tx in (source.block(height) or pytest.fail("no block")).txs
    }
    cache = SignatureCache(lock=threading.Lock())
    gaps: list[int] = []

    def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
        if message in block_of:  # a tx signature: how far ahead of the executing block
            gaps.append(block_of[message] - (behind.height + 1))
        return cache.verify(public_key, message, signature)

    behind = Ledger(LevelDbStore.open(tmp_path / "cached"), GENESIS, verify=verify)
    try:
        assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 6)}) == 6
    finally:
        behind.store.close()
    assert len(gaps) == 2 * 12  # each of the 12 verified ahead, then found by execution
    assert max(gaps) == VERIFY_AHEAD_BLOCKS == 2
    assert cache.hits == 12


def test_a_range_of_other_heights_is_refused_and_the_next_peer_serves(
    ledger_at: LedgerAt,
) -> None:
    source = ledger_at("source")
    behind = ledger_at("behind")
    blocks = certified_chain(source, 3)
    shifted = {h - 1: blocks[h] for h in (2, 3)}  # answers "from=1" with blocks 2 and 3
    liar, honest = "http://liar.test", "http://honest.test"
    peers = {liar: (serve_blocks(shifted), 5), honest: (serve_blocks(blocks), 3)}
    applied = catch_up_from(behind, peers)
    assert (applied, behind.height) == (3, 3)
    assert behind.head() == source.header(3)


def test_an_oversized_range_is_refused_as_it_streams_in(
    ledger_at: LedgerAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = ledger_at("source")
    behind = ledger_at("behind")
    blocks = certified_chain(source, 2)
    monkeypatch.setattr("node.sync.RANGE_RESPONSE_BYTES_MAX", len(blocks[1][0]))
    applied = catch_up_from(behind, {PEER: (serve_blocks(blocks), 2)})
    assert (applied, behind.height) == (0, 0)


def test_a_peer_without_the_range_route_is_asked_block_by_block(ledger_at: LedgerAt) -> None:
    source = ledger_at("source")
    behind = ledger_at("behind")
    blocks = certified_chain(source, 2)
    seen: list[str] = []
    applied = catch_up_from(behind, {PEER: (serve_blocks(blocks, ranges=False, seen=seen), 2)})
    assert (applied, behind.height) == (2, 2)
    assert seen == ["/v1/blocks/range", "/v1/blocks/1", "/v1/blocks/range", "/v1/blocks/2"]


def one_signature_certificate(ledger: Ledger, height: int) -> CommitCertificate:
    certificate = ledger.certificate(height)
    assert certificate is not None
    return CommitCertificate(
        height=certificate.height,
        round=certificate.round,
        block_hash=certificate.block_hash,
        signatures=certificate.signatures[:1],
    )


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


def test_a_range_answer_must_hold_the_heights_asked_for_and_no_more(ledger_at: LedgerAt) -> None:
    blocks = certified_chain(ledger_at("source"), 3)

    def answer(*heights: int) -> bytes:
        entries = [
            {"block": decode(blocks[h][0]), "certificate": blocks[h][1].to_json()} for h in heights
        ]
        return encode({"blocks": entries})

    assert [c.height for _, c in parse_range(answer(2, 3), 2, 2)] == [2, 3]
    with pytest.raises(RangeRefusedError, match="height 3 where 2 was asked"):
        parse_range(answer(3), 2, 2)
    with pytest.raises(RangeRefusedError, match="at most 2 blocks"):
        parse_range(answer(1, 2, 3), 1, 2)
    with pytest.raises(RangeRefusedError, match="block, certificate"):
        parse_range(encode({"blocks": [{"block": {}}]}), 1, 2)


def _nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "bad", [1.5, 2**60, _nested(70)], ids=["float", "integer past 2**53", "nested 70 deep"]
)
def test_a_range_block_outside_the_json_domain_is_refused(ledger_at: LedgerAt, bad: Any) -> None:
    # The answer is split without decoding its blocks, and each block is decoded without the
    # strict checks (decode_unchecked): what refuses JSON outside the protocol's domain is
    # its canonical encode on the worker (canonical_payload), and then the ledger's decode.
    source = ledger_at("source")
    blocks = certified_chain(source, 2)
    block = decode(blocks[2][0])
    assert isinstance(block, dict) and isinstance(block["header"], dict)
    block["header"]["extra"] = bad
    entries = [
        {"block": decode(blocks[1][0]), "certificate": blocks[1][1].to_json()},
        {"block": block, "certificate": blocks[2][1].to_json()},
    ]
    content = json.dumps({"blocks": entries}).encode()
    assert [c.height for _, c in parse_range(content, 1, 2)] == [1, 2]
    assert canonical_payload(parse_range(content, 1, 2)[1][0]) is None

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content)

    behind = ledger_at("behind")
    assert catch_up_from(behind, {PEER: (httpx.MockTransport(handler), 2)}) == 1
    assert behind.head() == source.header(1)


def test_a_range_in_another_spelling_is_applied_as_canonical_bytes(ledger_at: LedgerAt) -> None:
    """A range answer is read in any JSON spelling (whitespace, key order, a duplicate key
    whose last value is the block's), as when the whole answer was decoded and each block
    encoded again: each block is made canonical on the worker before it is checked, and
    the ledger stores those bytes."""
    source = ledger_at("source")
    blocks = certified_chain(source, 3)

    def spelled(h: int) -> str:
        block = decode(blocks[h][0])
        assert isinstance(block, dict)
        members = [f"{json.dumps(k)}: {json.dumps(v, indent=1)}" for k, v in block.items()]
        members.reverse()
        return "{ " + '"txs": [], ' + ", ".join(members) + " }"

    entries = ", ".join(
        f'{{"certificate": {json.dumps(blocks[h][1].to_json())}, "block": {spelled(h)}}}'
        for h in (1, 2, 3)
    )
    content = f'{{"blocks": [ {entries} ]}}'.encode()
    assert decode_unchecked(content) == {  # the spelling says the same blocks
        "blocks": [
            {"block": decode(blocks[h][0]), "certificate": blocks[h][1].to_json()}
            for h in (1, 2, 3)
        ]
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content)

    behind = ledger_at("behind")
    assert catch_up_from(behind, {PEER: (httpx.MockTransport(handler), 3)}) == 3
    assert [behind.store.get_block(h) for h in (1, 2, 3)] == [blocks[h][0] for h in (1, 2, 3)]


def test_synced_txs_are_read_in_c_not_by_the_reference(
    ledger_at: LedgerAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Block sync holds no mempool copy of a synced block's txs: each is read by
    protocol/tx_decode.py's C path (block_of_value), the reference reads none of them."""
    source = ledger_at("source")
    blocks = certified_chain(source, 3)
    read: list[object] = []
    real = SignedTx.from_json.__func__  # type: ignore[attr-defined]

    def counted(cls: type[SignedTx], value: object) -> SignedTx:
        read.append(value)
        return real(cls, value)  # type: ignore[no-any-return]

    monkeypatch.setattr(SignedTx, "from_json", classmethod(counted))
    behind = ledger_at("behind")
    assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 3)}) == 3
    assert behind.head() == source.header(3)
    assert read == []


def test_no_tx_signature_is_verified_ahead_for_a_block_nobody_certified(
    ledger_at: LedgerAt,
) -> None:
    """A peer cannot make this node spend Ed25519 on txs before they are authenticated:
    ahead of execution, only a block whose header the current set certified, with the txs
    its tx_root names, is parsed (and only a parsed block has its signatures verified)."""
    source = ledger_at("source")
    blocks = certified_chain(source, 1)
    payload, certificate = blocks[1]
    validators = current_validator_set(source.store.state)
    asked: list[bytes] = []

    def verify(key: bytes, message: bytes, signature: bytes) -> bool:
        asked.append(message)
        return verify_signature(key, message, signature)

    def tx_signatures_asked() -> list[bytes]:
        return [m for m in asked if m.startswith(TAG_TX)]

    weak = FetchedBlock(payload, one_signature_certificate(source, 1))
    assert parse_if_certified(verify, source.chain_id, validators, weak) is None
    # txs that are not the ones the header names are not even read for signatures
    forged = decode(payload)
    assert isinstance(forged, dict) and isinstance(forged["txs"], list)
    forged["txs"] = forged["txs"][:1]
    cut = FetchedBlock(encode(forged), certificate)
    assert parse_if_certified(verify, source.chain_id, validators, cut) is None
    # nor the txs of a second, uncertified header after them (the parse keeps the last
    # "header" of the payload, its header slice the first): the payload is parsed without
    # a canonical check, so the parsed header itself must be the certified one
    other = build_and_commit(ledger_at("other"), (account_open(1, "account-other"),)).payload
    start = other.index(b',"header":{')
    end = other.index(b'},"txs":[') + 1
    twice = payload[: payload.index(b',"txs":[')] + other[end:-1] + other[start:end] + b"}"
    assert (decode_unchecked(twice) or {})["header"] == decode(other)["header"]  # type: ignore[index, call-overload]
    doubled = FetchedBlock(twice, certificate)
    assert parse_if_certified(verify, source.chain_id, validators, doubled) is None
    sound = FetchedBlock(payload, certificate)
    parsed = parse_if_certified(verify, source.chain_id, validators, sound)
    assert parsed is not None and parsed.block.canonical_bytes() == payload
    assert not tx_signatures_asked()  # only the certificates' signatures were checked


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
        sync = BlockSync(ledger, [PEER], direct)
        await sync.close()
        sync._client = httpx.AsyncClient(transport=httpx.MockTransport(status))
        sync.on_reachable.append(told.append)
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
    ("far_behind", "held_while_applying"), [(2, CATCH_UP_LEVELS), (3, TOP_LEVELS)]
)
def test_a_catch_up_far_behind_holds_more_tree_levels_until_it_is_over(
    ledger_at: LedgerAt,
    monkeypatch: pytest.MonkeyPatch,
    far_behind: int,
    held_while_applying: int,
) -> None:
    """More than FAR_BEHIND_BLOCKS behind, every block is executed with CATCH_UP_LEVELS of
    the state tree held; the store holds its own TOP_LEVELS again once the catch-up is over. Three
    blocks behind with a bound of 3 is not far: the levels never change."""
    monkeypatch.setattr(node_sync, "FAR_BEHIND_BLOCKS", far_behind)
    source, behind = ledger_at("source"), ledger_at("behind")
    blocks = certified_chain(source, 3)
    held: list[int] = []
    behind.on_commit.append(lambda block: held.append(behind.store.held_tree_levels))
    assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 3)}) == 3
    assert held == [held_while_applying] * 3
    assert behind.store.held_tree_levels == TOP_LEVELS


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


class Inline(Executor):
    """SignaturesAhead's pool run in the caller (pickling and a spawned interpreter are the
    process's own business); notes how many triples each job had, and its end. starting:
    the worker never gets going (its warm-up job stays pending)."""

    def __init__(self, *, starting: bool = False) -> None:
        self.jobs: list[int] = []
        self.ended = False
        self.starting = starting

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.jobs.append(len(args[0]))
        future: Future[Any] = Future()
        if not self.starting:
            future.set_result(fn(*args, **kwargs))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.ended = True


def test_far_behind_the_signatures_are_verified_in_the_process_and_found_there(
    ledger_at: LedgerAt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catch-up far behind hands each certified block's tx signatures to the verifying
    process (node/sync_ahead.py) and keeps what it found valid in the ledger's cache, where
    execution finds every one of them; no thread of the node verifies them. The process
    ends with the catch-up."""
    monkeypatch.setattr(node_sync, "FAR_BEHIND_BLOCKS", 2)
    blocks = certified_chain(ledger_at("source"), 3)
    verified_here: list[bytes] = []

    def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
        verified_here.append(message)
        return verify_signature(public_key, message, signature)

    cache = SignatureCache(lock=threading.Lock(), verify=verify)
    pools: list[Inline] = []

    def make_pool() -> Inline:
        pools.append(Inline())
        return pools[-1]

    behind = Ledger(LevelDbStore.open(tmp_path / "cached"), GENESIS, verify=cache.verify)
    try:
        ahead = SignaturesAhead(cache.remember, make_pool)
        assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 3)}, ahead) == 3
        assert behind.height == 3
    finally:
        behind.store.close()
    assert [pool.jobs for pool in pools] == [[0, 2, 2, 2]]  # warmed, then each block's txs
    assert not [m for m in verified_here if m.startswith(TAG_TX)]
    assert cache.hits == 6
    assert pools[0].ended and not ahead.broken


def test_not_far_behind_no_process_is_started(ledger_at: LedgerAt) -> None:
    blocks = certified_chain(ledger_at("source"), 3)
    made: list[Inline] = []

    def make_pool() -> Inline:
        made.append(Inline())
        return made[-1]

    ahead = SignaturesAhead(lambda entries: None, make_pool)
    assert catch_up_from(ledger_at("behind"), {PEER: (serve_blocks(blocks), 3)}, ahead) == 3
    assert made == []


class Broken(ThreadPoolExecutor):
    """A pool whose process died: every job fails as ProcessPoolExecutor's then do."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        failed: Future[Any] = Future()
        failed.set_exception(BrokenProcessPool("the worker died"))
        return failed


@pytest.mark.parametrize("pool", ["broken", "starting"])
def test_without_a_running_process_the_thread_ahead_verifies(
    ledger_at: LedgerAt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool: str
) -> None:
    """If the verifying process dies (or cannot start), and while it has not started yet
    (a spawned interpreter takes 1-2 s), the catch-up does not wait for it: the thread
    ahead verifies the signatures into the cache, as without a process."""
    monkeypatch.setattr(node_sync, "FAR_BEHIND_BLOCKS", 2)
    blocks = certified_chain(ledger_at("source"), 3)
    cache = SignatureCache(lock=threading.Lock())
    behind = Ledger(LevelDbStore.open(tmp_path / "cached"), GENESIS, verify=cache.verify)
    starting = Inline(starting=True)
    try:
        ahead = SignaturesAhead(cache.remember, Broken if pool == "broken" else lambda: starting)
        assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 3)}, ahead) == 3
    finally:
        behind.store.close()
    assert ahead.broken == (pool == "broken")
    assert starting.jobs == ([0] if pool == "starting" else [])  # the warm-up alone
    assert cache.hits == 6  # verified by the thread ahead, found by execution


def test_an_empty_block_is_handed_to_no_verifier(
    ledger_at: LedgerAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing to verify in a block without txs (most of a chain at rest): no trip to the
    verifying process or the thread ahead before it commits."""
    monkeypatch.setattr(node_sync, "FAR_BEHIND_BLOCKS", 2)
    source = ledger_at("source")
    build_and_commit(source, (account_open(1),))
    build_and_commit(source)
    build_and_commit(source)
    blocks = {}
    for height in (1, 2, 3):
        certificate = source.certificate(height)
        payload = source.store.get_block(height)
        assert certificate is not None and payload is not None
        blocks[height] = (payload, certificate)
    pool = Inline()
    ahead = SignaturesAhead(lambda entries: None, lambda: pool)
    handed: list[int] = []
    monkeypatch.setattr(node_sync, "verify_signatures", lambda verify, t: handed.append(len(t)))
    assert catch_up_from(ledger_at("behind"), {PEER: (serve_blocks(blocks), 3)}, ahead) == 3
    assert pool.jobs == [0, 1]  # the warm-up, then block 1's one signature
    assert handed == []
