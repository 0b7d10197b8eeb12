"""node/runtime.py: three real runtimes over real ledgers (LevelDB in tmp_path), wired by an
in-memory transport, commit blocks; a height starts only when there is work.
"""

import asyncio
from pathlib import Path
from typing import Any

import pytest

from consensus.signer_state import SignedStep
from node.compact_proposals import CompactProposal
from node.peer_envelope import PeerKind
from node.runtime import NodeRuntime
from node.runtime_items import StartCheck
from protocol.block import Block
from protocol.votes import CommitCertificate
from tests.unit.node.chain_kit import (
    VALIDATOR_KEYS,
    account_open,
)
from tests.unit.node.runtime_kit import (
    HEARTBEAT_MS,
    TIMEOUTS,
    FakeClock,
    Router,
    alive,
    all_equal_heads,
    give_work,
    heights,
    make_runtime,
    proposer_of,
    run_network,
    until,
)


def test_height_one_commits_at_start_then_the_next_height_waits_for_work(
    tmp_path: Path,
) -> None:
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        assert all_equal_heads(runtimes)
        certificate = runtimes[0].ledger.certificate(1)
        assert certificate is not None
        assert len(certificate.signatures) >= 2
        # Nothing to do: no node starts height 2 (no proposal, no vote for it).
        await asyncio.sleep(0.5)
        alive(runtimes)
        assert heights(runtimes) == [1, 1, 1]
        signers = {entry.validator for entry in certificate.signatures}
        for runtime in runtimes:
            assert runtime.pace.held is not None
            assert runtime.pace.held.height == 1
            assert runtime.events.counters["commits"] == 1
            signer = runtime.signer_file.load()
            assert signer is not None
            if runtime.key.public_key in signers:  # persisted before its precommit left
                assert (signer.height, signer.step) == (1, SignedStep.PRECOMMIT)
        sent_before = len(router.sent)

        # A tx at the proposer of height 2 starts it; the others follow its messages.
        proposer = proposer_of(runtimes, 2)
        tx = account_open(1)
        give_work(proposer, tx)
        await until(lambda: heights(runtimes) == [2, 2, 2], "height 2 everywhere")
        alive(runtimes)
        assert all_equal_heads(runtimes)
        assert len(router.sent) > sent_before
        for runtime in runtimes:
            block = runtime.ledger.block(2)
            assert block is not None
            assert block.txs == (tx,)
            assert block.header.proposer == proposer.key.public_key
            assert runtime.ledger.store.find_tx(tx.tx_id) is not None
        # The commit hook drops the committed tx (it runs just after the commit).
        await until(lambda: len(proposer.mempool) == 0, "the mempool cleanup")
        await asyncio.sleep(0.3)
        assert heights(runtimes) == [2, 2, 2]

    run_network(tmp_path, scenario)


def test_a_quiet_chain_gets_a_heartbeat_block(tmp_path: Path) -> None:
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        # Wait for each commit to be over, not only for the ledger's height: the runtime
        # notes the commit's time (what the heartbeat counts from) after the ledger moves,
        # and a clock moved in between made the quiet spell start later than the test
        # counts (the heartbeat then never came on the fake clock; flaky under load).
        await until(lambda: [r.events.height for r in runtimes] == [1, 1, 1], "height 1 committed")
        proposer = proposer_of(runtimes, 2)
        clock.now += HEARTBEAT_MS - 1
        proposer.submit(StartCheck())
        await asyncio.sleep(0.3)
        assert heights(runtimes) == [1, 1, 1]  # not due yet
        clock.now += 1
        proposer.submit(StartCheck())
        await until(lambda: heights(runtimes) == [2, 2, 2], "the heartbeat block")
        alive(runtimes)
        block = proposer.ledger.block(2)
        assert block is not None
        assert block.txs == ()
        assert block.header.time_ms >= clock.now

    run_network(tmp_path, scenario)


def test_a_height_started_after_a_quiet_spell_gets_its_whole_round_zero(tmp_path: Path) -> None:
    # The engine's clock moves only on a Tick, and a decided height has no timers left to
    # tick: a height started a minute later scheduled round 0's timeouts a minute in the
    # past, so they fired at once. The proposer prevoted nil on its own proposal and every
    # node went to round 1 (after a partition healed, round 0 of every height was lost).
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        clock.now += 60_000  # quiet: nothing to do, no timer left
        give_work(proposer_of(runtimes, 2), account_open(1))
        await until(lambda: heights(runtimes) == [2, 2, 2], "height 2 everywhere")
        alive(runtimes)
        certificate = runtimes[0].ledger.certificate(2)
        assert certificate is not None
        assert certificate.round == 0

    run_network(tmp_path, scenario)


def test_a_commit_that_failed_is_taken_again_not_waited_for_forever(tmp_path: Path) -> None:
    # A commit that raised (not a halt: an unexpected error, contained like any event's)
    # left the replica in COMMITTING with the ledger a height behind: every certificate
    # pushed to it was ignored, and block sync waits for a peer two heights ahead, which
    # with n=4, q=3 and one silent validator never comes. The whole network stopped.
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        victim = next(r for r in runtimes if r is not proposer_of(runtimes, 2))
        others = [r for r in runtimes if r is not victim]
        commit_certified = victim.ledger.commit_certified
        failed: list[int] = []

        def fails_once(
            payload: bytes, certificate: CommitCertificate, **options: Any
        ) -> Block | None:
            if not failed:
                failed.append(certificate.height)
                raise OSError("a passing I/O error")
            return commit_certified(payload, certificate, **options)

        victim.ledger.commit_certified = fails_once  # type: ignore[method-assign]
        tx = account_open(1)
        for runtime in runtimes:
            give_work(runtime, tx)
        await until(lambda: [r.ledger.height for r in others] == [2, 2], "height 2 at the others")
        # The victim may take the certificate a moment after the others commit (a loaded box).
        await until(lambda: failed == [2], "the victim's commit of height 2 failing once")
        for runtime in others:  # height 3 starts; its messages reach the victim
            give_work(runtime, account_open(2, "after-failure"))
        await until(lambda: victim.ledger.height >= 2, "the victim's height 2")
        alive(runtimes)
        block = victim.ledger.block(2)
        assert block is not None
        assert block.txs == (tx,)

    run_network(tmp_path, scenario)


