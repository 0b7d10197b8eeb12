"""node/api/routes/peer.py: consensus envelopes are opened on a thread of their own, so tx
work queued in the default pool (peer tx batches, want answers, evidence) cannot hold them."""

import os
import threading
import time

import pytest

from consensus import MessageReceived
from node.peer_envelope import PeerKind, seal_envelope
from protocol.encoding import JsonObject
from tests.unit.node.api.kit import Api
from tests.unit.node.chain_kit import CHAIN_ID, VALIDATOR_KEYS

DEFAULT_POOL_THREADS = min(32, (os.cpu_count() or 1) + 4)
"""asyncio's default executor (ThreadPoolExecutor's default size)."""
WAIT_S = 10.0


def _wait_until(predicate: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_vote_is_delivered_while_tx_batches_hold_the_default_pool(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, parsing = threading.Event(), [0]

    def slow_tx_payloads(body: JsonObject) -> list[bytes] | None:
        # A large tx batch being decoded: it holds a default-pool thread until released.
        parsing[0] += 1
        release.wait(WAIT_S)
        return None

    delivered: list[MessageReceived] = []
    monkeypatch.setattr(api.inbox, "tx_payloads", slow_tx_payloads)

    def deliver(received: MessageReceived) -> bool:
        delivered.append(received)
        return True

    monkeypatch.setattr(api.inbox, "deliver", deliver)
    batch = seal_envelope(VALIDATOR_KEYS[0], CHAIN_ID, PeerKind.TXS, {"txs": []})
    senders = [
        threading.Thread(target=api.client.post, args=("/peer/txs",), kwargs={"content": batch})
        for _ in range(DEFAULT_POOL_THREADS + 4)  # every thread busy, more batches queued
    ]
    vote = seal_envelope(
        VALIDATOR_KEYS[1], CHAIN_ID, PeerKind.CONSENSUS, {"kind": "status", "height": 1}
    )
    voter: threading.Thread | None = None
    try:
        for sender in senders:
            sender.start()
        _wait_until(lambda: parsing[0] == DEFAULT_POOL_THREADS, "the default pool to fill up")
        answers: list[object] = []
        voter = threading.Thread(
            target=lambda: answers.append(api.client.post("/peer/consensus", content=vote).json())
        )
        voter.start()
        voter.join(WAIT_S / 2)  # before the batches give their threads back
        assert answers == [{"accepted": True}]
        assert len(delivered) == 1
        assert parsing[0] == DEFAULT_POOL_THREADS  # the batches still hold every thread
    finally:
        release.set()
        for thread in [*senders, *([voter] if voter else [])]:
            thread.join(WAIT_S)
