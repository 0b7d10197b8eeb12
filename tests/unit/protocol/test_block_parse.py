"""protocol/block.py parse_block: held txs are taken as they are, the block and every error
stay those of Block.from_json(decode(payload))."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from protocol.block import Block, parentless_header, parse_block, tx_root
from protocol.encoding import NESTING_DEPTH_MAX, decode
from protocol.hashing import sha256
from protocol.signing import SigningKey
from protocol.tx import SignedTx, TxSignature, sign_tx
from tests.kit.calls import recorded_calls
from tests.kit.signed_txs import CHAIN_ID, signed_tx

COSIGNER = SigningKey(sha256(b"co-signer"))


def payload_of(txs: tuple[SignedTx, ...]) -> bytes:
    header = parentless_header(
        chain_id=CHAIN_ID, height=1, time_ms=1, state_root=CHAIN_ID, validators_hash=CHAIN_ID
    )
    header = replace(header, tx_root=tx_root(txs))
    return Block(header=header, txs=txs, evidence=()).canonical_bytes()


def held_of(*txs: SignedTx) -> Callable[[bytes], SignedTx | None]:
    by_bytes = {tx.canonical_bytes(): tx for tx in txs}
    return by_bytes.get


def parse_whole(payload: bytes) -> Block:
    """What a node without held txs gets (and what parse_block must give)."""
    return Block.from_json(decode(payload))


@pytest.fixture
def parsed_txs(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every value SignedTx.from_json is asked to parse from here on."""
    return recorded_calls(monkeypatch, SignedTx, "from_json")


def test_identical_held_txs_are_taken_as_they_are(parsed_txs: list[object]) -> None:
    txs = (signed_tx(1), signed_tx(2), signed_tx(3))
    payload = payload_of(txs)
    held = [SignedTx.from_json(decode(tx.canonical_bytes())) for tx in txs[:2]]
    parsed_txs.clear()
    block = parse_block(payload, held_of(*held))
    assert block.txs[0] is held[0]
    assert block.txs[1] is held[1]
    assert parsed_txs == [decode(txs[2].canonical_bytes())]  # only the one not held
    assert block == parse_whole(payload)
    assert block.canonical_bytes() == payload


def by_tx_id(held: SignedTx) -> Callable[[bytes], SignedTx | None]:
    """A lookup that wrongly answers any copy of held's tx (same tx_id) with held."""
    return lambda raw: held if SignedTx.from_json(decode(raw)).tx_id == held.tx_id else None


def test_a_tx_that_differs_only_in_a_signature_is_parsed() -> None:
    """Same tx_id, other signatures: even a lookup that answers by tx_id cannot make
    parse_block take the held copy, the block keeps its own tx and signatures."""
    tx = signed_tx(1)
    forged = SignedTx(
        tx=tx.tx, signatures=(TxSignature(public_key=tx.tx.sender, signature=bytes(64)),)
    )
    cosigned = sign_tx(tx, COSIGNER)
    for held, in_block in ((tx, forged), (forged, tx), (tx, cosigned), (cosigned, tx)):
        assert held.tx_id == in_block.tx_id
        payload = payload_of((in_block,))
        block = parse_block(payload, by_tx_id(held))
        assert block.txs[0] is not held
        assert block.txs[0].signatures == in_block.signatures
        assert block == parse_whole(payload)


def deep_body(levels: int) -> dict[str, Any]:
    body: dict[str, Any] = {"x": 1}
    for _ in range(levels):
        body = {"x": body}
    return body


def too_deep_in_a_block() -> SignedTx:
    """A tx that keeps within the nesting bound on its own, not inside a block."""
    tx = signed_tx(2, deep_body(NESTING_DEPTH_MAX - 4))
    decode(tx.canonical_bytes())  # fine on its own
    return tx


def error_of(parse: Callable[[], object]) -> tuple[type[BaseException], str]:
    with pytest.raises(Exception) as caught:
        parse()
    return type(caught.value), str(caught.value)


def malformed_payloads() -> list[tuple[str, bytes, tuple[SignedTx, ...]]]:
    """(name, payload, txs held) for each way a block payload can be malformed."""
    ok = signed_tx(1)
    good = payload_of((ok,))
    deep = too_deep_in_a_block()
    tx_bytes = ok.canonical_bytes()
    header_start = good.index(b'"header":') + len(b'"header":')
    return [
        ("not JSON", good[:-1], (ok,)),
        ("not an object", b"[" + tx_bytes + b"]", (ok,)),
        ("a float in a tx", good.replace(b'"nonce":1', b'"nonce":1.5'), (ok,)),
        ("a duplicate key", good.replace(b'"nonce":1', b'"nonce":1,"nonce":1'), (ok,)),
        ("an unknown member", good.replace(b'{"evidence"', b'{"a":1,"evidence"'), (ok,)),
        ("a member twice", good.replace(b'{"evidence"', b'{"txs":[],"evidence"'), (ok,)),
        ("a tx not an object", payload_of(()).replace(b'"txs":[]', b'"txs":[1]'), ()),
        ("a bad header", good[:header_start] + b'{"height":1},"txs":[' + tx_bytes + b"]}", ()),
        ("a held tx too deep in the block", payload_of((ok, deep)), (ok, deep)),
        ("a tx too deep in the block", payload_of((ok, deep)), (ok,)),
        ("a tx that is not a signed tx", good.replace(b'"nonce":1', b'"nonce":0'), (ok,)),
    ]


@pytest.mark.parametrize(
    ("payload", "held"),
    [pytest.param(payload, held, id=name) for name, payload, held in malformed_payloads()],
)
def test_every_malformed_payload_keeps_its_error(
    payload: bytes, held: tuple[SignedTx, ...]
) -> None:
    expected = error_of(lambda: parse_whole(payload))
    assert error_of(lambda: parse_block(payload, held_of(*held))) == expected


def test_a_payload_not_in_canonical_form_gives_the_same_block() -> None:
    """Ledger.validate refuses it after parsing; parse_block must not refuse it earlier."""
    tx = signed_tx(1)
    spaced = payload_of((tx,)).replace(b",", b", ")
    block = parse_block(spaced, held_of(tx))
    assert block == parse_whole(spaced)
    assert block.canonical_bytes() != spaced


def test_an_empty_block_parses_with_held_txs() -> None:
    payload = payload_of(())
    assert parse_block(payload, held_of(signed_tx(1))) == parse_whole(payload)


def test_the_nesting_bound_is_where_decode_puts_it() -> None:
    """A held tx is taken while its brackets are surely within the bound in the block;
    the deepest tx a block may hold gives the block a whole parse gives, one level deeper
    the error a whole parse gives."""
    # A signed tx's own brackets: itself, signatures, the signature, "tx", "body": 5.
    counted = signed_tx(2, deep_body(NESTING_DEPTH_MAX - 2 - 5))
    payload = payload_of((counted,))
    assert parse_block(payload, held_of(counted)).txs[0] is counted
    # Its deepest path leaves out signatures and the signature: 2 levels more fit.
    deepest = signed_tx(2, deep_body(NESTING_DEPTH_MAX - 5))
    payload = payload_of((deepest,))
    assert parse_block(payload, held_of(deepest)) == parse_whole(payload)
    deeper = signed_tx(2, deep_body(NESTING_DEPTH_MAX - 4))
    payload = payload_of((deeper,))
    expected = error_of(lambda: parse_whole(payload))
    assert error_of(lambda: parse_block(payload, held_of(deeper))) == expected
