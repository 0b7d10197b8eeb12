"""node/sync.py and node/sync_ahead.py: signatures are verified ahead of execution, only
for certified blocks, at most VERIFY_AHEAD_BLOCKS ahead, far behind in a process of their
own (the thread ahead when it cannot run), and never for an empty block."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from contracts.validator_sets import current_validator_set
from node import sync_catch_up
from node.ledger import Ledger
from node.storage.leveldb import LevelDbStore
from node.sync_ahead import SignaturesAhead
from node.sync_blocks import FetchedBlock, parse_if_certified
from node.sync_catch_up import VERIFY_AHEAD_BLOCKS
from protocol.encoding import decode, decode_unchecked, encode
from protocol.hashing import TAG_TX
from protocol.signature_cache import SignatureCache
from protocol.signing import verify_signature
from tests.chaos.cluster import faketime_library
from tests.unit.node.chain_kit import (
    GENESIS,
    account_open,
    build_and_commit,
)
from tests.unit.node.sync_kit import (
    PEER,
    LedgerAt,
    catch_up_from,
    certified_chain,
    one_signature_certificate,
    serve_blocks,
)


def test_signatures_are_verified_at_most_two_blocks_ahead_of_execution(
    ledger_at: LedgerAt, tmp_path: Path
) -> None:
    """So the cache (60,000 entries) still holds them when execution asks, even for blocks of
    BLOCK_TXS_MAX txs in a range of 16."""
    source = ledger_at("source")
    blocks = certified_chain(source, 6)
    block_of = {
        tx.tx.signing_bytes(): height
        for height in blocks
        for tx in (source.block(height) or pytest.fail("no block")).txs
    }
    cache = SignatureCache(lock=threading.Lock())
    gaps: list[int] = []

    def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
        if message in block_of:  # a tx signature: how far ahead of the executing block
            gaps.append(block_of[message] - (behind.height + 1))
        return cache.verify(public_key, message, signature)

    behind = Ledger(LevelDbStore.open(tmp_path / "cached"), GENESIS, verify=verify)
    try:
        assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 6)}) == 6
    finally:
        behind.store.close()
    assert len(gaps) == 2 * 12  # each of the 12 verified ahead, then found by execution
    assert max(gaps) == VERIFY_AHEAD_BLOCKS == 2
    assert cache.hits == 12


def test_no_tx_signature_is_verified_ahead_for_a_block_nobody_certified(
    ledger_at: LedgerAt,
) -> None:
    """A peer cannot make this node spend Ed25519 on txs before they are authenticated:
    ahead of execution, only a block whose header the current set certified, with the txs
    its tx_root names, is parsed (and only a parsed block has its signatures verified)."""
    source = ledger_at("source")
    blocks = certified_chain(source, 1)
    payload, certificate = blocks[1]
    validators = current_validator_set(source.store.state)
    asked: list[bytes] = []

    def verify(key: bytes, message: bytes, signature: bytes) -> bool:
        asked.append(message)
        return verify_signature(key, message, signature)

    def tx_signatures_asked() -> list[bytes]:
        return [m for m in asked if m.startswith(TAG_TX)]

    weak = FetchedBlock(payload, one_signature_certificate(source, 1))
    assert parse_if_certified(verify, source.chain_id, validators, weak) is None
    # txs that are not the ones the header names are not even read for signatures
    forged = decode(payload)
    assert isinstance(forged, dict) and isinstance(forged["txs"], list)
    forged["txs"] = forged["txs"][:1]
    cut = FetchedBlock(encode(forged), certificate)
    assert parse_if_certified(verify, source.chain_id, validators, cut) is None
    # nor the txs of a second, uncertified header after them (the parse keeps the last
    # "header" of the payload, its header slice the first): the payload is parsed without
    # a canonical check, so the parsed header itself must be the certified one
    other = build_and_commit(ledger_at("other"), (account_open(1, "account-other"),)).payload
    start = other.index(b',"header":{')
    end = other.index(b'},"txs":[') + 1
    twice = payload[: payload.index(b',"txs":[')] + other[end:-1] + other[start:end] + b"}"
    assert (decode_unchecked(twice) or {})["header"] == decode(other)["header"]  # type: ignore[index, call-overload]
    doubled = FetchedBlock(twice, certificate)
    assert parse_if_certified(verify, source.chain_id, validators, doubled) is None
    sound = FetchedBlock(payload, certificate)
    parsed = parse_if_certified(verify, source.chain_id, validators, sound)
    assert parsed is not None and parsed.block.canonical_bytes() == payload
    assert not tx_signatures_asked()  # only the certificates' signatures were checked


def far_behind_after_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """A catch-up of 3 or more blocks is far behind once its first block committed (2 or
    more left > 1)."""
    monkeypatch.setattr(sync_catch_up, "FAR_BEHIND_BLOCKS", 1)
    monkeypatch.setattr(sync_catch_up, "FAR_PROOF_BLOCKS", 1)


class Inline(Executor):
    """SignaturesAhead's pool run in the caller (pickling and a spawned interpreter are the
    process's own business); notes how many triples each job had, and its end. starting:
    the worker never gets going (its warm-up job stays pending)."""

    def __init__(self, *, starting: bool = False) -> None:
        self.jobs: list[int] = []
        self.ended = False
        self.starting = starting

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.jobs.append(len(args[0]))
        future: Future[Any] = Future()
        if not self.starting:
            future.set_result(fn(*args, **kwargs))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.ended = True


def test_far_behind_the_signatures_are_verified_in_the_process_and_found_there(
    ledger_at: LedgerAt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catch-up far behind (proven by its first block committing, FAR_PROOF_BLOCKS = 1
    here) hands the tx signatures of each certified block it starts after that (block 4
    on: blocks 2 and 3 were started with block 1, VERIFY_AHEAD_BLOCKS) to the verifying
    process (node/sync_ahead.py) and keeps what it found valid in the ledger's cache, where
    execution finds every one of them; no thread of the node verifies those. The process
    ends with the catch-up."""
    far_behind_after_one_block(monkeypatch)
    blocks = certified_chain(ledger_at("source"), 6)
    verified_here: list[bytes] = []

    def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
        verified_here.append(message)
        return verify_signature(public_key, message, signature)

    cache = SignatureCache(lock=threading.Lock(), verify=verify)
    pools: list[Inline] = []

    def make_pool() -> Inline:
        pools.append(Inline())
        return pools[-1]

    behind = Ledger(LevelDbStore.open(tmp_path / "cached"), GENESIS, verify=cache.verify)
    try:
        ahead = SignaturesAhead(cache.remember, make_pool)
        assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 6)}, ahead) == 6
        assert behind.height == 6
    finally:
        behind.store.close()
    assert [pool.jobs for pool in pools] == [[0, 2, 2, 2]]  # warmed, then blocks 4-6's txs
    assert len([m for m in verified_here if m.startswith(TAG_TX)]) == 6  # blocks 1-3's
    assert cache.hits == 12
    assert pools[0].ended and not ahead.broken


