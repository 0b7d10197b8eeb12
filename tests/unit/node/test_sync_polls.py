"""node/sync_polls.py: what an operator's log says about a peer that is never followed.

Found at stop 50 deploying three hosts from docs/OPERATIONS.md: a mistyped peer address in
one node.toml left no log line at all (the warning came only when a peer that had answered
stopped), and a host started on another genesis file logged, every round, `block 1 from
PEER refused: certificate signature by KEY is invalid`, not that the chains differ.
"""

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from node.sync import BlockSync
from tests.unit.node.chain_kit import open_ledger
from tests.unit.node.sync_kit import PEER, mock_sync

OTHER_CHAIN = "755ced556eb17d0a3cbab2c546f031e22c6e01ea3dd7d5f2ca6e64ffdac43867"


def _poll_three_times(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, answer: Callable[..., httpx.Response]
) -> tuple[BlockSync, str, list[str], list[str]]:
    """Three status polls of PEER answered by answer(request, chain_id); the sync (closed),
    this node's chain id, the lantan.sync warnings and the peers the on_reachable hooks were
    told of."""
    ledger = open_ledger(tmp_path / "data")
    chain_id = ledger.chain_id.hex()
    told: list[str] = []

    async def main() -> BlockSync:
        sync = await mock_sync(ledger, [PEER], lambda request: answer(request, chain_id))
        sync.polls.on_reachable.append(told.append)
        try:
            for _ in range(3):
                await sync.poll_peers()
        finally:
            await sync.close()
        return sync

    try:
        with caplog.at_level(logging.WARNING, logger="lantan.sync"):
            sync = asyncio.run(main())
    finally:
        ledger.store.close()
    return sync, chain_id, [r.getMessage() for r in caplog.records], told


def test_a_peer_never_reached_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(request: httpx.Request, _chain_id: str) -> httpx.Response:
        raise httpx.ConnectError("[Errno 113] No route to host", request=request)

    sync, _, warnings, told = _poll_three_times(tmp_path, caplog, refuse)
    assert not sync.state.peers[PEER].reachable and told == []
    assert warnings == [f"peer {PEER} unreachable: ConnectError: [Errno 113] No route to host"]


@pytest.mark.parametrize("foreign", [True, False])
def test_a_peer_is_followed_only_on_this_chain_and_a_foreign_one_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, foreign: bool
) -> None:
    def status(_request: httpx.Request, chain_id: str) -> httpx.Response:
        served = OTHER_CHAIN if foreign else chain_id
        return httpx.Response(200, json={"chain_id": served, "height": 5, "head_hash": "00"})

    sync, chain_id, warnings, told = _poll_three_times(tmp_path, caplog, status)
    assert sync.state.peers[PEER].reachable is not foreign
    assert told == ([] if foreign else [PEER])
    assert sync.state.highest_peer_height() == (-1 if foreign else 5)
    refused = (
        f"peer {PEER} unreachable: serves chain {OTHER_CHAIN[:16]}, this node's genesis is "
        f"chain {chain_id[:16]}: one of the two genesis files is wrong"
    )
    assert warnings == ([refused] if foreign else [])


def test_a_stopped_peer_back_on_another_chain_is_logged_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Stopped (refused), then restarted on another genesis file: a line for each cause."""
    answers = iter(["refuse", "other", "other"])

    def stopped_then_other(request: httpx.Request, _chain_id: str) -> httpx.Response:
        if next(answers) == "refuse":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, json={"chain_id": OTHER_CHAIN, "height": 0, "head_hash": "00"})

    _, chain_id, warnings, _ = _poll_three_times(tmp_path, caplog, stopped_then_other)
    assert warnings == [
        f"peer {PEER} unreachable: ConnectError: [Errno 111] Connection refused",
        f"peer {PEER} unreachable: serves chain {OTHER_CHAIN[:16]}, this node's genesis is "
        f"chain {chain_id[:16]}: one of the two genesis files is wrong",
    ]
