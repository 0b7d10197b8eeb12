"""A commit is all-or-nothing: processes killed with SIGKILL around and during commits.

Each block writes thousands of keys (results, tx index, state, SMT and log nodes, head), so
a kill at a random moment often lands while LevelDB writes a batch; after reopening, every
block is either wholly there or wholly absent, and the roots match an in-memory replay.
"""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from node.storage import LevelDbStore
from tests.unit.node.storage import chain

ROOT = Path(__file__).resolve().parents[4]
WIDTH = 3000


def worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.unit.node.storage.chain", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_block_present(store: LevelDbStore, height: int, width: int) -> None:
    assert store.get_block(height) == chain.header_bytes(height)
    assert len(store.get_results(height)) == width
    for index, tx_id in enumerate(chain.tx_ids(height, width)):
        location = store.find_tx(tx_id)
        assert location is not None and (location.height, location.index) == (height, index)


def assert_block_absent(store: LevelDbStore, height: int, width: int) -> None:
    assert store.get_block(height) is None
    assert store.get_certificate(height) is None
    assert store.get_results(height) == ()
    assert all(store.find_tx(tx_id) is None for tx_id in chain.tx_ids(height, width))
    assert store.log.get_node(0, height) is None
    assert store.smt.get_root(height) is None


def assert_consistent(store: LevelDbStore, width: int) -> int:
    """Check every block up to the head is whole and nothing above it exists; return head."""
    head = store.head_height()
    assert head is not None
    for height in range(head + 1):
        assert_block_present(store, height, width)
    assert_block_absent(store, head + 1, width)
    assert store.log.get_size() == head + 1
    assert store.smt.latest_version() == head
    assert chain.stored_roots(store) == chain.memory_roots(head + 1, width)
    return head


def test_kill_between_building_and_committing_leaves_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "db"
    with worker("crash-before-commit", str(directory), "3") as process:
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, stderr
    assert stdout.startswith("built ")
    with LevelDbStore.open(directory) as store:
        assert store.head_height() == 2
        assert_block_absent(store, 3, 10)
        assert chain.stored_roots(store) == chain.memory_roots(3)
        expected_state = chain.memory_state(3)
        for index in range(chain.ACCOUNT_COUNT):
            key = f"account/{index}"
            assert store.state.get(key) == expected_state.get(key)


def test_kill_at_random_moments_leaves_whole_blocks_only(tmp_path: Path) -> None:
    directory = tmp_path / "db"
    rng = random.Random(20240611)
    reported_head = -1
    for _ in range(3):
        with worker("commit-forever", str(directory), str(WIDTH)) as process:
            assert process.stdout is not None
            for _ in range(2):
                reported_head = int(process.stdout.readline())
            time.sleep(rng.uniform(0, 0.05))
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
        with LevelDbStore.open(directory) as store:
            # A block reported committed was synced before the report: it must survive.
            assert assert_consistent(store, WIDTH) >= reported_head


def test_a_checkpoint_note_survives_a_killed_process(tmp_path: Path) -> None:
    directory = tmp_path / "db"
    with worker("note-then-die", str(directory)) as process:
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with LevelDbStore.open(directory) as store:
        assert store.get_checkpoint_note(1) == (1, b"note of size 1")
