"""node/sync.py: a range answer is applied only as the heights asked for, within its
bounds and in the JSON domain, as canonical bytes; a peer without the range route is asked
block by block."""

import json
from typing import Any

import httpx
import pytest

from node.sync_blocks import RangeRefusedError, canonical_payload, parse_range
from protocol.encoding import decode, decode_unchecked, encode
from protocol.hashing import Hash32, sha256
from protocol.tx import SignedTx
from protocol.votes import sign_certificate
from tests.unit.node.chain_kit import VALIDATOR_KEYS
from tests.unit.node.sync_kit import (
    PEER,
    LedgerAt,
    catch_up_from,
    certified_chain,
    serve_blocks,
)


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
    monkeypatch.setattr("node.sync_catch_up.RANGE_RESPONSE_BYTES_MAX", len(blocks[1][0]))
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


def test_blocks_of_another_chain_cost_one_range_and_the_next_peer_serves(
    ledger_at: LedgerAt,
) -> None:
    # Hostile pass of stop 50: a peer claiming the highest head serves blocks certified for
    # another chain (its certificates sign another chain id: another genesis). The first
    # block is refused, the peer left for the round, and the honest peer serves them all.
    source = ledger_at("source")
    behind = ledger_at("behind")
    blocks = certified_chain(source, 6)
    other_chain = Hash32(sha256(b"another genesis"))
    foreign = {
        height: (payload, sign_certificate(other_chain, height, c.block_hash, VALIDATOR_KEYS[:2]))
        for height, (payload, c) in blocks.items()
    }
    asked: list[str] = []
    foreign_transport = serve_blocks(foreign)

    def foreign_answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return foreign_transport.handle_request(request)

    peers = {
        "http://foreign.test": (httpx.MockTransport(foreign_answer), 9),
        "http://honest.test": (serve_blocks(blocks), 6),
    }
    assert catch_up_from(behind, peers) == 6
    assert behind.head() == source.header(6)
    assert len(asked) <= 2, asked  # its first range, and the one fetched ahead