def test_not_far_behind_no_process_is_started(ledger_at: LedgerAt) -> None:
    blocks = certified_chain(ledger_at("source"), 3)
    made: list[Inline] = []

    def make_pool() -> Inline:
        made.append(Inline())
        return made[-1]

    ahead = SignaturesAhead(lambda entries: None, make_pool)
    assert catch_up_from(ledger_at("behind"), {PEER: (serve_blocks(blocks), 3)}, ahead) == 3
    assert made == []


class Broken(ThreadPoolExecutor):
    """A pool whose process died: every job fails as ProcessPoolExecutor's then do."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        failed: Future[Any] = Future()
        failed.set_exception(BrokenProcessPool("the worker died"))
        return failed


@pytest.mark.parametrize("pool", ["broken", "starting"])
def test_without_a_running_process_the_thread_ahead_verifies(
    ledger_at: LedgerAt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool: str
) -> None:
    """If the verifying process dies (or cannot start), and while it has not started yet
    (a spawned interpreter takes 1-2 s), the catch-up does not wait for it: the thread
    ahead verifies the signatures into the cache, as without a process."""
    far_behind_after_one_block(monkeypatch)
    blocks = certified_chain(ledger_at("source"), 6)
    cache = SignatureCache(lock=threading.Lock())
    behind = Ledger(LevelDbStore.open(tmp_path / "cached"), GENESIS, verify=cache.verify)
    starting = Inline(starting=True)
    try:
        ahead = SignaturesAhead(cache.remember, Broken if pool == "broken" else lambda: starting)
        assert catch_up_from(behind, {PEER: (serve_blocks(blocks), 6)}, ahead) == 6
    finally:
        behind.store.close()
    assert ahead.broken == (pool == "broken")
    assert starting.jobs == ([0] if pool == "starting" else [])  # the warm-up alone
    assert cache.hits == 12  # verified by the thread ahead, found by execution


def test_an_empty_block_is_handed_to_no_verifier(
    ledger_at: LedgerAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing to verify in a block without txs (most of a chain at rest): no trip to the
    verifying process or the thread ahead before it commits."""
    far_behind_after_one_block(monkeypatch)
    source = ledger_at("source")
    build_and_commit(source, (account_open(1),))
    build_and_commit(source)
    build_and_commit(source)
    blocks = {}
    for height in (1, 2, 3):
        certificate = source.certificate(height)
        payload = source.store.get_block(height)
        assert certificate is not None and payload is not None
        blocks[height] = (payload, certificate)
    pool = Inline()
    ahead = SignaturesAhead(lambda entries: None, lambda: pool)
    handed: list[int] = []
    monkeypatch.setattr(sync_catch_up, "verify_signatures", lambda verify, t: handed.append(len(t)))
    assert catch_up_from(ledger_at("behind"), {PEER: (serve_blocks(blocks), 3)}, ahead) == 3
    assert pool.jobs == [0]  # the warm-up (after block 1, far then), blocks 2 and 3 empty
    assert handed == [1]  # block 1's one signature, on the thread ahead before far


