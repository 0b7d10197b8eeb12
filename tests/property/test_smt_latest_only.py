"""A state tree that keeps only its latest version (protocol/smt_store.py LatestMemorySmtStore,
the auditor's replay): after every update its store holds exactly the nodes reachable from
the new root, no more (nothing leaks) and no fewer (every proof of the latest version is
made and verifies), and its roots are the reference's. Histories mix inserts, overwrites
with new and with equal values, deletes of present and of absent keys, so leaves move down
(a neighbour arrives) and up (a neighbour leaves) across versions."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.smt import SparseMerkleTree
from protocol.smt_proof import EMPTY_HASH, LEAF_PREFIX
from protocol.smt_store import BranchSmtStore, LatestMemorySmtStore, MemorySmtStore
from tests.property.smt_checks import check_proofs
from tests.property.smt_reference import reference_root
from tests.property.test_smt_properties import KEY_SPACE, apply_writes, random_writes

# Holds four of the unit tier's longest tests (~30 s together): started first, not last, so that
# none runs alone at the tier's end while the other workers idle (tests/kit/network_groups.py
# schedule_order).
RUN_FIRST = True

writes_strategy = st.dictionaries(
    st.sampled_from(KEY_SPACE), st.none() | st.binary(min_size=0, max_size=2), max_size=24
)


def reachable(store: MemorySmtStore, root: bytes) -> set[bytes]:
    """Every node hash the tree under root holds (EMPTY is never a node)."""
    found: set[bytes] = set()
    pending = [root]
    while pending:
        node_hash = pending.pop()
        if node_hash == EMPTY_HASH:
            continue
        found.add(node_hash)
        preimage = store.nodes[node_hash]
        if preimage[:1] != LEAF_PREFIX:
            pending += (preimage[1:33], preimage[33:65])
    return found


def check_latest(
    tree: SparseMerkleTree, store: LatestMemorySmtStore, state: dict[bytes, bytes]
) -> None:
    assert tree.root() == reference_root(state)
    assert set(store.nodes) == reachable(store, tree.root())
    check_proofs(tree, state, KEY_SPACE[::3])


@settings(max_examples=200, deadline=None)
@given(st.lists(writes_strategy, min_size=1, max_size=8))
def test_the_store_holds_exactly_the_latest_tree(history: list[dict[bytes, bytes | None]]) -> None:
    store = LatestMemorySmtStore()
    tree = SparseMerkleTree(store)
    state: dict[bytes, bytes] = {}
    for version, writes in enumerate(history):
        apply_writes(state, writes)
        tree.update(version, writes)
        check_latest(tree, store, state)


@settings(max_examples=100, deadline=None)
@given(st.lists(writes_strategy, min_size=1, max_size=4), writes_strategy, writes_strategy)
def test_a_merged_branch_drops_what_it_replaced_and_its_sibling_saw_a_whole_base(
    history: list[dict[bytes, bytes | None]],
    left_writes: dict[bytes, bytes | None],
    right_writes: dict[bytes, bytes | None],
) -> None:
    base = LatestMemorySmtStore()
    state: dict[bytes, bytes] = {}
    for version, writes in enumerate(history):
        apply_writes(state, writes)
        SparseMerkleTree(base).update(version, writes)
    height = len(history) - 1
    before = dict(base.nodes)
    # Two candidate blocks for one height (a fork): both execute on the same whole base.
    left, right = BranchSmtStore(base, height), BranchSmtStore(base, height)
    left_state, right_state = dict(state), dict(state)
    apply_writes(left_state, left_writes)
    apply_writes(right_state, right_writes)
    assert SparseMerkleTree(left).update(height + 1, left_writes) == reference_root(left_state)
    assert SparseMerkleTree(right).update(height + 1, right_writes) == reference_root(right_state)
    assert base.nodes == before
    right.merge()
    check_latest(SparseMerkleTree(base), base, right_state)


@settings(max_examples=100, deadline=None)
@given(writes_strategy, st.lists(writes_strategy, min_size=2, max_size=5))
def test_a_branch_of_several_updates_merges_to_exactly_the_latest_tree(
    first: dict[bytes, bytes | None], branch_history: list[dict[bytes, bytes | None]]
) -> None:
    """A node one of the branch's updates left behind and a later one made again (a value
    set, then set back) stays after the merge."""
    base = LatestMemorySmtStore()
    state: dict[bytes, bytes] = {}
    apply_writes(state, first)
    SparseMerkleTree(base).update(0, first)
    branch = BranchSmtStore(base, 0)
    for version, writes in enumerate(branch_history, start=1):
        apply_writes(state, writes)
        SparseMerkleTree(branch).update(version, writes)
    branch.merge()
    check_latest(SparseMerkleTree(base), base, state)


def test_a_value_set_and_set_back_in_one_branch_survives_its_merge() -> None:
    base = LatestMemorySmtStore()
    SparseMerkleTree(base).update(0, {b"a": b"1", b"b": b"2"})
    branch = BranchSmtStore(base, 0)
    SparseMerkleTree(branch).update(1, {b"a": b"x"})
    SparseMerkleTree(branch).update(2, {b"a": b"1"})
    branch.merge()
    check_latest(SparseMerkleTree(base), base, {b"a": b"1", b"b": b"2"})


def test_seeded_histories_of_up_to_1000_keys_keep_only_the_latest_tree() -> None:
    for seed in range(4):
        rng = random.Random(seed)
        store, full = LatestMemorySmtStore(), MemorySmtStore()
        tree, reference = SparseMerkleTree(store), SparseMerkleTree(full)
        state: dict[bytes, bytes] = {}
        for version in range(8):
            writes = random_writes(rng, state, key_space=1000, count=rng.randrange(1, 700))
            apply_writes(state, writes)
            assert tree.update(version, writes) == reference.update(version, writes)
            assert set(store.nodes) == reachable(store, tree.root()), f"seed {seed} v {version}"
        # The full store keeps every version; the latest-only one the last tree alone.
        assert len(store.nodes) < len(full.nodes)
        check_proofs(tree, state, [f"k/{rng.randrange(1100)}".encode() for _ in range(40)])
        assert tree.update(8, dict.fromkeys(state)) == EMPTY_HASH and not store.nodes


def test_a_plain_store_keeps_every_version() -> None:
    store = MemorySmtStore()
    tree = SparseMerkleTree(store)
    tree.update(0, {b"a": b"1", b"b": b"2"})
    first = set(store.nodes)
    tree.update(1, {b"a": b"3"})
    assert first <= set(store.nodes) and tree.get(b"a", 0) == b"1"
