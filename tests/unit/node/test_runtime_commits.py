"""node/runtime.py, one action at a time: commits, halts, ticks, and what the runtime keeps
for block sync.
"""

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

import node.runtime_worker as runtime_worker_module
from consensus import (
    Broadcast,
    CertificatesMessage,
    CommitBlock,
    MessageReceived,
    PersistPayload,
    PersistSignerState,
    StatusMessage,
    Tick,
    message_from_json,
)
from node.ledger import PreparedBlock
from node.runtime import NodeRuntime
from node.runtime_items import StartCheck
from protocol.hashing import Hash32, sha256
from protocol.votes import CommitCertificate, sign_certificate
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    VALIDATOR_KEYS,
    build_and_commit,
    certify,
    open_ledger,
)
from tests.unit.node.runtime_kit import (
    START_MS,
    WAIT_S,
    run_single,
    until,
)


def test_a_certified_block_that_does_not_execute_halts_the_node(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        await asyncio.sleep(0.05)
        other = open_ledger(tmp_path / "other")
        try:
            build_and_commit(other)
            bad = other.build(txs=(), evidence=(), time_ms=START_MS, proposer=other.head().proposer)
        finally:
            other.store.close()
        # Block 2 of another ledger: it does not follow this node's head.
        action = _commit(1, bad, certify(bad, height=1))
        runtime.submit(_deferred(action))
        await until(lambda: runtime.halted is not None, "the halt")
        assert "does not execute" in (runtime.halted or "")
        assert runtime.ledger.height == 0
        task = runtime._loop_task
        assert task is not None
        assert not task.done()  # halted, not crashed: it keeps draining its queue
        runtime.submit(StartCheck())
        await asyncio.sleep(0.05)
        assert runtime.ledger.height == 0

    run_single(tmp_path, body)


def test_asked_to_commit_above_the_ledger_halts(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        prepared = runtime.ledger.build(
            txs=(), evidence=(), time_ms=START_MS, proposer=VALIDATOR_KEYS[0].public_key
        )
        action = _commit(5, prepared, certify(prepared))
        runtime.submit(_deferred(action))
        await until(lambda: runtime.halted is not None, "the halt")
        assert "above the ledger" in (runtime.halted or "")

    run_single(tmp_path, body)


def test_committing_a_height_already_synced_only_moves_on(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        prepared = build_and_commit(runtime.ledger)
        action = _commit(1, prepared, certify(prepared))
        runtime.submit(_deferred(action))
        await until(lambda: runtime.events.counters["commits"] == 1, "the commit event")
        assert runtime.ledger.height == 1
        assert runtime.halted is None

    run_single(tmp_path, body)


def test_a_commit_wakes_its_waiters_before_the_commit_hooks_run(tmp_path: Path) -> None:
    """GET /v1/txs/{id}?wait_ms= answers on the commit, not after the hooks' CPU work."""

    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        order: list[str] = []

        async def waiter() -> None:
            assert await runtime.events.wait_commit(WAIT_S)
            order.append("waiter")

        async def hook() -> None:
            order.append("hook")

        runtime.commit_hooks.insert(0, hook)
        waiting = asyncio.create_task(waiter())
        await asyncio.sleep(0)  # the waiter now waits on the commit event
        prepared = build_and_commit(runtime.ledger)
        runtime.submit(_deferred(_commit(1, prepared, certify(prepared))))
        await asyncio.wait_for(waiting, WAIT_S)
        await until(lambda: "hook" in order, "the commit hook")
        assert order == ["waiter", "hook"]

    run_single(tmp_path, body)


def test_a_step_carrying_few_signatures_does_not_wait_for_the_worker(tmp_path: Path) -> None:
    """A tick (fired or not) or a vote must not queue the events behind it behind the
    worker (a block's execution, an fsync); a message carrying many signatures (here
    certificates of nine heights, 18 signatures) is stepped on the worker."""

    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        await asyncio.sleep(0.2)  # start_replica's deferred actions are performed
        replica = runtime.replica
        assert replica is not None and replica.timeouts
        due = min(t.deadline_ms for t in replica.timeouts)
        busy = asyncio.ensure_future(runtime.run_in_worker(time.sleep, 3.0))
        await asyncio.sleep(0.05)  # the worker now sleeps
        runtime.submit(Tick(now_ms=due - 1))
        await until(lambda: _engine_ms(runtime) == due - 1, "the quiet tick", timeout_s=1.0)
        runtime.submit(Tick(now_ms=due))  # fires a timeout
        await until(lambda: _engine_ms(runtime) == due, "the due tick", timeout_s=1.0)
        runtime.submit(_received(_certificates(heights=9)))
        runtime.submit(Tick(now_ms=due + 1))
        await asyncio.sleep(0.3)
        assert _engine_ms(runtime) == due  # the tick waits behind the certificates' step
        await busy
        # At least due + 1: the runtime's own timers (real delays over the fake clock) may
        # queue due ticks of their own behind ours.
        await until(lambda: _engine_ms(runtime) >= due + 1, "the tick after the certificates")

    run_single(tmp_path, body)


def _certificates(*, heights: int) -> CertificatesMessage:
    """Certificates of two signatures each for heights 1..heights (of no real block: the
    runtime decides where to step before anything is checked)."""
    block = Hash32(bytes(32))
    signers = VALIDATOR_KEYS[:2]
    return CertificatesMessage(
        certificates=tuple(
            sign_certificate(CHAIN_ID, height, block, signers) for height in range(1, heights + 1)
        )
    )


def _received(message: Any) -> MessageReceived:
    return MessageReceived(sender=VALIDATOR_KEYS[1].public_key, message=message)


def _engine_ms(runtime: NodeRuntime) -> int:
    assert runtime.replica is not None
    return runtime.replica.now_ms


def _commit(height: int, prepared: PreparedBlock, certificate: CommitCertificate) -> CommitBlock:
    """The engine's CommitBlock for a prepared block (whatever height it claims)."""
    return CommitBlock(
        height=height,
        block_hash=prepared.block_hash,
        payload=prepared.payload,
        certificate=certificate,
    )


def _deferred(action: Any) -> Any:
    from node.runtime_items import Deferred

    return Deferred(action)


def test_the_highest_height_a_peer_spoke_of_is_kept_for_block_sync(tmp_path: Path) -> None:
    # node/sync_pace.py polls at the fast rate when a peer's messages show it ahead.
    async def body(runtime: NodeRuntime) -> None:
        assert runtime.heard_height == -1
        for height in (3, 9, 5):
            message = message_from_json({"kind": "status", "height": height})
            runtime.deliver(MessageReceived(sender=VALIDATOR_KEYS[1].public_key, message=message))
        assert runtime.heard_height == 9

    run_single(tmp_path, body)


def test_a_steps_durable_writes_take_one_worker_trip_in_order_before_its_sends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock's payload, then the signer state naming it, in one trip to the worker (each
    trip costs 1-6 ms under load); nothing the step sends leaves before both are written."""
    events: list[str] = []

    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        await asyncio.sleep(0.2)  # start_replica's deferred actions are performed
        replica = runtime.replica
        assert replica is not None
        block = Hash32(sha256(b"locked payload"))
        actions = [
            PersistPayload(height=1, block_hash=block, payload=b"locked payload"),
            PersistSignerState(signer_state=replica.signer),
            Broadcast(message=StatusMessage(height=1)),
        ]
        monkeypatch.setattr(runtime_worker_module, "step", lambda state, _event: (state, actions))
        monkeypatch.setattr(runtime._worker, "run", _recording(runtime._worker.run, events))
        files = runtime.signer_file
        monkeypatch.setattr(files, "write_payload", _recording_sync(files.write_payload, events))
        monkeypatch.setattr(files, "write", _recording_sync(files.write, events))
        transport = runtime.transport
        monkeypatch.setattr(transport, "broadcast", _recording_sync(transport.broadcast, events))
        runtime.submit(Tick(now_ms=START_MS))
        await until(lambda: "broadcast" in events, "the step's broadcast")
        assert events[:4] == ["worker trip", "write_payload", "write", "broadcast"]

    run_single(tmp_path, body)


def _recording(function: Any, events: list[str]) -> Any:
    async def recorded(*args: Any) -> Any:
        events.append("worker trip")
        return await function(*args)

    return recorded


def _recording_sync(function: Any, events: list[str]) -> Any:
    def recorded(*args: Any) -> Any:
        events.append(function.__name__)
        return function(*args)

    return recorded
