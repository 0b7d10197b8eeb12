"""node/sync_polls.py: what an operator's log says about a peer that is never followed.

Found at stop 50 deploying three hosts from docs/OPERATIONS.md: a mistyped peer address in
one node.toml left no log line at all (the warning came only when a peer that had answered
stopped), and a host started on another genesis file logged, every round, `block 1 from
PEER refused: certificate signature by KEY is invalid`, not that the chains differ. Stop 51:
peers still starting (`lantan net up`) are waited for, not warned, in a start grace.
"""

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from node.sync import BlockSync
from node.sync_polls import PEER_START_GRACE_S
from tests.unit.node.chain_kit import open_ledger
from tests.unit.node.sync_kit import PEER, mock_sync

OTHER_CHAIN = "755ced556eb17d0a3cbab2c546f031e22c6e01ea3dd7d5f2ca6e64ffdac43867"


def _poll_at(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    answer: Callable[..., httpx.Response],
    times_s: tuple[float, ...],
) -> tuple[BlockSync, str, list[tuple[str, str]], list[str]]:
    """One status poll of PEER per time in times_s (seconds after the node's start),
    answered by answer(request, chain_id); the sync (closed), this node's chain id, the
    lantan.sync lines at info and above as (level, message), and the peers the on_reachable
    hooks were told of."""
    ledger = open_ledger(tmp_path / "data")
    chain_id = ledger.chain_id.hex()
    told: list[str] = []

    async def main() -> BlockSync:
        sync = await mock_sync(ledger, [PEER], lambda request: answer(request, chain_id))
        sync.polls.on_reachable.append(told.append)
        now = [0.0]
        sync.polls.now_s, sync.polls.started_s = lambda: now[0], 0.0
        try:
            for now[0] in times_s:
                await sync.poll_peers()
        finally:
            await sync.close()
        return sync

    try:
        with caplog.at_level(logging.INFO, logger="lantan.sync"):
            sync = asyncio.run(main())
    finally:
        ledger.store.close()
    lines = [(r.levelname.lower(), r.getMessage()) for r in caplog.records]
    return sync, chain_id, lines, told


def _poll_three_times(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, answer: Callable[..., httpx.Response]
) -> tuple[BlockSync, str, list[str], list[str]]:
    """_poll_at three times in the start grace; its warnings' messages alone."""
    sync, chain_id, lines, told = _poll_at(tmp_path, caplog, answer, (0.0, 1.0, 2.0))
    return sync, chain_id, [message for level, message in lines if level == "warning"], told


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ConnectTimeout])
def test_a_peer_never_reached_is_waited_for_then_logged_unreachable_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, failure: type[httpx.TransportError]
) -> None:
    # Stop 51: `lantan net up` logged "peer unreachable" at warning for every peer not yet
    # listening while the network started. In the start grace such a peer is waited for (one
    # info line); still not reached after it, it is warned once (a wrong address).
    def refuse(request: httpx.Request, _chain_id: str) -> httpx.Response:
        raise failure("[Errno 113] No route to host", request=request)

    after = PEER_START_GRACE_S + 1
    times = (0.0, 1.0, PEER_START_GRACE_S - 1, after, after + 1, after + 30)
    sync, _, lines, told = _poll_at(tmp_path, caplog, refuse, times)
    assert not sync.state.peers[PEER].reachable and told == []
    assert [level for level, _ in lines] == ["info", "warning"], lines
    waiting, warned = lines[0][1], lines[1][1]
    assert waiting.startswith(f"waiting for peer {PEER} to answer: {failure.__name__}: ")
    assert waiting.endswith(f" (warned if it has not {PEER_START_GRACE_S:.0f} s after start)")
    assert warned.startswith(f"peer {PEER} unreachable: {failure.__name__}: ")


def test_a_peer_that_answered_and_is_lost_in_the_grace_is_logged_and_again_when_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The grace is for peers never reached: one that answered and then stops is a fault,
    # said at once, and its return too (issue 20's fault lines).
    answers = iter(["ours", "refuse", "refuse", "ours"])

    def lost_then_back(request: httpx.Request, chain_id: str) -> httpx.Response:
        if next(answers) == "refuse":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, json={"chain_id": chain_id, "height": 3, "head_hash": "00"})

    _, _, lines, told = _poll_at(tmp_path, caplog, lost_then_back, (0.0, 1.0, 2.0, 3.0))
    assert lines == [
        ("info", f"peer {PEER} reachable at height 3"),
        ("warning", f"peer {PEER} unreachable: ConnectError: [Errno 111] Connection refused"),
        ("info", f"peer {PEER} reachable at height 3"),
    ]
    assert told == [PEER, PEER]


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
    """Followed, stopped (refused), then restarted on another genesis file: a line for each
    cause."""
    answers = iter(["ours", "refuse", "other"])

    def stopped_then_other(request: httpx.Request, chain_id: str) -> httpx.Response:
        answer = next(answers)
        if answer == "refuse":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        served = chain_id if answer == "ours" else OTHER_CHAIN
        return httpx.Response(200, json={"chain_id": served, "height": 0, "head_hash": "00"})

    _, chain_id, warnings, _ = _poll_three_times(tmp_path, caplog, stopped_then_other)
    assert warnings == [
        f"peer {PEER} unreachable: ConnectError: [Errno 111] Connection refused",
        f"peer {PEER} unreachable: serves chain {OTHER_CHAIN[:16]}, this node's genesis is "
        f"chain {chain_id[:16]}: one of the two genesis files is wrong",
    ]
