"""node/api/routes/peer.py with node/peer_budget.py: a validator posting large validly
signed envelopes without pause is answered 429 once its byte budget is spent, before its
bytes are checked or decoded; nobody else's budget is touched (stop 49, hostile pass)."""

import asyncio

import pytest
from starlette.types import Message

from node.peer_budget import PeerByteBudget
from node.peer_envelope import ENVELOPE_BYTES_MAX, PeerKind, seal_envelope
from protocol.encoding import JsonObject
from protocol.hashing import TAG_PEER
from tests.unit.node.api.kit import Api
from tests.unit.node.chain_kit import CHAIN_ID, KEYS, VALIDATOR_KEYS

MIB = 1024 * 1024
HOSTILE, HONEST = VALIDATOR_KEYS[0], VALIDATOR_KEYS[1]
OUTSIDER = "blue-carbon-auditor"
"""A key of the network that is no validator's."""


def _large(key_index: int, size: int) -> bytes:
    body: JsonObject = {"kind": "status", "height": 1, "padding": "x" * size}
    return seal_envelope(VALIDATOR_KEYS[key_index], CHAIN_ID, PeerKind.CONSENSUS, body)


@pytest.fixture
def budgeted(api: Api) -> Api:
    # No refill during the test: a clock that stands still.
    api.inbox.budget = PeerByteBudget(
        bytes_per_s=MIB, burst_bytes=ENVELOPE_BYTES_MAX, clock=lambda: 0.0
    )
    return api


def test_a_sender_past_its_byte_budget_is_answered_429_unopened(
    budgeted: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = budgeted
    data = _large(0, 3 * MIB)
    answers = [api.client.post("/peer/consensus", content=data) for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 429, 429]
    assert answers[2].json()["error"]["code"] == "PEER_OVER_BUDGET"
    assert answers[2].headers["retry-after"] == "1"
    assert api.inbox.received["consensus"] == 2
    assert api.inbox.dropped["over_budget"] == 2
    # The last one was refused before its signature was checked: nothing was verified.
    verified: list[bytes] = []

    def verify(_key: object, message: bytes, _signature: object) -> bool:
        verified.append(message)
        return True

    monkeypatch.setattr("node.peer_envelope.verify_signature", verify)
    assert api.client.post("/peer/consensus", content=data).status_code == 429
    assert verified == []
    metrics = api.client.get("/metrics").text
    assert 'lantan_peer_messages_dropped_total{reason="over_budget"} 3.0' in metrics


def test_a_forged_envelope_spends_nobody_s_budget_and_others_keep_theirs(budgeted: Api) -> None:
    api = budgeted
    honest = _large(1, 3 * MIB)
    # The honest validator's key on the authentication line, a signature that is not its own.
    line_end = honest.index(b"\n")
    forged = honest[: line_end - 128] + HOSTILE.sign(TAG_PEER + b"other").hex().encode()
    forged += honest[line_end:]
    for _ in range(5):
        assert api.client.post("/peer/consensus", content=forged).json() == {"accepted": False}
    assert api.inbox.dropped["bad_signature"] == 5
    hostile = _large(0, 3 * MIB)
    while api.client.post("/peer/consensus", content=hostile).status_code == 202:
        pass
    assert api.client.post("/peer/consensus", content=honest).status_code == 202
    assert api.client.post("/peer/consensus", content=honest).status_code == 202


CHUNK_BYTES = 64 * 1024
"""What uvicorn hands the app per receive(), at most (its flow control's high-water mark)."""


def _bytes_read_for(api: Api, data: bytes, declared: bool) -> tuple[int, list[Message]]:
    """Post data to the node's ASGI app in CHUNK_BYTES chunks, with a Content-Length or
    chunked (declared False); the body bytes the app pulled in, and what it sent."""
    pulled = 0
    sent: list[Message] = []
    headers = [(b"content-length", str(len(data)).encode())] if declared else []
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/peer/consensus",
        "raw_path": b"/peer/consensus",
        "query_string": b"",
        "headers": headers,
        "app": api.client.app,
    }

    async def receive() -> Message:
        nonlocal pulled
        chunk = data[pulled : pulled + CHUNK_BYTES]
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": pulled < len(data)}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(api.client.app(scope, receive, send))  # type: ignore[arg-type]
    return pulled, sent


@pytest.mark.parametrize("declared", [True, False], ids=["content_length", "chunked"])
def test_a_refused_envelope_is_refused_before_its_body_is_read(
    budgeted: Api, declared: bool
) -> None:
    api = budgeted
    data = _large(0, 3 * MIB)
    assert api.client.post("/peer/consensus", content=data).status_code == 202
    assert api.client.post("/peer/consensus", content=data).status_code == 202
    # 2 MiB of the sender's budget left, a 3 MiB envelope: refused on its declared length
    # at the first chunk (the authentication line), or chunked once 2 MiB have come in.
    pulled, sent = _bytes_read_for(api, data, declared)
    read_max = CHUNK_BYTES if declared else 2 * MIB + CHUNK_BYTES
    print(f"bytes read of a refused {len(data)}-byte envelope: {pulled}")
    assert pulled <= read_max < len(data)  # before stop 50: all of it, then refused
    start = sent[0]
    assert start["status"] == 429
    assert (b"connection", b"close") in start["headers"]
    assert api.inbox.dropped["over_budget"] == 1
    assert api.inbox.received["consensus"] == 2


@pytest.mark.parametrize("declared", [True, False], ids=["content_length", "chunked"])
def test_an_envelope_of_no_validator_is_refused_before_its_body_is_read(
    budgeted: Api, declared: bool
) -> None:
    # A witness, an observer or anyone naming a key outside the validator sets: its body
    # was read whole (up to 8 MiB, a request at a time on each of 1,000 connections) before
    # the refusal on its first line (hostile pass of stop 50).
    api = budgeted
    body: JsonObject = {"kind": "status", "height": 1, "padding": "x" * 3 * MIB}
    data = seal_envelope(KEYS[OUTSIDER], CHAIN_ID, PeerKind.CONSENSUS, body)
    pulled, sent = _bytes_read_for(api, data, declared)
    print(f"bytes read of a {len(data)}-byte envelope of no validator: {pulled}")
    assert pulled <= CHUNK_BYTES < len(data)
    assert (sent[0]["status"], sent[1]["body"]) == (202, b'{"accepted":false}')
    assert (b"connection", b"close") in sent[0]["headers"]
    assert api.inbox.dropped["unknown_key"] == 1
