"""node/sync.py: fork detection halts only on a second, validly certified block at our height,
and catch-up applies certified blocks from a peer. Peers are served by httpx.MockTransport.
"""

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.ledger import Ledger
from node.sync import BlockSync, SyncState
from protocol.encoding import decode, encode
from protocol.evidence import DuplicateVoteEvidence, evidence_from_json
from protocol.votes import CommitCertificate
from tests.unit.node.chain_kit import (
    VALIDATOR_KEYS,
    account_open,
    build_and_commit,
    certify,
    count_ed25519_verifies,
    open_ledger,
)

PEER = "http://peer.test"


def serve_blocks(blocks: dict[int, tuple[bytes, CommitCertificate]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
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


def test_catch_up_applies_certified_blocks_and_stops_at_a_bad_one(ledger_at: LedgerAt) -> None:
    source = ledger_at("source")
    behind = ledger_at("behind")
    blocks = {}
    for n in (1, 2, 3):
        prepared = build_and_commit(source, (account_open(n),))
        certificate = source.certificate(n)
        assert certificate is not None
        blocks[n] = (prepared.payload, certificate)
    # Block 3 comes with a certificate signed by one validator only.
    blocks[3] = (blocks[3][0], one_signature_certificate(source, 3))

    async def main() -> int:
        sync = BlockSync(behind, [PEER], direct)
        await sync.close()
        sync._client = httpx.AsyncClient(transport=serve_blocks(blocks))
        view = sync.state.peers[PEER]
        view.reachable, view.height = True, 3
        try:
            return await sync.catch_up(0)
        finally:
            await sync.close()

    assert asyncio.run(main()) == 2
    assert behind.height == 2
    assert behind.head() == source.header(2)


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
