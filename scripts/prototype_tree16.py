#!/usr/bin/env python3
"""A 16-ary state tree, built and timed beside the binary one (ADR 0037's evidence; not CI).

scripts/model_tree_arity.py counts what a 16-ary tree would write and read; this builds one
(a prototype, not protocol code: inserts and overwrites only) and times it against
protocol/smt.py on the same writes, both over stores in memory, so the figure is the Python
CPU of a block's tree update alone, which is what a catching-up node's executing thread and
a validator's main thread spend on the tree besides the LevelDB reads. Those reads are
counted (nodes not held in memory, per insert) for each tree with its held levels: the
binary tree's through node/storage/smt_top.py as a validator holds them, the 16-ary tree's
by depth. CPU is the median block's: a dict of millions of nodes doubles its table now and
then, seconds of copying in one block, which a tree on disk never does; at 10^6 records
both trees' lookups also miss the CPU caches in dicts of gigabytes, so read that row's CPU
as an upper bound for both.

The 16-ary tree (ADR 0037): a key's path is its key hash's nibbles (4 bits a level); a leaf
is the binary tree's `0x02 || key_hash || value_hash` and sits at the first depth where it
is alone; an interior node is `0x04 || bitmap (2 bytes, bit i = child i present) || the
present children's hashes in order`; a node's hash is SHA-256 of those bytes.

Usage: python scripts/prototype_tree16.py [--records 10000,100000,1000000] [--block 1000]
[--blocks 20] [--binary-held 14] [--wide-held 3]
"""

import argparse
import hashlib
import random
import statistics
import sys
import time
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from node.storage.smt_top import SmtTopLevels
from protocol.smt import MemorySmtStore, SparseMerkleTree

EMPTY = bytes(32)
LEAF = 0x02
NODE16 = 0x04
_sha256 = hashlib.sha256


class WideTree:
    """The 16-ary tree over a dict of nodes by hash; `held` nibble levels count as memory."""

    def __init__(self, held: int) -> None:
        self.nodes: dict[bytes, bytes] = {}
        self.root = EMPTY
        self.held = held
        self.reads = 0
        self.written = 0
        self.bytes_written = 0

    def update(self, writes: dict[bytes, bytes]) -> bytes:
        items = []
        for key, value in writes.items():
            key_hash = _sha256(key).digest()
            items.append((int.from_bytes(key_hash, "big"), key_hash, _sha256(value).digest()))
        items.sort()
        self.root = self._update(self.root, 0, items)
        return self.root

    def _put(self, encoded: bytes) -> bytes:
        node_hash = _sha256(encoded).digest()
        self.nodes[node_hash] = encoded
        self.written += 1
        self.bytes_written += len(encoded)
        return node_hash

    def _get(self, node_hash: bytes, depth: int) -> bytes:
        if depth >= self.held:
            self.reads += 1
        return self.nodes[node_hash]

    def _update(self, node_hash: bytes, depth: int, items: list[tuple[int, bytes, bytes]]) -> bytes:
        if node_hash == EMPTY:
            return self._build(depth, items)
        encoded = self._get(node_hash, depth)
        if encoded[0] == LEAF:
            old_key = encoded[1:33]
            if not any(key_hash == old_key for _, key_hash, _ in items):
                items = sorted([*items, (int.from_bytes(old_key, "big"), old_key, encoded[33:65])])
            return self._build(depth, items)
        children = _children(encoded)
        for nibble, start, end in _runs(items, depth):
            children[nibble] = self._update(children[nibble], depth + 1, items[start:end])
        return self._node(children)

    def _build(self, depth: int, items: list[tuple[int, bytes, bytes]]) -> bytes:
        if len(items) == 1:
            _, key_hash, value_hash = items[0]
            return self._put(bytes((LEAF,)) + key_hash + value_hash)
        children = [EMPTY] * 16
        for nibble, start, end in _runs(items, depth):
            children[nibble] = self._build(depth + 1, items[start:end])
        return self._node(children)

    def _node(self, children: list[bytes]) -> bytes:
        bitmap = 0
        present = []
        for index, child in enumerate(children):
            if child != EMPTY:
                bitmap |= 1 << index
                present.append(child)
        return self._put(bytes((NODE16,)) + bitmap.to_bytes(2, "big") + b"".join(present))


