"""Signing health, round timing and commit latency, read off three real runtimes (q=2 < n=3).

With q < n a certificate may leave out an honest validator whose precommit came after the
quorum: that must count as not_needed, never as missing; a validator cut off from the
others must count as missing. Every settled height gives each validator exactly one outcome.
"""

import asyncio
from pathlib import Path

from node.metrics.registry import NodeMetrics
from node.runtime import NodeRuntime
from protocol.tx import SignedTx
from tests.unit.node.chain_kit import VALIDATOR_NAMES, account_open
from tests.unit.node.runtime_kit import FakeClock, Router, alive, heights, run_network, until

OUTCOMES = ("in_certificate", "not_needed", "late", "other", "missing")


def value(metrics: NodeMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def outcomes(runtime: NodeRuntime, validator: str) -> dict[str, float]:
    return {
        outcome: value(
            runtime.metrics,
            "lantan_validator_precommits_total",
            validator=validator,
            outcome=outcome,
        )
        for outcome in OUTCOMES
    }


def give_all(runtimes: list[NodeRuntime], signed: SignedTx) -> None:
    for runtime in runtimes:
        runtime.mempool.add(signed, signed.tx_id, len(signed.canonical_bytes()))
        runtime.metrics.txs_seen([signed.tx_id])
        runtime.work_arrived()


async def commit_heights(runtimes: list[NodeRuntime], first_nonce: int, count: int) -> None:
    for nonce in range(first_nonce, first_nonce + count):
        target = runtimes[0].ledger.height + 1
        give_all(runtimes, account_open(nonce, f"metrics-{nonce}"))
        await until(lambda t=target: min(heights(runtimes)) >= t, f"height {target}")  # type: ignore[misc]


def absent_from_certificates(runtime: NodeRuntime, validator: str, last: int) -> int:
    """Heights 2..last (settled ones) whose stored certificate lacks the validator."""
    key = next(
        v.public_key for v in runtime.ledger.validators_of_head().validators if v.name == validator
    )
    count = 0
    for height in range(2, last + 1):
        certificate = runtime.ledger.certificate(height)
        assert certificate is not None
        count += key not in {s.validator for s in certificate.signatures}
    return count


def test_signing_health_separates_not_needed_from_missing(tmp_path: Path) -> None:
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        await commit_heights(runtimes, 1, 6)  # heights 2..7; 2..6 are settled
        await asyncio.sleep(0.1)
        alive(runtimes)
        for runtime in runtimes:
            settled = runtime.ledger.height - 1
            for name in VALIDATOR_NAMES:
                seen = outcomes(runtime, name)
                heights_total = value(
                    runtime.metrics, "lantan_validator_heights_total", validator=name
                )
                assert sum(seen.values()) == heights_total, (name, seen)
                # Heights decided here from live votes: 2..settled (height 1 started the
                # replica, it is counted too when decided here).
                assert heights_total >= settled - 1
                assert seen["missing"] == 0, (runtime.key, name, seen)
                assert seen["other"] == 0
        # A certificate carries only the quorum's precommits: some healthy validator is
        # left out of some certificate, and that never reads as missing.
        absent = sum(
            absent_from_certificates(runtime, name, runtime.ledger.height - 1)
            for runtime in runtimes
            for name in VALIDATOR_NAMES
        )
        assert absent > 0
        # Each node cast a precommit at every height it was in the set.
        for runtime in runtimes:
            in_set = value(runtime.metrics, "lantan_signer_heights_in_set_total")
            signed = value(runtime.metrics, "lantan_signer_heights_precommitted_total")
            assert in_set >= 6 and signed == in_set
            assert (
                value(runtime.metrics, "lantan_consensus_signatures_total", step="precommit")
                >= in_set
            )

        # Cut one validator off: the other two (q = 2) go on and see it missing.
        cut = runtimes[2]
        router.cut.add(cut.key.public_key)
        others = runtimes[:2]
        before = outcomes(others[0], VALIDATOR_NAMES[2])
        for nonce in range(7, 12):
            target = others[0].ledger.height + 1
            give_all(others, account_open(nonce, f"metrics-{nonce}"))
            await until(lambda t=target: min(heights(others)) >= t, f"height {target} of two")  # type: ignore[misc]
        after = outcomes(others[0], VALIDATOR_NAMES[2])
        assert after["missing"] - before["missing"] >= 3, (before, after)
        # Only the two heights decided before the cut (settled after it) may still hold it.
        assert after["in_certificate"] - before["in_certificate"] <= 2
        router.cut.clear()

    run_network(tmp_path, scenario)


def test_commit_latency_counts_every_committed_tx_and_rounds_are_timed(tmp_path: Path) -> None:
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        await commit_heights(runtimes, 1, 3)
        alive(runtimes)
        for runtime in runtimes:
            metrics = runtime.metrics
            txs = sum(
                len(block.txs)
                for h in range(runtime.ledger.height + 1)
                if (block := runtime.ledger.block(h))
            )
            assert txs == 3
            assert value(metrics, "lantan_tx_commit_latency_seconds_count") == txs
            committed = value(metrics, "lantan_blocks_committed_total", path="consensus")
            assert committed == runtime.ledger.height
            decided = value(
                metrics, "lantan_consensus_round_duration_seconds_count", outcome="decided"
            )
            assert decided == committed
            assert value(metrics, "lantan_consensus_height_rounds_count") == committed
            assert (
                value(metrics, "lantan_block_validation_duration_seconds_count", outcome="valid")
                >= 1
            )

    run_network(tmp_path, scenario)
