"""GET /v1/witnesses (ADR 0025): the genesis witness policy with what the chain and this
node know of each witness: its key's institution, its announced address, its newest kept
cosignature."""

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from genesis.document import Genesis, build_genesis
from genesis.network import witness_set
from node.cosignatures import FORGED_LINES_BURST
from protocol.cosignature import cosign
from protocol.note import sign_note
from protocol.tx import PROTOCOL_VERSION, UnsignedTx, sign_tx
from protocol.witnesses import Witness
from tests.kit.witness_vkey import vkey_by_the_rule
from tests.unit.contracts.test_announcements import witness_institution
from tests.unit.node.api.kit import NOW_MS, Api, TestClient, make_api
from tests.unit.node.chain_kit import (
    GENESIS_TIME_MS,
    KEYS,
    TX_LIFETIME_MS,
    VALIDATOR_KEYS,
    VALIDATOR_NAMES,
    certify,
    key_of,
    make_document,
    next_time,
    open_ledger,
)
from tests.unit.node.test_cosignatures import tampered

COURT_WITNESS, AUDITOR_WITNESS = key_of("court-witness"), key_of("auditor-witness")
ADDRESS = "https://witness.court.example.cn:8443"


def witnessed_genesis() -> Genesis:
    """Two witnesses; only court-witness is an institution (role witness, its key)."""
    policy = witness_set(
        [
            Witness(name="court-witness", public_key=COURT_WITNESS.public_key),
            Witness(name="auditor-witness", public_key=AUDITOR_WITNESS.public_key),
        ],
        1,
    )
    document = make_document()
    institution = witness_institution("court-witness", COURT_WITNESS.public_key)
    institutions = (*document.institutions, institution)
    return build_genesis(dataclasses.replace(document, institutions=institutions, witnesses=policy))


@pytest.fixture
def witnessed(tmp_path: Path) -> Iterator[tuple[Api, Genesis]]:
    genesis = witnessed_genesis()
    ledger = open_ledger(tmp_path / "data", genesis)
    service, inbox, app = make_api(ledger)
    try:
        with TestClient(app) as client:
            yield Api(client=client, service=service, ledger=ledger, inbox=inbox), genesis
    finally:
        ledger.store.close()


def commit(api: Api, genesis: Genesis, *txs: Any) -> None:
    ledger = api.ledger
    proposer = VALIDATOR_KEYS[0].public_key
    prepared = ledger.build(txs=txs, evidence=(), time_ms=next_time(ledger), proposer=proposer)
    ledger.commit(prepared, certify(prepared, chain_id=genesis.chain_id))
    api.service.after_commit()


def announce(genesis: Genesis) -> Any:
    unsigned = UnsignedTx(
        chain_id=genesis.chain_id,
        protocol_version=PROTOCOL_VERSION,
        type="node.announce",
        sender=COURT_WITNESS.public_key,
        nonce=1,
        expires_at_ms=GENESIS_TIME_MS + TX_LIFETIME_MS,
        body={"public_key": COURT_WITNESS.public_key.hex(), "address": ADDRESS},
    )
    return sign_tx(unsigned, COURT_WITNESS)


def sign_checkpoint(api: Api) -> tuple[int, str]:
    """The checkpoint of the head, signed by two validators; its size and text."""
    book, validators = api.service.checkpoints, api.ledger.validators_for_next_height()
    size, root = api.ledger.height + 1, api.ledger.history_root()
    book.set_committed_root(size, root)
    text = book.checkpoint(size, root).body()
    for name in VALIDATOR_NAMES[:2]:
        line = sign_note(text, name, KEYS[name]).line()
        book.add(size=size, root=root, line=line, validators=validators)
    return size, text


def by_name(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    return {w["name"]: w for w in answer.json()["witnesses"]}


def test_a_network_without_witnesses_answers_an_empty_policy(api: Api) -> None:
    answer = api.client.get("/v1/witnesses")
    assert answer.status_code == 200
    assert answer.json() == {"height": 0, "quorum": None, "witnesses": []}


def test_witnesses_with_their_institution_address_and_newest_cosignature(
    witnessed: tuple[Api, Genesis],
) -> None:
    api, genesis = witnessed
    first = api.client.get("/v1/witnesses")
    assert first.json()["quorum"] == 1 and first.json()["height"] == 0
    assert by_name(first) == {
        "court-witness": {
            "name": "court-witness",
            "public_key": COURT_WITNESS.public_key.hex(),
            "cosignature_verifier_key": vkey_by_the_rule("court-witness", COURT_WITNESS.public_key),
            "institution_id": "court-witness",
            "key_status": "active",
            "announced": None,
            "cosigned_size": None,
        },
        "auditor-witness": {
            "name": "auditor-witness",
            "public_key": AUDITOR_WITNESS.public_key.hex(),
            "cosignature_verifier_key": vkey_by_the_rule(
                "auditor-witness", AUDITOR_WITNESS.public_key
            ),
            "institution_id": None,
            "key_status": None,
            "announced": None,
            "cosigned_size": None,
        },
    }

    commit(api, genesis, announce(genesis))
    size, text = sign_checkpoint(api)
    line = cosign(text, "court-witness", COURT_WITNESS, NOW_MS // 1000).note_signature().line()
    posted = api.client.post(f"/v1/checkpoints/{size}/cosignatures", content=line.encode())
    assert posted.status_code == 202, posted.text

    court = by_name(api.client.get("/v1/witnesses"))["court-witness"]
    assert court["announced"] == {"address": ADDRESS, "height": 1}
    assert court["cosigned_size"] == size == 2
    auditor = by_name(api.client.get("/v1/witnesses"))["auditor-witness"]
    assert auditor["announced"] is None and auditor["cosigned_size"] is None


def test_the_route_is_typed_in_the_openapi(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    answer = schema["paths"]["/v1/witnesses"]["get"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/WitnessesResponse")
    fields = schema["components"]["schemas"]["WitnessStatusModel"]["properties"]
    assert set(fields) == {
        "name",
        "public_key",
        "cosignature_verifier_key",
        "institution_id",
        "key_status",
        "announced",
        "cosigned_size",
    }


def test_forged_cosignature_lines_of_one_client_are_refused_unchecked_past_its_budget(
    witnessed: tuple[Api, Genesis],
) -> None:
    """Hostile pass of stop 51: each line naming a witness that failed its check cost a
    signature check, with no bound; now a client address has FORGED_LINES_BURST of them."""
    api, genesis = witnessed
    commit(api, genesis, announce(genesis))
    size, text = sign_checkpoint(api)
    line = cosign(text, "court-witness", COURT_WITNESS, NOW_MS // 1000).note_signature().line()
    forged = tampered(line.encode())
    path = f"/v1/checkpoints/{size}/cosignatures"
    codes = [api.client.post(path, content=forged).status_code for _ in range(FORGED_LINES_BURST)]
    assert codes == [400] * FORGED_LINES_BURST
    refused = api.client.post(path, content=forged)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1", refused.text
    assert refused.json()["error"]["code"] == "WITNESS_OVER_BUDGET"
