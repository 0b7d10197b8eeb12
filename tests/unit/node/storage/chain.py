"""A deterministic toy chain for the storage tests, and a worker the tests run in subprocesses.

Each block h writes a few state records (and deletes one), appends one header to the
history log and records its block, certificate, results and tx index. The same sequence
runs on the in-memory stores of protocol/ and on LevelDB, so their roots must agree.

    python -m tests.unit.node.storage.chain build DIR COUNT     commit COUNT blocks, print roots
    python -m tests.unit.node.storage.chain roots DIR           print the stored roots
    python -m tests.unit.node.storage.chain crash-before-commit DIR COUNT
    python -m tests.unit.node.storage.chain commit-forever DIR WIDTH   from head+1 until killed
    python -m tests.unit.node.storage.chain hold DIR            open, print "open", wait
"""

import json
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from contracts.state import MemoryState
from node.storage import LevelDbStore, StoreLockedError
from protocol.hashing import sha256
from protocol.log import LogStore, MemoryLogStore, MerkleLog
from protocol.smt import MemorySmtStore, SmtStore, SparseMerkleTree

ACCOUNT_COUNT = 50


def state_writes(height: int, width: int = 10) -> dict[str, bytes | None]:
    """Block height's state writes: width upserts and, from height 2, one deletion."""
    writes: dict[str, bytes | None] = {
        f"account/{(height * 7 + i) % ACCOUNT_COUNT}": f"balance {height}/{i}".encode()
        for i in range(width)
    }
    if height >= 2:
        writes[f"account/{(height * 3) % ACCOUNT_COUNT}"] = None
    return writes


def header_bytes(height: int) -> bytes:
    return f"header {height}".encode()


def tx_ids(height: int, width: int = 10) -> list[bytes]:
    return [sha256(f"tx {height}/{i}".encode()) for i in range(width)]


def result_bytes(height: int, width: int = 10) -> list[bytes]:
    return [f"result {height}/{i}".encode() for i in range(width)]


def apply_roots(
    log_store: LogStore, smt_store: SmtStore, height: int, width: int = 10
) -> tuple[str, str]:
    """Apply block height to a log and SMT store; return (history root, state root) hex."""
    writes = state_writes(height, width)
    smt = SparseMerkleTree(smt_store)
    state_root = smt.update(height, {key.encode(): value for key, value in writes.items()})
    log = MerkleLog(log_store)
    log.append(header_bytes(height))
    return log.root().hex(), state_root.hex()


def memory_roots(count: int, width: int = 10) -> list[tuple[str, str]]:
    """The roots of blocks 0..count-1 on the in-memory stores."""
    log_store, smt_store = MemoryLogStore(), MemorySmtStore()
    return [apply_roots(log_store, smt_store, height, width) for height in range(count)]


def memory_state(count: int) -> MemoryState:
    state = MemoryState()
    for height in range(count):
        state.apply(state_writes(height))
    return state


def commit_block(store: LevelDbStore, height: int, width: int = 10) -> tuple[str, str]:
    """Build block height in an overlay and commit it; return its roots."""
    overlay = store.begin()
    roots = apply_roots(overlay.log, overlay.smt, height, width)
    overlay.state.apply(state_writes(height, width))
    overlay.record_block(
        height=height,
        block=header_bytes(height),
        certificate=None if height == 0 else f"cert {height}".encode(),
        results=result_bytes(height, width),
        tx_ids=tx_ids(height, width),
    )
    store.commit(overlay)
    return roots


def commit_tree(store: LevelDbStore, height: int, writes: Mapping[bytes, bytes | None]) -> bytes:
    """Commit a block at height holding only a tree update by writes; its root."""
    overlay = store.begin()
    root = SparseMerkleTree(overlay.smt).update(height, writes)
    overlay.record_block(
        height=height,
        block=b"b",
        certificate=None if height == 0 else b"c",
        results=[],
        tx_ids=[],
    )
    store.commit(overlay)
    return root


def stored_roots(store: LevelDbStore) -> list[tuple[str, str]]:
    """(history root at size h+1, state root at version h) for every committed height."""
    head = store.head_height()
    log = MerkleLog(store.log)
    smt = SparseMerkleTree(store.smt)
    count = 0 if head is None else head + 1
    return [(log.root(h + 1).hex(), smt.root(h).hex()) for h in range(count)]


def _main(argv: list[str]) -> int:
    command, directory = argv[0], Path(argv[1])
    if command == "hold":
        with LevelDbStore.open(directory):
            print("open", flush=True)
            sys.stdin.readline()
        return 0
    try:
        store = LevelDbStore.open(directory)
    except StoreLockedError as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}), flush=True)
        return 3
    if command == "build":
        print(json.dumps([commit_block(store, h) for h in range(int(argv[2]))]), flush=True)
    elif command == "roots":
        print(json.dumps(stored_roots(store)), flush=True)
    elif command == "crash-before-commit":
        count = int(argv[2])
        for height in range(count):
            commit_block(store, height)
        _build_then_die(store, count)
    elif command == "note-then-die":
        # A checkpoint note is put without sync (LevelDbStore.put_checkpoint_note): a
        # killed process must still keep it, since LevelDB logged it before put returned.
        commit_block(store, 0)
        store.put_checkpoint_note(1, b"note of size 1")
        os.kill(os.getpid(), signal.SIGKILL)
    elif command == "commit-forever":
        width = int(argv[2])
        head = store.head_height()
        height = 0 if head is None else head + 1
        while True:
            commit_block(store, height, width)
            print(height, flush=True)
            height += 1
    store.close()
    return 0


def _build_then_die(store: LevelDbStore, height: int) -> None:
    overlay = store.begin()
    apply_roots(overlay.log, overlay.smt, height)
    overlay.state.apply(state_writes(height))
    overlay.record_block(
        height=height,
        block=header_bytes(height),
        certificate=b"cert",
        results=result_bytes(height),
        tx_ids=tx_ids(height),
    )
    print("built", overlay.write_count(), flush=True)
    # SIGKILL: no atexit, no finally, no close; as close to a power cut as a test gets.
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
