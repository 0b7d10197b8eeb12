"""What the network shows outsiders (issue 5 acceptance): forged or garbled peer messages
are dropped and counted, checkpoints verify under an independent note verifier, and bad
public input is refused with a 4xx code, never half-applied, never taking a node down.
"""

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from consensus import StatusMessage, message_to_json
from contracts.reasons import AdmissionReason
from genesis.document import parse_genesis
from genesis.example.txs import attest_body
from genesis.network import GENESIS_FILE
from node.peer_envelope import PeerKind, seal_envelope
from protocol.encoding import JsonObject, encode
from protocol.hashing import Hash32, sha256
from protocol.signing import SigningKey
from protocol.tx import SignedTx
from tests.integration.network import LocalNet
from tests.integration.schema_fuzz import capped_schema, fuzz_every_operation
from tests.integration.txs import (
    NetKeys,
    TxBuilder,
    batch_wire,
    tx_statuses,
    wait_committed,
    wire,
)
from tests.unit.protocol import independent_note_verifier as independent

pytestmark = pytest.mark.slow
SHARED_NET = "peer"
"""Shared with test_peer_abuse.py: both send hostile peer bytes and count metric deltas,
never totals."""
# The tier's longest test, schemathesis (28-51 s alone, 50-111 s in CI runs): its network
# starts first, not last, so it is not the tier's tail.
RUN_FIRST = True
DROP_METRIC = "lantan_peer_messages_dropped_total"
CODE = re.compile(r"[A-Za-z][A-Za-z_]*")
WRONG_NONCE = AdmissionReason.WRONG_NONCE.value


def dropped(net: LocalNet, name: str) -> dict[str, float]:
    prefix = DROP_METRIC + '{reason="'
    return {
        key[len(prefix) : -2]: value
        for key, value in net.metrics(name).items()
        if key.startswith(prefix)
    }


def error_code(response: httpx.Response) -> str:
    """The machine-readable code of a 4xx answer (an identifier, e.g. NOT_FOUND, wrong_nonce)."""
    code: str = response.json()["error"]["code"]
    assert CODE.fullmatch(code), response.text
    return code


# --- peer messages -----------------------------------------------------------------------


def test_forged_and_garbled_peer_messages_are_dropped_and_counted(
    net: LocalNet, keys: NetKeys
) -> None:
    names = net.validators
    target, impostor = names[0], names[1]
    body = message_to_json(StatusMessage(height=1))
    validator_key = keys[impostor]
    stranger = SigningKey(sha256(b"integration: a key no validator set holds"))
    other_chain = Hash32(sha256(b"another chain"))
    height_before = net.height(target)

    for kind in PeerKind:
        sent = {
            "bad_signature": _flip_signature(
                seal_envelope(validator_key, net.chain_id, kind, body)
            ),
            "unknown_key": seal_envelope(stranger, net.chain_id, kind, body),
            "wrong_chain": seal_envelope(validator_key, other_chain, kind, body),
            "malformed": b"\x00\xff not json at all",
        }
        before = dropped(net, target)
        for reason, data in sent.items():
            response = net.post(target, f"/peer/{kind.value}", data)
            assert response.status_code == 202, (kind, reason, response.text)
            assert response.json() == {"accepted": False}, (kind, reason)
        after = dropped(net, target)
        for reason in sent:
            assert after.get(reason, 0) - before.get(reason, 0) == 1, (kind, reason, after)

    # The auditor's key belongs to an institution of this chain, yet not to a validator.
    auditor = seal_envelope(keys["blue-carbon-auditor"], net.chain_id, PeerKind.CONSENSUS, body)
    before = dropped(net, target)
    assert net.post(target, "/peer/consensus", auditor).json() == {"accepted": False}
    assert dropped(net, target).get("unknown_key", 0) - before.get("unknown_key", 0) == 1

    # A validly signed envelope is taken, so the drops above are the checks, not the route.
    good = seal_envelope(validator_key, net.chain_id, PeerKind.CONSENSUS, body)
    assert net.post(target, "/peer/consensus", good).json() == {"accepted": True}
    net.wait_heights([target], height_before + 2, timeout_s=30)
    assert net.get(target, "/readyz").status_code == 200


