"""A store found damaged while the node runs (stop 56): the node stops executing, committing
and signing on it, /readyz names the damage and what to do, and a request whose answer is in
the damaged part answers 503 STORE_DAMAGED in one log line, never the damaged bytes nor a
traceback. Where the damage is met: tests/unit/node/storage/test_store_checksums.py."""

import asyncio
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import plyvel
import pytest
from fastapi import FastAPI

from consensus import RequestProposal
from node.api.errors import install_error_handlers
from node.api.route_paths import RoutePaths
from node.lifespan import _catch_up_then_run
from node.readiness import Readiness
from node.runtime import STORE_DAMAGED_HALT, NodeRuntime
from node.runtime_items import Deferred, StartCheck
from node.storage.errors import StoreDamagedError
from node.sync_state import SyncState
from tests.unit.node.api.kit import TestClient
from tests.unit.node.runtime_kit import run_single, until

CHECKSUM = plyvel.CorruptionError(b"Corruption: block checksum mismatch")


def damaged(runtime: NodeRuntime) -> StoreDamagedError:
    """The error a read of the runtime's store raises when LevelDB reports a damaged block
    (node/storage/checked_reads.py), kept by the store as that read keeps it."""
    return runtime.ledger.store._watch.report(CHECKSUM)


def test_damage_met_by_an_event_halts_consensus(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()

        async def propose_on_a_damaged_store(action: RequestProposal) -> None:
            raise damaged(runtime)

        runtime._propose = propose_on_a_damaged_store  # type: ignore[method-assign]
        runtime.submit(Deferred(RequestProposal(height=1, round=0)))
        await until(lambda: runtime.halted is not None, "the halt")
        assert runtime.halted == STORE_DAMAGED_HALT
        task = runtime._loop_task
        assert task is not None and not task.done()

    caplog.set_level(logging.WARNING)
    run_single(tmp_path, body)
    (line,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.levelno == logging.CRITICAL and line.exc_info is None
    assert line.getMessage().startswith("consensus halted: the store at ")
    assert "is damaged: LevelDB reports Corruption: block checksum mismatch" in line.getMessage()


def test_damage_met_by_another_reader_halts_consensus_at_its_next_event(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        damaged(runtime)  # an HTTP route's read met it
        assert runtime.halted is None
        runtime.submit(StartCheck())
        await until(lambda: runtime.halted == STORE_DAMAGED_HALT, "the halt")

    run_single(tmp_path, body)


def test_a_damaged_store_is_not_ready_and_says_what_to_do() -> None:
    error = StoreDamagedError(
        Path("/srv/data"), "LevelDB reports Corruption: block checksum mismatch", opening=False
    )
    runtime = SimpleNamespace(
        halted=STORE_DAMAGED_HALT, stalled=lambda: None, signed_above_chain=lambda: None
    )
    ledger = SimpleNamespace(
        height=5,
        store=SimpleNamespace(damage=error),
        validators_for_next_height=lambda: SimpleNamespace(quorum=1),
    )
    service = cast(Any, SimpleNamespace(runtime=runtime, ledger=ledger))
    problems = Readiness(SyncState(caught_up=True), observer=False).problems(service)
    assert problems == [
        "halted: its store is damaged",
        "the store at /srv/data is damaged: LevelDB reports Corruption: block checksum mismatch: "
        "restore the data directory from a backup, or move it away and start the node again "
        'to catch up from its peers (docs/OPERATIONS.md "A damaged store")',
    ]
    observer = cast(Any, SimpleNamespace(runtime=None, ledger=ledger))
    shown = Readiness(SyncState(caught_up=True), observer=True).problems(observer)
    assert shown == [*problems[1:], "connected to 0 peers, needs 1"]


def test_a_request_into_the_damaged_part_answers_503_in_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()

    @app.get("/v1/state/{key}")
    def state(key: str) -> None:
        raise StoreDamagedError(
            Path("/srv/data"), "LevelDB reports Corruption: block checksum mismatch", opening=False
        )

    install_error_handlers(app, RoutePaths.of(app.routes))
    caplog.set_level(logging.INFO)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/v1/state/account")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "STORE_DAMAGED"
    assert "ask another node" in answer.json()["error"]["detail"]
    assert "/srv/data" not in answer.text  # the host's paths stay in its log
    (line,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.levelno == logging.ERROR and line.exc_info is None
    assert line.getMessage().startswith(
        "GET /v1/state/account not answered: the store at /srv/data is damaged: LevelDB"
    )


class _Sync:
    """Block sync whose catch-up at start applies nothing, or meets the damage."""

    def __init__(self, damage: StoreDamagedError | None) -> None:
        self.damage = damage
        self.state = SimpleNamespace(caught_up=False, highest_peer_height=lambda: 3)

    async def poll_peers(self, wait_s: float = 0.0) -> None:
        return None

    async def catch_up(self, lag_allowed: int) -> int:
        if self.damage is not None:
            raise self.damage
        return 0


@pytest.mark.parametrize("met_by", ["catch-up", "another reader"])
def test_block_sync_stops_on_a_damaged_store(met_by: str, caplog: pytest.LogCaptureFixture) -> None:
    error = StoreDamagedError(Path("/srv/data"), "LevelDB reports Corruption", opening=False)
    store = SimpleNamespace(damage=None if met_by == "catch-up" else error)
    node = SimpleNamespace(
        sync=_Sync(error if met_by == "catch-up" else None),
        ledger=SimpleNamespace(height=3, store=store),
        runtime=None,
    )
    caplog.set_level(logging.WARNING)
    asyncio.run(asyncio.wait_for(_catch_up_then_run(cast(Any, node)), 5))  # it ends
    (line,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.levelno == logging.CRITICAL and line.exc_info is None
    assert line.getMessage().startswith("block sync stopped: the store at /srv/data is damaged")
