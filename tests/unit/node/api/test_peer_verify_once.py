"""Ed25519 work per peer message received: one check of the envelope, before any parse, and
a tx's signatures once per node however many copies arrive (the signature cache)."""

from collections.abc import Iterator
from pathlib import Path

import nacl.signing
import pytest

from node.ledger import Ledger
from node.peer_envelope import PeerKind, seal_envelope
from node.storage.leveldb import LevelDbStore
from protocol.encoding import JsonObject
from protocol.signature_cache import SignatureCache
from tests.unit.node.api.kit import TestClient, make_api
from tests.unit.node.chain_kit import CHAIN_ID, GENESIS, VALIDATOR_KEYS, account_open


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every Ed25519 verification in this process, counted."""
    calls = [0]
    verify = nacl.signing.VerifyKey.verify

    def counted(self: nacl.signing.VerifyKey, *args: object, **kwargs: object) -> bytes:
        calls[0] += 1
        return verify(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nacl.signing.VerifyKey, "verify", counted)
    return calls


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    ledger = Ledger(LevelDbStore.open(tmp_path / "data"), GENESIS, verify=SignatureCache().verify)
    try:
        _service, _inbox, app = make_api(ledger)
        with TestClient(app) as test_client:
            yield test_client
    finally:
        ledger.store.close()


def test_each_envelope_is_verified_once_and_each_tx_signature_once_per_node(
    client: TestClient, verifications: list[int]
) -> None:
    tx = account_open(1)
    for copy, key in enumerate(VALIDATOR_KEYS[:2]):
        body: JsonObject = {"txs": [tx.to_json()]}
        envelope = seal_envelope(key, CHAIN_ID, PeerKind.TXS, body)
        before = verifications[0]
        assert client.post("/peer/txs", content=envelope).json() == {"accepted": True}
        # The envelope, plus the tx's one signature the first time only.
        assert verifications[0] - before == (2 if copy == 0 else 1)
    # Every other kind, bodies valid or not: still one check each, and a 202 (accepted
    # when the body was taken on).
    others: list[tuple[PeerKind, JsonObject, bool]] = [
        (PeerKind.TX_IDS, {"tx_ids": []}, True),
        (PeerKind.TX_WANT, {"tx_ids": [tx.tx_id.hex()]}, True),
        (PeerKind.EVIDENCE, {"kind": "nothing"}, False),
        (PeerKind.CHECKPOINT, {"size": 0}, False),
        (PeerKind.CONSENSUS, {"kind": "status", "height": 1}, True),
    ]
    for kind, other, taken in others:
        envelope = seal_envelope(VALIDATOR_KEYS[2], CHAIN_ID, kind, other)
        before = verifications[0]
        answer = client.post(f"/peer/{kind.value}", content=envelope)
        assert (answer.status_code, answer.json()) == (202, {"accepted": taken}), kind
        assert verifications[0] - before == 1, kind
