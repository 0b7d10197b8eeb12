"""A block LevelDB refuses to write (a full disk): nothing applied, the node told, no retry trap.

The refusal is real: RLIMIT_FSIZE caps how far this process may grow a file (with SIGXFSZ
ignored, the write fails with EFBIG), so LevelDB's log append fails the way it does on a
full disk. tests/chaos (full disk) shows the whole node: it stops and, restarted with room,
catches up.
"""

import resource
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from node.ledger import Ledger
from node.storage import LevelDbStore
from node.storage.errors import StoreWriteError
from tests.unit.node.chain_kit import (
    GENESIS,
    VALIDATOR_KEYS,
    account_open,
    build_and_commit,
    certify,
    next_time,
    open_ledger,
)


@contextmanager
def file_size_limit(directory: Path) -> Iterator[None]:
    """No file of this process may grow past the largest file in directory now + 16 bytes."""
    largest = max(path.stat().st_size for path in directory.iterdir() if path.is_file())
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (largest + 16, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_refused_block_is_not_applied_and_the_node_is_told(tmp_path: Path) -> None:
    failures: list[StoreWriteError] = []
    ledger = Ledger(LevelDbStore.open(tmp_path / "data"), GENESIS, on_write_failure=failures.append)
    build_and_commit(ledger, (account_open(1),))
    head = ledger.head()
    txs = tuple(account_open(nonce) for nonce in range(2, 12))
    proposer = VALIDATOR_KEYS[0].public_key
    prepared = ledger.build(txs=txs, evidence=(), time_ms=next_time(ledger), proposer=proposer)
    with file_size_limit(tmp_path / "data"), pytest.raises(StoreWriteError):
        ledger.commit(prepared, certify(prepared))
    assert len(failures) == 1 and "block 2 not written" in str(failures[0])
    # LevelDB's words, not plyvel's bytes repr (`b'IO error: ...'`: stop 56's chaos pass).
    assert ": IO error: " in str(failures[0]) and "b'" not in str(failures[0]), failures
    # No retry can find the half-used proposal; the committed head did not move.
    assert ledger.prepared(prepared.block_hash) is None
    assert ledger.height == 1 and ledger.head() == head
    ledger.store.close()

    # Restarted with room: the store holds block 1 whole, and block 2 commits.
    reopened = open_ledger(tmp_path / "data")
    try:
        assert reopened.height == 1 and reopened.head() == head
        again = build_and_commit(reopened, txs)
        assert reopened.height == 2
        assert again.block.header.prev_hash == head.block_hash()
    finally:
        reopened.store.close()
