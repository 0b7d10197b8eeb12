"""Replay determinism: the same blocks on a fresh state give identical writes and results,
in this process and in subprocesses with different PYTHONHASHSEED."""

import os
import subprocess
import sys
from pathlib import Path

from contracts import BlockContext, MemoryState, apply_block
from genesis.example.parties import BLOCK_INTERVAL_MS, CHAIN_ID, GENESIS_TIME_MS
from protocol.encoding import encode
from protocol.hashing import sha256
from tests.vectors.contracts.network import TestChain, run_xiangshan_case

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
from tests.unit.contracts.test_replay import replay_digest
print(replay_digest())
"""


def recorded_chain() -> TestChain:
    chain = TestChain.create()
    run_xiangshan_case(chain)
    return chain


def replay(chain: TestChain) -> tuple[MemoryState, list[bytes]]:
    """Re-execute chain.log from the genesis state; returns the state and the result bytes."""
    state, results = TestChain.create().state, []
    for height, txs in enumerate(chain.log, start=1):
        time_ms = GENESIS_TIME_MS + height * BLOCK_INTERVAL_MS
        ctx = BlockContext(chain_id=CHAIN_ID, height=height, time_ms=time_ms)
        writes, block_results = apply_block(state, ctx, txs)
        state.apply(writes)
        results += [r.canonical_bytes() for r in block_results]
    return state, results


def replay_digest() -> str:
    state, results = replay(recorded_chain())
    pairs = [[key, value.hex()] for key, value in state.items()]
    return sha256(encode([pairs, [r.hex() for r in results]])).hex()


def test_replay_reproduces_state_and_results() -> None:
    chain = recorded_chain()
    state, _ = replay(chain)
    assert state.items() == chain.state.items()


def test_replay_is_identical_across_hash_seeds() -> None:
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, check=True
        )
        digests.add(done.stdout.decode().strip())
    assert digests == {replay_digest()}
