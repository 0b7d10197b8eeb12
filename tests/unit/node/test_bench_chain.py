"""The pure parts of the chain-scale bench (scripts/bench_chain.py, node/bench_chain.py):
its arguments, its report from given measurements, and its forge at a tiny size, whose
chain must audit clean with replay. The bench itself is never run here (speed is measured,
not tested)."""

from dataclasses import replace
from pathlib import Path

import pytest

from client.audit.chain_audit import ChainAudit
from client.audit.fetch import served_block
from genesis.example.chain_forge import make_genesis
from genesis.example.parties import party_key
from node.bench import SENDERS, TxFactory
from node.bench_chain import (
    AuditRun,
    CatchUp,
    ChainBenchResult,
    Latency,
    argument_parser,
    forge_chain,
)
from node.config import BLOCK_TXS_DEFAULT
from node.ledger import Ledger
from node.storage.leveldb import LevelDbStore
from protocol.block import BLOCK_TXS_MAX
from protocol.encoding import decode


def test_arguments_default_to_a_million_txs_in_the_validators_block_size() -> None:
    args = argument_parser().parse_args([])
    assert (args.txs, args.tx_per_block, args.proofs) == (1_000_000, BLOCK_TXS_DEFAULT, 200)
    assert args.audit and args.catchup and args.profile is None and not args.json
    args = argument_parser().parse_args(
        ["--txs", "10000", "--tx-per-block", "500", "--no-audit", "--no-catchup", "--json"]
    )
    assert (args.txs, args.tx_per_block, args.audit, args.catchup, args.json) == (
        10_000,
        500,
        False,
        False,
        True,
    )


@pytest.mark.parametrize(
    "argv", [["--tx-per-block", "0"], ["--tx-per-block", str(BLOCK_TXS_MAX + 1)], ["--txs", "-1"]]
)
def test_arguments_refuse_impossible_sizes(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        argument_parser().parse_args(argv)


def result(
    *, audit_s: float = 100.0, catchup_s: float = 50.0, rss: float = 250.0
) -> ChainBenchResult:
    return ChainBenchResult(
        txs=100_000,
        blocks=400,
        tx_per_block=250,
        forge_s=200.0,
        leveldb_mib=160.0,
        start_s=8.0,
        rss_after_start_mib={"a": 120.0, "b": 121.0},
        rss_after_proofs_mib={"a": rss, "b": 130.0},
        proofs={"state": Latency.of([float(ms) for ms in range(1, 101)])},
        audit=AuditRun(seconds=audit_s, cpu_s=audit_s / 2),
        catchup=CatchUp(seconds=catchup_s, blocks=400, txs=100_000, rss_mib=140.0, cpu_s=25.0),
        verify_per_s_one_core=10_000.0,
        verify_per_s_all_cores=20_000.0,
        verify_per_cpu_s=12_500.0,
        cores=2,
        load_average=(1.5, 2.5),
    )


def test_the_report_derives_rates_and_their_ratios_to_the_bound() -> None:
    figures = result().figures()
    assert figures["audit_replay_tx_per_s"] == 1_000  # 100,000 txs in 100 s
    assert figures["audit_replay_ratio_to_bound"] == 0.05  # of 20,000 verify/s
    assert figures["audit_replay_tx_per_cpu_s"] == 2_000
    assert figures["audit_replay_ratio_per_cpu_s"] == 0.16  # 2,000 / 12,500
    assert figures["audit_replay_ratio_to_bound_per_cpu_s"] == 0.08  # ... / 2 cores
    assert figures["catchup_tx_per_s"] == 2_000
    assert figures["catchup_blocks_per_s"] == 8.0
    assert figures["catchup_ratio_to_bound"] == 0.1
    assert figures["catchup_tx_per_cpu_s"] == 4_000
    assert figures["catchup_ratio_per_cpu_s"] == 0.32
    assert figures["rss_max_mib"] == 250.0
    assert Latency.of([float(ms) for ms in range(1, 101)]) == Latency(
        p50_ms=50.5, p99_ms=100.0, samples=100
    )


def test_the_report_names_each_target_met_or_missed() -> None:
    slow = result()
    assert [met for _, _, _, met in slow.targets()] == [False, False, True]
    assert "target MISSED audit --replay: 1,000 tx/s, ratio 0.050" in slow.table()
    assert "target met    node RSS holding 100,000 txs (max): 250 MiB" in slow.table()
    fast = result(audit_s=5.0, catchup_s=10.0, rss=290.0)  # 20,000 tx/s is ratio 1.0
    assert [met for _, _, _, met in fast.targets()] == [True, True, False]  # 290 MiB > 300 MB
    assert fast.to_json()["targets"] == [
        {"measure": m, "value": v, "target": t, "met": met} for m, v, t, met in fast.targets()
    ]


def test_the_report_leaves_out_what_was_not_run() -> None:
    partial = replace(result(), audit=None, catchup=None)
    assert [measure for measure, _, _, _ in partial.targets()] == [
        "node RSS holding 100,000 txs (max)"
    ]
    assert "audit --replay" not in partial.table() and "catch-up" not in partial.table()
    assert "catchup_tx_per_s" not in partial.to_json()


def test_a_tiny_forged_chain_is_in_the_store_and_audits_clean_with_replay(tmp_path: Path) -> None:
    genesis = make_genesis()
    factory = TxFactory(genesis.chain_id, {name: party_key(name) for name in SENDERS})
    validators = [party_key(name) for name in SENDERS]
    with LevelDbStore.open(tmp_path / "data") as store:
        forged = forge_chain(
            Ledger(store, genesis), validators, factory, txs=7, tx_per_block=3, samples=3
        )
        assert (forged.height, forged.txs) == (3, 7)  # blocks of 3, 3 and 1
        assert [store.find_tx(tx_id) is not None for tx_id in forged.tx_ids] == [True] * 3
        assert [store.state.get(key) is not None for key in forged.state_keys] == [True] * 3
        audit = ChainAudit(genesis, replay=True)
        for height in range(1, forged.height + 1):
            certificate = store.get_certificate(height)
            block = store.get_block(height)
            assert block is not None and certificate is not None
            answer = {
                "block": decode(block),
                "certificate": decode(certificate),
                "results": [decode(result) for result in store.get_results(height)],
            }
            audit.add_height([served_block("forged", answer)])
    report = audit.report()
    assert report.clean, [finding.summary() for finding in report.findings]
    assert (report.height, report.replayed, report.replay_stopped_at) == (3, True, None)