KILLED_WITH_ITS_WORKER = """
import os, signal
from multiprocessing import resource_tracker
from node.sync_ahead import spawned_pool
from protocol.signature_cache import verified_entries
if __name__ == "__main__":
    pool = spawned_pool()
    pool.submit(verified_entries, []).result()
    print(resource_tracker._resource_tracker._pid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_node_killed_while_its_worker_runs_leaves_nothing_on_its_stderr(
    tmp_path: Path,
) -> None:
    """The resource tracker (another process, on the node's stderr: node.log) warned of the
    pool's leaked semaphores in two plain-text lines after the node's JSON ones (stop 52,
    seen in the nodes the catch-up tests kill)."""
    script = tmp_path / "killed.py"
    script.write_text(KILLED_WITH_ITS_WORKER)
    stderr = tmp_path / "stderr"
    with stderr.open("wb") as sink:
        completed = subprocess.run(
            [sys.executable, str(script)],
            check=False,
            stdout=subprocess.PIPE,
            stderr=sink,
            timeout=120,
        )
    assert completed.returncode == -signal.SIGKILL
    tracker = Path("/proc") / completed.stdout.decode().strip()
    # The tracker writes once it sees the node gone, then ends.
    deadline = time.monotonic() + 60
    while tracker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tracker.exists()
    assert stderr.read_text() == ""


WORKER_OF_A_KILLED_NODE = """
import os, signal, sys
from pathlib import Path
from node.sync_ahead import spawned_pool
if __name__ == "__main__":
    pool = spawned_pool()
    Path(sys.argv[1]).write_text(str(pool.submit(os.getpid).result()))
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_worker_of_a_node_killed_under_libfaketime_ends(tmp_path: Path) -> None:
    """The worker inherits the node's LD_PRELOAD (the chaos tier's clock skew), under which
    Python's time.sleep fails with EINVAL: its watch of the node died at its first pause
    (a traceback on node.log), and a worker whose node was killed stayed for good (found at
    stop 53 looking for time.sleep on the node's paths)."""
    library = faketime_library()
    if library is None:
        pytest.skip("needs libfaketime (apt-get install faketime)")
    script, pid_file = tmp_path / "killed.py", tmp_path / "worker.pid"
    script.write_text(WORKER_OF_A_KILLED_NODE)
    faked = {"LD_PRELOAD": str(library), "FAKETIME": "-3600", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    completed = subprocess.run(
        [sys.executable, str(script), str(pid_file)],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **faked},
        timeout=120,
    )
    assert completed.returncode == -signal.SIGKILL
    worker = int(pid_file.read_text())
    deadline = time.monotonic() + 30  # it looks every PARENT_POLL_S (0.5 s)
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    ended = not Path(f"/proc/{worker}").exists()
    if not ended:
        os.kill(worker, signal.SIGKILL)
    assert ended