def _flip_signature(sealed: bytes) -> bytes:
    """The signature's first byte flipped: it sits after the 64 hex digits and a space."""
    first = int(sealed[65:67], 16) ^ 0x01
    return sealed[:65] + f"{first:02x}".encode() + sealed[67:]


# --- checkpoints -------------------------------------------------------------------------


def test_checkpoints_verify_with_an_independent_note_verifier(net: LocalNet) -> None:
    document = parse_genesis((net.directory / GENESIS_FILE).read_bytes())
    verifier_keys = [v.note_verifier_key for v in document.validators.validators]
    quorum = document.validators.quorum
    origin = f"lantan/{net.chain_id.hex()}"
    for name in net.validators:
        note = net.get(name, "/v1/checkpoints/latest")
        assert note.status_code == 200, note.text
        message = note.content
        found_origin, size, root = independent.verify_checkpoint(message, verifier_keys, quorum)
        assert found_origin == origin
        lines = message.decode().split("\n\n", 1)[1].splitlines()
        assert len(lines) >= quorum
        # The root is the history root over headers 0..size-1: header `size` carries it.
        net.wait_heights([name], size, timeout_s=30)
        header = net.block(name, size)["block"]["header"]
        assert base64.b64encode(bytes.fromhex(header["history_root"])).decode() == (
            base64.b64encode(root).decode()
        )
        same = net.get(name, f"/v1/checkpoints/{size}")
        assert same.status_code == 200
        independent.verify_checkpoint(same.content, verifier_keys, quorum)
        # A checkpoint for another root must not verify (so this test can fail).
        text, signatures = message.decode().split("\n\n", 1)
        forged = text.replace(
            base64.b64encode(root).decode(), base64.b64encode(b"\0" * 32).decode()
        )
        with pytest.raises(independent.RejectedNoteError):
            independent.verify_checkpoint(
                f"{forged}\n\n{signatures}".encode(), verifier_keys, quorum
            )
        with pytest.raises(independent.RejectedNoteError):
            independent.verify_checkpoint(message, verifier_keys, len(verifier_keys) + 1)


# --- bad public input --------------------------------------------------------------------