def test_a_node_behind_restarts_at_its_synced_head(tmp_path: Path) -> None:
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        lagging = proposer_of(runtimes, 3)
        others = [r for r in runtimes if r is not lagging]
        router.cut.add(lagging.key.public_key)
        for runtime in others:
            give_work(runtime, account_open(1))
        await until(lambda: [r.ledger.height for r in others] == [2, 2], "height 2 without one")
        assert lagging.ledger.height == 1
        # Block sync brings the lagging node to height 2; its runtime restarts there.
        source = others[0].ledger
        payload, certificate = source.store.get_block(2), source.certificate(2)
        assert payload is not None
        assert certificate is not None
        await lagging.run_in_worker(
            lambda: lagging.ledger.commit_certified(payload, certificate, check_certificate=True)
        )
        lagging.ledger_advanced(1)
        router.cut.clear()
        give_work(lagging, account_open(2, "after-sync"))
        await until(lambda: heights(runtimes) == [3, 3, 3], "height 3 everywhere")
        alive(runtimes)
        assert all_equal_heads(runtimes)

    run_network(tmp_path, scenario)


@pytest.mark.parametrize("has_signer_state", [True, False])
def test_a_node_without_signer_state_does_not_sign_at_first(
    tmp_path: Path, has_signer_state: bool
) -> None:
    # DESIGN.md §4: with its signer-state file missing, a validator syncs first and signs
    # nothing until it has seen a commit above the height its peers reported.
    async def main() -> None:
        clock, router = FakeClock(), Router()
        runtime = make_runtime(
            tmp_path / "n", VALIDATOR_KEYS[1], clock, router, signer_state=has_signer_state
        )
        router.runtimes[runtime.key.public_key] = runtime
        try:
            await runtime.start(highest_reported_height=0)
            await asyncio.sleep((TIMEOUTS.propose_base_ms + 200) / 1000)
            alive([runtime])
            assert runtime.replica is not None
            assert runtime.replica.sign_from_height == (0 if has_signer_state else 2)
            kinds = {body.get("kind", kind.value) for _, _, kind, body in router.sent}
            assert bool(kinds & {"vote", "proposal"}) == has_signer_state
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    asyncio.run(main())


@pytest.mark.parametrize("holders", ["all", "proposer"])
def test_a_proposal_goes_compact_and_a_follower_lacking_a_tx_asks_for_the_block(
    tmp_path: Path, holders: str
) -> None:
    """ADR 0036: the proposer broadcasts its proposal compact; followers holding every tx
    rebuild it, and one lacking a tx asks the proposer, who sends the whole proposal."""

    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        proposer = proposer_of(runtimes, 2)
        tx = account_open(1)
        for runtime in runtimes if holders == "all" else [proposer]:
            runtime.mempool.add(tx, tx.tx_id, len(tx.canonical_bytes()))
        sent_before = len(router.sent)
        proposer.work_arrived()
        await until(lambda: heights(runtimes) == [2, 2, 2], "height 2 everywhere")
        alive(runtimes)
        blocks = [runtime.ledger.block(2) for runtime in runtimes]
        assert all(block is not None and block.txs == (tx,) for block in blocks)
        sent = router.sent[sent_before:]
        me = proposer.key.public_key
        compact = [s for s in sent if s[0] == me and s[2] is PeerKind.PROPOSAL]
        asked = [
            s for s in sent if s[2] is PeerKind.CONSENSUS and s[3].get("kind") == "block_request"
        ]
        whole = [s for s in sent if s[0] == me and s[3].get("kind") == "proposal"]
        # One broadcast per round proposed in: a loaded box can end round 0 before the
        # followers' asks are answered, and the proposer's next round proposes again.
        rounds = [CompactProposal.from_json(s[3]).signed.proposal.round for s in compact]
        assert rounds and len(set(rounds)) == len(rounds), rounds
        assert all(s[1] is None for s in compact)
        if holders == "all":
            assert (asked, whole) == ([], [])
        else:
            assert {s[0] for s in asked} == {r.key.public_key for r in runtimes} - {me}
            assert {s[1] for s in whole} == {s[0] for s in asked}

    run_network(tmp_path, scenario)


def test_every_validator_writes_the_blocks_payload_ahead_of_its_lock(tmp_path: Path) -> None:
    """The proposer after proposing, each follower after prevoting: by the lock the
    payload is on disk (node/signer_file.py prewrite_payload)."""

    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        give_work(proposer_of(runtimes, 2), account_open(1))
        await until(lambda: heights(runtimes) == [2, 2, 2], "height 2 everywhere")
        block = runtimes[0].ledger.block(2)
        assert block is not None
        block_hash = block.header.block_hash()

        def written_ahead() -> bool:
            return all(block_hash in r.signer_file._prewritten for r in runtimes)

        await until(written_ahead, "the payload written ahead everywhere")

    run_network(tmp_path, scenario)
