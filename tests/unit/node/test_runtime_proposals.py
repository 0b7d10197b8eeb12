"""node/runtime.py, one action at a time: what a proposal takes (mempool, evidence, time)
and leaves out, and how validation answers.
"""

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from consensus import (
    ProposalRefused,
    ProposalSubmitted,
    ProposalValidated,
    RequestProposal,
    ValidateProposal,
)
from genesis.example.xiangshan_case import XIANGSHAN_CASE_STEPS
from node.block_actions import AHEAD_WAIT_MS_MAX
from node.late_validation import queue_if_held
from node.ledger import block_hash_of_payload
from node.runtime import NodeRuntime
from node.runtime_items import Deferred
from protocol.hashing import Hash32, sha256
from protocol.tx import SignedTx
from tests.unit.node.chain_kit import (
    GENESIS_TIME_MS,
    KEYS,
    VALIDATOR_KEYS,
    account_open,
    certify,
    make_tx,
    open_ledger,
)
from tests.unit.node.runtime_kit import (
    START_MS,
    FakeClock,
    by_reason,
    duplicate_vote,
    plant,
    queued,
    run_single,
    until,
)


def test_a_proposal_takes_the_mempool_and_the_evidence(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        txs = (account_open(1), account_open(2))
        for tx in txs:
            runtime.mempool.add(tx, tx.tx_id, 100)
        evidence = duplicate_vote()
        assert runtime.evidence_pool.pool(evidence)
        await runtime._propose(RequestProposal(height=1, round=0))
        (submitted,) = queued(runtime)
        assert isinstance(submitted, ProposalSubmitted)
        assert (submitted.height, submitted.round) == (1, 0)
        assert block_hash_of_payload(submitted.payload) == submitted.block_hash
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.txs == txs
        assert block.block.evidence == (evidence,)
        assert block.block.header.time_ms == START_MS
        assert block.block.header.proposer == runtime.key.public_key
        # A request for another height than head + 1 builds nothing.
        await runtime._propose(RequestProposal(height=2, round=0))
        assert queued(runtime) == []

    run_single(tmp_path, body)


def test_a_proposal_time_is_after_the_head_even_when_the_clock_is_behind(
    tmp_path: Path,
) -> None:
    async def body(runtime: NodeRuntime) -> None:
        runtime.clock.now = GENESIS_TIME_MS - 5_000  # type: ignore[attr-defined]
        await runtime._propose(RequestProposal(height=1, round=0))
        (submitted,) = queued(runtime)
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.header.time_ms == GENESIS_TIME_MS + 1

    run_single(tmp_path, body)


def test_a_proposal_leaves_out_txs_that_expired_and_the_nonces_behind_them(
    tmp_path: Path,
) -> None:
    # Admitted earlier, expired by the time this node proposes: building the block with it
    # would raise InvalidBlockError and end the consensus loop.
    async def body(runtime: NodeRuntime) -> None:
        expired = account_open(1, expires_at_ms=START_MS - 1)
        behind = account_open(2)
        other = build_tx_of_county(1)
        for tx in (expired, other, behind):
            runtime.mempool.add(tx, tx.tx_id, 100)
        await runtime._propose(RequestProposal(height=1, round=0))
        (submitted,) = queued(runtime)
        assert isinstance(submitted, ProposalSubmitted)
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.txs == (other,)

    run_single(tmp_path, body)


def build_tx_of_county(nonce: int) -> SignedTx:
    step = XIANGSHAN_CASE_STEPS[1]
    assert step.tx_type == "project.register"
    return make_tx(step.sender, step.tx_type, dict(step.body), nonce=nonce)


def test_a_proposal_leaves_out_evidence_already_on_chain(tmp_path: Path) -> None:
    # Block sync can commit a block carrying evidence this node still holds in its pool.
    async def body(runtime: NodeRuntime) -> None:
        evidence = duplicate_vote()
        prepared = runtime.ledger.build(
            txs=(),
            evidence=(evidence,),
            time_ms=START_MS - 1,
            proposer=VALIDATOR_KEYS[1].public_key,
        )
        runtime.ledger.commit(prepared, certify(prepared))
        plant(runtime.evidence_pool, evidence)
        await runtime._propose(RequestProposal(height=2, round=0))
        (submitted,) = queued(runtime)
        assert isinstance(submitted, ProposalSubmitted)
        block = runtime.ledger.validate(submitted.payload, now_ms=None, drift_ms=0)
        assert block.block.evidence == ()

    run_single(tmp_path, body)


def test_validation_answers_valid_or_not(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        runtime._restart_replica_sync(None, 0)  # a replica, but no loop taking the queue
        queued(runtime)
        replica = runtime.replica
        assert replica is not None
        proposer = replica.validators.proposer(1, 0).public_key
        other = open_ledger(runtime.ledger.store.directory.parent / "proposer")
        try:  # the proposer's ledger builds; this node only validates
            good = other.build(txs=(), evidence=(), time_ms=START_MS, proposer=proposer)
            wrong_proposer = other.build(  # a key outside the validator set
                txs=(), evidence=(), time_ms=START_MS, proposer=KEYS["xiangshan-court"].public_key
            )
            far_ahead = other.build(  # beyond AHEAD_WAIT_MS_MAX: refused for the height
                txs=(),
                evidence=(),
                time_ms=START_MS + 2_000 + AHEAD_WAIT_MS_MAX + 1,
                proposer=proposer,
            )
        finally:
            other.store.close()
        cases = [
            (1, b"garbage", Hash32(sha256(b"garbage")), "invalid"),
            (2, good.payload, good.block_hash, "not_next"),
            (1, wrong_proposer.payload, wrong_proposer.block_hash, "invalid"),
            (1, far_ahead.payload, far_ahead.block_hash, "invalid"),
            (1, good.payload, far_ahead.block_hash, "other_block"),
            (1, good.payload, good.block_hash, None),
            (1, good.payload, good.block_hash, None),  # again, from the ledger's cache
        ]
        for height, payload, block_hash, refused in cases:
            action = ValidateProposal(
                height=height, round=0, block_hash=block_hash, payload=payload
            )
            before = by_reason(runtime.metrics.proposals_refused)
            await runtime._validate(action)
            (answer,) = queued(runtime)
            assert answer == ProposalValidated(
                height=height, round=0, block_hash=block_hash, valid=refused is None
            )
            # lantan_proposals_refused_total{reason} counts each nil vote's reason.
            assert by_reason(runtime.metrics.proposals_refused) - before == Counter(
                [] if refused is None else [refused]
            )

    run_single(tmp_path, body)


def test_a_block_ahead_of_the_clock_is_validated_when_the_clock_catches_up(
    tmp_path: Path,
) -> None:
    """ADR 0040: a block whose time_ms is past this clock plus the drift (2 s) is not answered
    invalid, which the engine would hold for the whole height (also at line 28 and the
    decision), but validated again once the clock has caught up: answered valid then."""

    async def body(runtime: NodeRuntime) -> None:
        runtime._restart_replica_sync(None, 0)
        queued(runtime)
        replica = runtime.replica
        assert replica is not None
        proposer = replica.validators.proposer(1, 0).public_key
        other = open_ledger(runtime.ledger.store.directory.parent / "proposer")
        try:
            ahead = other.build(txs=(), evidence=(), time_ms=START_MS + 2_300, proposer=proposer)
        finally:
            other.store.close()
        action = ValidateProposal(
            height=1, round=0, block_hash=ahead.block_hash, payload=ahead.payload
        )
        # The engine holds the block, as after its proposal arrived.
        runtime.replica = replace(replica, blocks={ahead.block_hash: ahead.payload})
        before = by_reason(runtime.metrics.proposals_refused)
        await runtime._validate(action)
        assert queued(runtime) == []  # no answer while the block is ahead
        assert by_reason(runtime.metrics.proposals_refused) - before == Counter(["ahead"])
        clock = runtime.clock
        assert isinstance(clock, FakeClock)
        clock.now += 300  # the block is now exactly max_clock_drift_ms ahead: allowed
        await until(lambda: not runtime._queue.empty(), "the validation due 300 ms later")
        (again,) = queued(runtime)
        assert again == Deferred(action)
        await runtime._process(again)
        assert queued(runtime) == [
            ProposalValidated(height=1, round=0, block_hash=ahead.block_hash, valid=True)
        ]
        # Due when the engine has gone on to height 2 (the block no longer held): dropped.
        runtime.replica = replace(replica, height=2)
        queue_if_held(replace(action, payload=b""), lambda: runtime.replica, runtime.submit)
        assert queued(runtime) == []

    run_single(tmp_path, body)


def test_a_commit_drops_the_blocks_evidence_without_reading_the_block_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The block commit_certified wrote is where the evidence is read: reading it back from
    # the store decoded every tx of the block a second time.
    async def body(runtime: NodeRuntime) -> None:
        evidence = duplicate_vote()
        plant(runtime.evidence_pool, evidence)
        prepared = runtime.ledger.build(
            txs=(account_open(1),),
            evidence=(evidence,),
            time_ms=START_MS - 1,
            proposer=VALIDATOR_KEYS[1].public_key,
        )

        def read_back(height: int) -> None:
            raise AssertionError(f"block {height} read back after its commit")

        monkeypatch.setattr(runtime.ledger, "block", read_back)
        runtime.blocks.commit_block(prepared.payload, certify(prepared))
        assert runtime.ledger.height == 1
        assert len(runtime.evidence_pool) == 0

    run_single(tmp_path, body)


def test_a_block_written_by_block_sync_drops_the_evidence_it_records(tmp_path: Path) -> None:
    # Block sync commits through the ledger, not through the runtime: the pool hears of the
    # block from the ledger's commit, whichever path wrote it.
    async def body(runtime: NodeRuntime) -> None:
        evidence = duplicate_vote()
        plant(runtime.evidence_pool, evidence)
        prepared = runtime.ledger.build(
            txs=(),
            evidence=(evidence,),
            time_ms=START_MS - 1,
            proposer=VALIDATOR_KEYS[1].public_key,
        )
        runtime.ledger.commit_certified(prepared.payload, certify(prepared), check_certificate=True)
        assert runtime.ledger.height == 1
        assert len(runtime.evidence_pool) == 0

    run_single(tmp_path, body)


def test_a_proposal_whose_payload_is_not_its_block_is_counted(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        proposer = VALIDATOR_KEYS[0].public_key
        refused = ProposalRefused(
            height=1, round=0, proposer=proposer, block_hash=Hash32(sha256(b"x"))
        )
        await runtime._perform(refused)
        assert by_reason(runtime.metrics.proposals_refused) == Counter(payload_mismatch=1)

    run_single(tmp_path, body)