def _runs(items: list[tuple[int, bytes, bytes]], depth: int) -> list[tuple[int, int, int]]:
    """(nibble, start, end) of each run of the sorted items that share their nibble at
    depth: one child's share of a node's writes."""
    shift = 252 - 4 * depth
    runs = []
    start, count = 0, len(items)
    while start < count:
        nibble = (items[start][0] >> shift) & 15
        end = start + 1
        while end < count and (items[end][0] >> shift) & 15 == nibble:
            end += 1
        runs.append((nibble, start, end))
        start = end
    return runs


def _children(encoded: bytes) -> list[bytes]:
    bitmap = int.from_bytes(encoded[1:3], "big")
    children = [EMPTY] * 16
    offset = 3
    for index in range(16):
        if bitmap >> index & 1:
            children[index] = encoded[offset : offset + 32]
            offset += 32
    return children


class CountingStore(MemorySmtStore):
    """MemorySmtStore counting the node reads that miss the held levels."""

    def __init__(self, top: SmtTopLevels) -> None:
        super().__init__()
        self.top = top
        self.reads = 0
        self.written = 0

    def get_node(self, node_hash: bytes) -> bytes | None:
        held = self.top.preimage(node_hash)
        if held is not None:
            return held
        self.reads += 1
        return self.nodes.get(node_hash)

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        self.written += len(nodes)
        super().put_nodes(nodes)

    def read_stored(self, node_hash: bytes, version: bytes) -> bytes | None:
        """A read for advance(): an in-memory store keeps preimages, whatever the version."""
        return self.nodes.get(node_hash)


def _writes(rng: random.Random, serial: int, count: int) -> dict[bytes, bytes]:
    return {
        f"insurance/policy-{serial + index}".encode(): rng.randbytes(420) for index in range(count)
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default="10000,100000,1000000")
    parser.add_argument("--block", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=20, help="timed blocks at each size")
    parser.add_argument("--binary-held", type=int, default=14)
    parser.add_argument("--wide-held", type=int, default=4)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.records.split(","))
    rng = random.Random(7)
    top = SmtTopLevels(levels=args.binary_held, entries_max=2 * 2**args.binary_held)
    binary_store = CountingStore(top)
    binary = SparseMerkleTree(binary_store)
    wide = WideTree(args.wide_held)
    serial, version = 0, 0
    print(
        "records | binary us/insert | 16-ary us/insert | nodes written/insert binary, 16-ary"
        " | bytes written/insert binary, 16-ary | reads/insert below held binary, 16-ary"
    )
    for size in sizes:
        while serial < size:  # grow to the size untimed
            writes = _writes(rng, serial, min(args.block, size - serial))
            binary.update(version, writes)
            top.advance(binary.root(version), binary_store.read_stored)
            wide.update(writes)
            serial += len(writes)
            version += 1
        binary_times: list[float] = []
        wide_times: list[float] = []
        binary_store.reads = binary_store.written = 0
        wide.reads = wide.written = wide.bytes_written = 0
        for _ in range(args.blocks):
            writes = _writes(rng, serial, args.block)
            started = time.process_time()
            binary.update(version, writes)
            binary_times.append(time.process_time() - started)
            top.advance(binary.root(version), binary_store.read_stored)
            started = time.process_time()
            wide.update(writes)
            wide_times.append(time.process_time() - started)
            serial += args.block
            version += 1
        inserts = args.blocks * args.block
        # Medians per block: a dict of millions of nodes doubles its table now and then
        # (seconds of copying in one block), which the tree on disk never does.
        binary_s = statistics.median(binary_times) * args.blocks
        wide_s = statistics.median(wide_times) * args.blocks
        binary_bytes = binary_store.written * 65
        print(
            f"{size:>9,} | {1e6 * binary_s / inserts:6.1f} | {1e6 * wide_s / inserts:6.1f} | "
            f"{binary_store.written / inserts:5.2f}, {wide.written / inserts:5.2f} | "
            f"{binary_bytes / inserts:5.0f}, {wide.bytes_written / inserts:5.0f} | "
            f"{binary_store.reads / inserts:5.2f}, {wide.reads / inserts:5.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
