"""node/clock_watch.py: a validator whose clock is behind the others' says so in /readyz's
warnings (and `net status`), though it is ready. Stop 56's chaos pass: five minutes behind,
every status said ready while the node refused every other validator's proposal as ahead."""

from dataclasses import replace
from pathlib import Path

import pytest

from consensus import ValidateProposal
from node.clock_watch import PROPOSALS_WATCHED, ClockWatch
from node.runtime import NodeRuntime
from tests.unit.node.chain_kit import open_ledger
from tests.unit.node.runtime_kit import START_MS, FakeClock, queued, run_single, until


def test_every_watched_proposal_ahead_is_a_warning_with_the_typical_lag() -> None:
    watch = ClockWatch(drift_ms=2_000)
    for ahead_ms in (298_000, 300_000, 301_000, 299_000):
        watch.saw(ahead_ms)
        assert watch.warning() is None  # fewer than PROPOSALS_WATCHED yet
    watch.saw(300_500)
    warning = watch.warning()
    assert warning is not None
    assert warning.startswith(
        f"clock: the last {PROPOSALS_WATCHED} proposals of other validators were ~300 s "
        "further ahead of this node's clock than max_clock_drift_ms (2000 ms) allows"
    )
    assert "check its time sync" in warning
    watch.saw(0)  # one proposal in time: one proposer's clock may be fast, not this one
    assert watch.warning() is None


@pytest.mark.parametrize("ahead_ms", [2_300, 300_000], ids=["ahead 2.3 s", "ahead 5 min"])
def test_proposals_validated_here_are_watched_once_each(tmp_path: Path, ahead_ms: int) -> None:
    """Through the runtime's _validate: a proposal refused as too far ahead counts as ahead,
    and one validated again once the clock caught up (ADR 0040) counts once, as ahead, not
    also as in time at its second look."""

    async def body(runtime: NodeRuntime) -> None:
        runtime._restart_replica_sync(None, 0)
        queued(runtime)
        replica = runtime.replica
        assert replica is not None
        other = open_ledger(runtime.ledger.store.directory.parent / "proposer")
        try:
            built = [
                other.build(
                    txs=(),
                    evidence=(),
                    time_ms=START_MS + ahead_ms + number,
                    proposer=replica.validators.proposer(1, number).public_key,
                )
                for number in range(PROPOSALS_WATCHED)
            ]
        finally:
            other.store.close()
        runtime.replica = replace(replica, blocks={b.block_hash: b.payload for b in built})
        for number, block in enumerate(built):
            action = ValidateProposal(
                height=1, round=number, block_hash=block.block_hash, payload=block.payload
            )
            await runtime._validate(action)
        watch = runtime.blocks.clock_watch
        if ahead_ms > 60_000:  # refused at once: each one a warning's worth
            warning = watch.warning()
            assert warning is not None and "~298 s further ahead" in warning, warning
            return
        warning = watch.warning()  # every one waits for this clock: behind by 2.3 s
        assert warning is not None and "~0.3 s further ahead" in warning, warning
        clock = runtime.clock
        assert isinstance(clock, FakeClock)
        clock.now += 1_000
        await until(lambda: runtime._queue.qsize() >= len(built), "the validations due later")
        for item in queued(runtime):
            await runtime._process(item)
        # Each counted once, ahead: none again, in time, at its second look.
        assert list(watch._ahead_ms) == [300 + n for n in range(PROPOSALS_WATCHED)]
        assert watch.warning() == warning

    run_single(tmp_path, body)
