"""node/runtime.py against hostile input and races (issue 10 findings 1 and 2, Deliver 3).

Each test drives a real runtime over a real LevelDB ledger; each fails on the code of
commit 36cc2d7: forged evidence was pooled and gossiped and made the next proposal raise,
which ended the loop; a block sync commit between the runtime's height check and its own
commit halted the node; nothing told /readyz that the loop had died.
"""

import asyncio
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from consensus import CommitBlock, ProposalSubmitted, RequestProposal
from node.ledger import InvalidProposalError
from node.runtime import NodeRuntime
from node.runtime_items import Deferred, StartCheck
from node.runtime_settings import RuntimeSettings
from protocol.block import BLOCK_EVIDENCE_MAX, Block
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32, sha256
from protocol.signature_cache import SignatureCache
from protocol.signing import SigningKey
from tests.fakes.evidence import duplicate_prevotes
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    VALIDATOR_KEYS,
    account_open,
    build_and_commit,
    certify,
    count_ed25519_verifies,
)
from tests.unit.node.runtime_kit import (
    FakeClock,
    Router,
    duplicate_vote,
    make_runtime,
    plant,
    queued,
    run_single,
    until,
)

OTHER_CHAIN = Hash32(sha256(b"another chain"))


def zero_signed(evidence: DuplicateVoteEvidence) -> DuplicateVoteEvidence:
    """Finding 1: well-formed duplicate-vote evidence whose signatures are zero bytes."""
    return replace(
        evidence,
        vote_a=replace(evidence.vote_a, signature=bytes(64)),
        vote_b=replace(evidence.vote_b, signature=bytes(64)),
    )


def foreign_evidence() -> DuplicateVoteEvidence:
    """Finding 6: real signatures of a validator key, over votes of another chain."""
    blocks = (Hash32(sha256(b"a")), Hash32(sha256(b"b")))
    return duplicate_prevotes(VALIDATOR_KEYS[2], OTHER_CHAIN, blocks)


def errors(runtime: NodeRuntime, event: str) -> float:
    """lantan_event_errors_total{event} of this runtime's registry."""
    value = runtime.metrics.registry.get_sample_value("lantan_event_errors_total", {"event": event})
    return value or 0.0


def test_forged_or_foreign_evidence_is_neither_pooled_nor_gossiped(tmp_path: Path) -> None:
    async def main() -> None:
        router = Router()
        runtime = make_runtime(tmp_path / "solo", VALIDATOR_KEYS[0], FakeClock(), router)
        try:
            for bad in (zero_signed(duplicate_vote()), foreign_evidence()):
                assert runtime.evidence_pool.problem(bad) is not None
                assert not runtime.evidence_pool.add(bad)
            assert len(runtime.evidence_pool) == 0
            assert router.sent == []
            for reason in ("evidence_bad_signature", "evidence_wrong_chain"):
                sample = runtime.metrics.registry.get_sample_value(
                    "lantan_evidence_refused_total", {"reason": reason}
                )
                assert sample == 1
            assert runtime.evidence_pool.add(duplicate_vote())
            assert len(router.sent) == 1
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    asyncio.run(main())


def test_a_bad_item_in_the_pools_never_stops_a_proposal(tmp_path: Path) -> None:
    # Whatever slipped into the pools (checked against an older state, or forged before
    # the check existed), the proposer leaves it out and still proposes.
    async def body(runtime: NodeRuntime) -> None:
        forged = zero_signed(duplicate_vote())
        plant(runtime.evidence_pool, forged)
        stale = account_open(5)  # nonce 5 with nothing before it: inadmissible
        good = account_open(1, "kept")
        for tx in (good, stale):
            runtime.mempool.add(tx, tx.tx_id, 100)
        await runtime._propose(RequestProposal(height=1, round=0))
        (submitted,) = queued(runtime)
        assert isinstance(submitted, ProposalSubmitted)
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.evidence == ()
        assert block.block.txs == (good,)
        assert len(runtime.evidence_pool) == 0
        assert stale.tx_id not in runtime.mempool

    run_single(tmp_path, body)


def test_each_evidence_signature_is_verified_once_from_intake_to_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: peer intake, the proposer's re-check (on the event loop) and apply_block each
    # ran both Ed25519 checks; now intake fills the node's cache and the others hit it.
    async def body(runtime: NodeRuntime) -> None:
        runtime.ledger.verify = SignatureCache().verify  # what build_node wires
        checked = count_ed25519_verifies(monkeypatch)
        evidence = duplicate_vote()
        assert runtime.evidence_pool.problem(evidence) is None  # the peer route's check
        assert runtime.evidence_pool.pool(evidence)
        await runtime._propose(RequestProposal(height=1, round=0))
        (submitted,) = [e for e in queued(runtime) if isinstance(e, ProposalSubmitted)]
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.evidence == (evidence,)
        assert len(checked) == 2, checked

    run_single(tmp_path, body)