def test_bad_public_input_is_refused_with_a_code_and_never_half_applied(
    net: LocalNet, builder: TxBuilder
) -> None:
    names = net.validators
    node = names[0]
    start_height = net.height(node)

    def post(body: bytes) -> httpx.Response:
        return net.post(node, "/v1/txs", body)

    # Malformed JSON, a float amount, a missing field, a non-object.
    response = post(b'{"tx": {"nonce": 1,')
    assert (response.status_code, error_code(response)) == (400, "malformed_json")
    valid = builder.attest("xiangshan-county", "bad-input-float")
    builder.forget_nonce("xiangshan-county")
    as_json: dict[str, Any] = json.loads(wire(valid))
    as_json["tx"]["body"]["sum_insured_fen"] = 100.5
    response = post(json.dumps(as_json).encode())
    assert response.status_code == 400, response.text
    # The edge's JSON decoder refuses floats before admission sees the tx (see the report).
    assert error_code(response) == AdmissionReason.FLOAT_NUMBER.value
    # In a batch, a float anywhere refuses the whole batch: nothing of it is admitted.
    spare = builder.attest("xiangshan-county", "bad-input-float-batch")
    builder.forget_nonce("xiangshan-county")
    response = post(json.dumps({"txs": [spare.to_json(), as_json]}).encode())
    assert response.status_code == 400, response.text
    error_code(response)
    assert net.get_json(node, f"/v1/txs/{spare.tx_id.hex()}")["status"] == "unknown"
    for junk in (b"[]", b"42", b'"tx"', b"{}", b'{"txs": "no"}', b'{"txs": []}'):
        response = post(junk)
        assert response.status_code == 400, (junk, response.text)
        error_code(response)

    # A wrong nonce is refused at admission and remembered as such.
    committed = net.get_json(node, f"/v1/nonces/{builder.keys.public('xiangshan-county').hex()}")
    skipped = builder.build(
        "insurance.attest",
        "xiangshan-county",
        _attest(builder, "bad-input-nonce"),
        nonce=committed["committed"] + 5,
    )
    response = post(wire(skipped))
    assert (response.status_code, error_code(response)) == (400, WRONG_NONCE), response.text
    status = net.get_json(node, f"/v1/txs/{skipped.tx_id.hex()}")
    assert (status["status"], status["reason"]) == ("rejected_at_admission", WRONG_NONCE)

    # A batch mixing valid and invalid txs: the valid ones commit, the others get reasons.
    first = builder.attest("xiangshan-county", "mixed-valid-1")
    forged = _forge(builder.attest("ningbo-ptc", "mixed-forged"))
    builder.forget_nonce("ningbo-ptc")
    expired = builder.build(
        "insurance.attest", "xiamen-ptc", _attest(builder, "mixed-expired"), expires_at_ms=1
    )
    builder.forget_nonce("xiamen-ptc")
    stranger = SigningKey(sha256(b"integration: unregistered sender"))
    unknown = builder.build("insurance.attest", stranger, _attest(builder, "mixed-unknown"))
    second = builder.attest("xiangshan-county", "mixed-valid-2")
    duplicate_policy = builder.attest("xiangshan-county", "mixed-valid-1")
    items = [first, forged, expired, unknown, second, duplicate_policy]
    body = json.loads(batch_wire(items))
    body["txs"].insert(2, 7)  # not even an object
    response = post(json.dumps(body).encode())
    assert response.status_code == 202, response.text
    results = response.json()["results"]
    assert len(results) == 7
    statuses = [(r["status"], r["reason"]) for r in results]
    assert statuses[0] == ("pending", None)
    assert statuses[1] == ("rejected_at_admission", AdmissionReason.BAD_SIGNATURE.value)
    assert statuses[2][0] == "rejected_at_admission" and results[2]["tx_id"] is None
    assert statuses[3] == ("rejected_at_admission", AdmissionReason.EXPIRED.value)
    assert statuses[4] == ("rejected_at_admission", AdmissionReason.UNKNOWN_SENDER.value)
    assert statuses[5] == ("pending", None)
    assert statuses[6] == ("pending", None)  # admissible; the contract rejects it in a block

    # Every node, not only the one asked: the state checks below read each node, and one a
    # block behind would miss the valid policy (and prove nothing about the refused ones).
    for name in names:
        for signed in (first, second, duplicate_policy):
            wait_committed(net, name, signed.tx_id)
    outcome = tx_statuses(net, node, [t.tx_id.hex() for t in items])
    assert outcome[first.tx_id.hex()]["result"]["status"] == "accepted"
    assert outcome[second.tx_id.hex()]["result"]["status"] == "accepted"
    rejected = outcome[duplicate_policy.tx_id.hex()]["result"]
    assert rejected["status"] == "rejected" and rejected["reason"], rejected
    for refused in (forged, expired, unknown):
        assert outcome[refused.tx_id.hex()]["status"] == "rejected_at_admission"
    # Nothing of the refused txs reached any state, on any node.
    for name in names:
        for policy in ("mixed-forged", "mixed-expired", "mixed-unknown", "bad-input-float"):
            missing = net.get(name, f"/v1/state/insurance/{policy}")
            assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
        policy = net.get_json(name, "/v1/state/insurance/mixed-valid-1")["value"]
        assert policy["attested_by"] == "xiangshan-county"

    # Oversize: one tx over the chain's tx size limit, a batch over 1000, a body over 16 MiB.
    big = builder.build(
        "insurance.attest",
        "xiangshan-county",
        {**_attest(builder, "too-big"), "insurer": "x" * 20_000},
    )
    builder.forget_nonce("xiangshan-county")
    response = post(wire(big))
    too_large = AdmissionReason.TX_TOO_LARGE.value
    assert (response.status_code, error_code(response)) == (400, too_large), response.text
    response = post(encode({"txs": [1] * 1001}))
    assert (response.status_code, error_code(response)) == (400, "BAD_BATCH")
    huge = b'{"txs": [' + b",".join([b'"' + b"a" * 1023 + b'"'] * (17 * 1024)) + b"]}"
    response = post(huge)
    assert (response.status_code, error_code(response)) == (413, "TOO_LARGE")

    def chunks() -> Iterator[bytes]:
        yield b'{"txs": ['
        for _ in range(17 * 1024):
            yield b'"' + b"a" * 1023 + b'",'
        yield b"1]}"

    response = net.http.post(
        f"{net.url(node)}/v1/txs", content=chunks(), headers={"content-type": "application/json"}
    )
    # Chunked (no content-length): refused before the body is read whole.
    assert response.status_code in (411, 413), response.text[:200]
    error_code(response)

    # Bad reads: every one a 4xx with a code.
    for path, params, status_code in (
        ("/v1/txs/not-hex", {}, 400),
        (f"/v1/txs/{'0' * 64}", {"wait_ms": 10**9}, 400),
        ("/v1/blocks/999999999", {}, 404),
        ("/v1/blocks", {"limit": 1000}, 400),
        ("/v1/blocks", {"cursor": "zz"}, 400),
        ("/v1/accounts", {"cursor": "not hex"}, 400),
        ("/v1/nonces/abc", {}, 400),
        ("/v1/checkpoints/0", {}, 400),
        ("/v1/checkpoints/999999999", {}, 404),
        ("/v1/no-such-route", {}, 404),
    ):
        response = net.get(node, path, **params)
        assert response.status_code == status_code, (path, response.text)
        error_code(response)

    # The node is still up and committing.
    assert net.get(node, "/healthz").status_code == 200
    net.wait_heights(names, start_height + 2, timeout_s=30)
    for name in names:
        assert net.get(name, "/readyz").status_code == 200


