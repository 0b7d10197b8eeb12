"""The chain checker's replay: tx signatures through its own verify port, and a block parsed
ahead replayed only for the JSON it was parsed from."""

import dataclasses

import pytest

from client.audit.chain_audit import ChainAudit
from client.audit.findings import FindingCode
from genesis.example.chain_forge import ChainForge
from protocol.block import Block
from protocol.encoding import JsonValue
from protocol.signature_cache import SignatureCache
from protocol.signing import verify_signature
from tests.unit.client.audit_chains import NODES, codes, serve, serve_chain


def test_replay_checks_tx_signatures_through_its_own_port_and_caches_none(
    honest: ChainForge,
) -> None:
    asked: list[bytes] = []

    def replay_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
        asked.append(signature)
        return verify_signature(public_key, message, signature)

    cache = SignatureCache()
    audit = ChainAudit(honest.genesis, replay=True, signatures=cache, replay_verify=replay_verify)
    for served in serve_chain(honest, NODES[:1]):
        audit.add_height(served)
    assert audit.report().clean
    tx_signatures = [
        e.signature for b in honest.blocks for tx in b.block.txs for e in tx.signatures
    ]
    assert sorted(asked) == sorted(tx_signatures) and len(asked) == 9
    # The cache holds the certificates' signatures only: a quorum of 2 of 3 per height.
    assert len(cache) == 2 * len(honest.blocks)


def test_a_block_parsed_ahead_is_replayed_only_for_the_very_json_it_was_parsed_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[JsonValue] = []
    from_json = Block.from_json

    def parse(raw: JsonValue) -> Block:
        parsed.append(raw)
        return from_json(raw)

    ours, theirs = ChainForge(), ChainForge()
    ours.grow(2, txs_per_block=2, prefix="ours")
    theirs.grow(1, txs_per_block=2, prefix="theirs")
    served = serve_chain(ours, NODES[:1])
    audit = ChainAudit(ours.genesis, replay=True)
    monkeypatch.setattr(Block, "from_json", parse)
    # Height 1 parsed ahead from another block's JSON: ours is parsed and checked on its own.
    assert audit.parse_ahead(1, serve(theirs.blocks[0], NODES[0]).block) is not None
    audit.add_height(served[0])
    assert parsed == [theirs.blocks[0].block.to_json(), served[0][0].block]
    # Height 2 parsed ahead from the JSON served: that parse is the block checked.
    assert audit.parse_ahead(2, served[1][0].block) == ours.blocks[1].block
    audit.add_height(served[1])
    assert len(parsed) == 3
    assert audit.report().findings == ()
    assert audit.history_root(3) == ours.log.root()
    # JSON that does not parse ahead is parsed again at its turn, and found malformed.
    broken = dataclasses.replace(serve(ours.build(), NODES[0]), block={"txs": 1})
    assert audit.parse_ahead(3, broken.block) is None
    audit.add_height([broken])
    assert codes(audit) == {(FindingCode.BLOCK_MALFORMED, 3)}