def test_an_error_in_one_event_is_contained_and_counted(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        failures = iter([RuntimeError("boom")])

        original = runtime._propose

        async def propose_once_broken(action: RequestProposal) -> None:
            error = next(failures, None)
            if error is not None:
                raise error
            await original(action)

        runtime._propose = propose_once_broken  # type: ignore[method-assign]
        runtime.submit(Deferred(RequestProposal(height=1, round=0)))
        await until(lambda: errors(runtime, "RequestProposal") == 1, "the error")
        task = runtime._loop_task
        assert task is not None
        assert not task.done()
        assert runtime.halted is None
        assert runtime.stalled() is None
        # The loop still takes work: the next request builds a block, with no new error.
        registry = runtime.metrics.registry
        builds = "lantan_block_build_duration_seconds_count"
        before = registry.get_sample_value(builds) or 0.0
        runtime.submit(Deferred(RequestProposal(height=1, round=0)))
        await until(lambda: (registry.get_sample_value(builds) or 0.0) > before, "a block built")
        assert errors(runtime, "RequestProposal") == 1

    run_single(tmp_path, body)


def test_sync_committing_the_height_first_does_not_halt_consensus(tmp_path: Path) -> None:
    # Finding 2, deterministically: block sync's commit of height 1 holds the worker while
    # consensus takes its own CommitBlock for height 1 off the queue; then sync finishes.
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        donor = make_runtime(tmp_path / "donor", VALIDATOR_KEYS[1], FakeClock())
        try:
            prepared = build_and_commit(donor.ledger)
        finally:
            donor.ledger.store.close()
        certificate = certify(prepared)
        gate = threading.Event()

        def synced_commit() -> Block | None:
            gate.wait(5)
            return runtime.ledger.commit_certified(
                prepared.payload, certificate, check_certificate=True
            )

        sync_job = asyncio.ensure_future(runtime.run_in_worker(synced_commit))
        action = CommitBlock(
            height=1,
            block_hash=prepared.block_hash,
            payload=prepared.payload,
            certificate=certificate,
        )
        runtime.submit(Deferred(action))
        await until(runtime._queue.empty, "consensus took its commit")
        await asyncio.sleep(0.05)
        gate.set()
        assert await sync_job
        await until(lambda: runtime.events.counters["commits"] == 1, "the commit event")
        assert runtime.halted is None
        assert runtime.ledger.height == 1
        assert runtime.ledger.head() == prepared.block.header

    run_single(tmp_path, body)


def test_the_watchdog_reports_no_progress_with_work_and_a_dead_loop(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        clock = runtime.clock
        assert isinstance(clock, FakeClock)
        await runtime.start()
        assert runtime.stalled() is None
        clock.now += runtime.settings.stall_after_ms + 1
        assert runtime.stalled() is None  # idle: heights start only on work
        tx = account_open(1)
        runtime.mempool.add(tx, tx.tx_id, 100)
        assert "no progress" in (runtime.stalled() or "")
        registry = runtime.metrics.registry
        assert registry.get_sample_value("lantan_consensus_stalled", {"reason": "no_progress"}) == 1
        task = runtime._loop_task
        assert task is not None
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert "loop stopped" in (runtime.stalled() or "")
        assert registry.get_sample_value("lantan_consensus_stalled", {"reason": "loop_dead"}) == 1
        assert registry.get_sample_value("lantan_consensus_stalled", {"reason": "no_progress"}) == 0
        runtime.submit(StartCheck())

    run_single(tmp_path, body)


def many_duplicate_votes(
    count: int, key: SigningKey = VALIDATOR_KEYS[2], *, salt: int = 0
) -> list[DuplicateVoteEvidence]:
    """count distinct, valid items of distinct offences: one validator's prevote pairs
    over different blocks, each in its own round (salt makes them differ from another
    call's; node/evidence_pool.py keeps one item per offence)."""
    return [
        duplicate_prevotes(
            key,
            CHAIN_ID,
            (Hash32(sha256(b"a%d.%d" % (salt, i))), Hash32(sha256(b"b%d.%d" % (salt, i)))),
            round_number=salt * 1_000 + i,
        )
        for i in range(count)
    ]


def test_a_proposal_carries_at_most_the_protocols_evidence_bound(tmp_path: Path) -> None:
    # ADR 0016: the proposer never passes BLOCK_EVIDENCE_MAX (its setting was 64, above the
    # bound), and a validator refuses a block that does, whoever built it.
    async def body(runtime: NodeRuntime) -> None:
        items = many_duplicate_votes(BLOCK_EVIDENCE_MAX + 4)
        for item in items:
            assert runtime.evidence_pool.pool(item)
        await runtime._propose(RequestProposal(height=1, round=0))
        (submitted,) = [e for e in queued(runtime) if isinstance(e, ProposalSubmitted)]
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert len(block.block.evidence) == BLOCK_EVIDENCE_MAX
        over = runtime.ledger.build(
            txs=(),
            evidence=tuple(items[: BLOCK_EVIDENCE_MAX + 1]),
            time_ms=2,
            proposer=VALIDATOR_KEYS[0].public_key,
        )
        with pytest.raises(InvalidProposalError, match="more than 8"):
            runtime.ledger.validate(over.payload, now_ms=None, drift_ms=0)

    run_single(tmp_path, body)


def test_settings_cannot_pass_the_evidence_bound() -> None:
    assert RuntimeSettings().block_evidence_max == BLOCK_EVIDENCE_MAX
    with pytest.raises(ValueError, match="block_evidence_max"):
        RuntimeSettings(block_evidence_max=BLOCK_EVIDENCE_MAX + 1)


def test_a_block_sync_catch_up_is_progress_for_the_watchdog(tmp_path: Path) -> None:
    # Stop 49's chaos pass: a validator cut off for 520 s, 414 blocks behind, caught up by
    # block sync for 5 minutes while /readyz said "no progress: no commit for 526..599 s
    # with work" (and lantan_consensus_stalled{reason="no_progress"} was 1): the blocks sync
    # committed did not count, only consensus's own. A block or two at a time still does
    # not: that is block sync keeping a replica that does not decide one behind.
    async def body(runtime: NodeRuntime) -> None:
        clock = runtime.clock
        assert isinstance(clock, FakeClock)
        await runtime.start()
        tx = account_open(1)
        runtime.mempool.add(tx, tx.tx_id, 100)
        clock.now += runtime.settings.stall_after_ms + 1
        assert "no progress" in (runtime.stalled() or "")
        donor = make_runtime(tmp_path / "donor", VALIDATOR_KEYS[1], FakeClock())
        try:
            blocks = [build_and_commit(donor.ledger) for _ in range(4)]
        finally:
            donor.ledger.store.close()

        def synced_commit(first: int, last: int) -> None:
            for prepared in blocks[first:last]:
                certificate = certify(prepared)
                assert runtime.ledger.commit_certified(
                    prepared.payload, certificate, check_certificate=True
                )

        await runtime.run_in_worker(synced_commit, 0, 1)
        runtime.ledger_advanced(1)
        assert "no progress" in (runtime.stalled() or ""), "one block followed: still quiet"
        await runtime.run_in_worker(synced_commit, 1, 4)
        runtime.ledger_advanced(3)
        assert runtime.stalled() is None
        registry = runtime.metrics.registry
        assert registry.get_sample_value("lantan_consensus_stalled", {"reason": "no_progress"}) == 0
        clock.now += runtime.settings.stall_after_ms + 1
        assert "no progress" in (runtime.stalled() or ""), "a later quiet is a stall again"

    run_single(tmp_path, body)


def test_no_progress_is_not_reported_while_catching_up(tmp_path: Path) -> None:
    # Stop 50: after a partition, lantan_consensus_stalled{reason="no_progress"} read 1 for
    # the whole catch-up (one block sync call of minutes) while /readyz left it out: the
    # node recovered by itself and an alert fired. The watchdog now goes by the node's one
    # rule of catching up (SyncState.catching_up, wired by node/assembly.py).
    async def body(runtime: NodeRuntime) -> None:
        clock = runtime.clock
        assert isinstance(clock, FakeClock)
        registry = runtime.metrics.registry
        await runtime.start()
        tx = account_open(1)
        runtime.mempool.add(tx, tx.tx_id, 100)
        catching_up = [True]
        runtime.catching_up = lambda: catching_up[0]
        clock.now += runtime.settings.stall_after_ms + 1
        assert runtime.stalled() is None
        assert registry.get_sample_value("lantan_consensus_stalled", {"reason": "no_progress"}) == 0
        clock.now += 10 * runtime.settings.stall_after_ms
        assert runtime.stalled() is None, "still catching up"
        catching_up[0] = False
        assert runtime.stalled() is None, "the quiet starts again when the catch-up ends"
        clock.now += runtime.settings.stall_after_ms + 1
        assert "no progress" in (runtime.stalled() or "")
        assert registry.get_sample_value("lantan_consensus_stalled", {"reason": "no_progress"}) == 1

    run_single(tmp_path, body)