def _attest(builder: TxBuilder, policy_id: str) -> JsonObject:
    return attest_body(policy_id, builder.eco.account_id)


def _forge(signed: SignedTx) -> SignedTx:
    as_json: dict[str, Any] = json.loads(wire(signed))
    signature = bytearray(bytes.fromhex(as_json["signatures"][0]["signature"]))
    signature[-1] ^= 0x80
    as_json["signatures"][0]["signature"] = signature.hex()
    return SignedTx.from_json(as_json)


# --- schemathesis ------------------------------------------------------------------------


def test_schemathesis_finds_no_server_errors(net: LocalNet) -> None:
    """schemathesis on every operation, >= 50 examples each, wait_ms capped at 100."""
    schemathesis = pytest.importorskip(
        "schemathesis",
        reason="schemathesis is not installed: add it to the dev dependencies and the lock",
    )
    from hypothesis import HealthCheck, given, settings

    base_url = net.url(net.validators[0])
    raw = capped_schema(net.get_json(net.validators[0], "/openapi.json"), wait_ms_max=100)
    loader = getattr(getattr(schemathesis, "openapi", None), "from_dict", None)
    schema = loader(raw) if loader is not None else schemathesis.from_dict(raw, base_url=base_url)
    failures: list[str] = []
    operations = 0
    # One session for every call: otherwise each of its (up to 50 per operation) calls makes a
    # session and a TCP connection of its own (CPU on both sides of a 2-core box); the cases
    # sent are the same, and schemathesis re-sends on a new connection one the node dropped.
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @settings(
                max_examples=50,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def call(case: Any) -> None:
                response = case.call(base_url=base_url, session=session, timeout=30)
                ready_probe = case.path == "/readyz" and response.status_code == 503
                if response.status_code >= 500 and not ready_probe:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}"
                    )

            call()
    assert operations >= 20
    assert failures == [], failures[:10]


def test_every_operation_answers_generated_input_without_5xx(net: LocalNet) -> None:
    """Beside schemathesis: our own strategies add the numeric-looking strings (TRICKY) it
    does not draw. 15 derandomized examples per operation: schemathesis does the bulk."""
    report = fuzz_every_operation(net.url(net.validators[0]), examples=15, wait_ms_max=100)
    assert report.server_errors == [], report.server_errors[:10]
    assert report.operations >= 20, report
