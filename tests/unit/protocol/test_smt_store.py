"""protocol/smt_store.py: a branch sees its base, keeps its own writes apart until merged."""

from protocol.smt import SparseMerkleTree
from protocol.smt_store import BranchSmtStore, MemorySmtStore


def base_at_version_one() -> MemorySmtStore:
    store = MemorySmtStore()
    SparseMerkleTree(store).update(0, {b"a": b"1"})
    SparseMerkleTree(store).update(1, {b"b": b"2"})
    return store


def test_a_branch_reads_through_and_leaves_its_base_unchanged() -> None:
    base = base_at_version_one()
    nodes, values, roots = dict(base.nodes), dict(base.values), dict(base.roots)
    branch = BranchSmtStore(base, 1)
    tree = SparseMerkleTree(branch)
    assert tree.get(b"a") == b"1" and tree.root(1) == base.roots[1]
    root = tree.update(2, {b"a": None, b"c": b"3"})
    assert branch.latest_version() == 2 and tree.get(b"c") == b"3" and tree.get(b"a") is None
    assert (base.nodes, base.values, base.roots) == (nodes, values, roots)
    assert base.latest_version() == 1 and root != base.roots[1]


def test_two_branches_of_one_base_are_independent_and_merge_adopts_one() -> None:
    base = base_at_version_one()
    left, right = BranchSmtStore(base, 1), BranchSmtStore(base, 1)
    left_root = SparseMerkleTree(left).update(2, {b"x": b"left"})
    right_root = SparseMerkleTree(right).update(2, {b"x": b"right"})
    assert left_root != right_root
    assert SparseMerkleTree(right).get(b"x") == b"right"
    right.merge()
    merged = SparseMerkleTree(base)
    assert base.latest_version() == 2 and merged.root() == right_root
    assert merged.get(b"x") == b"right" and merged.get(b"x", 1) is None
    # Every node of the adopted version is in the base now: proofs need no branch.
    assert merged.prove(b"x").leaf is not None


def test_a_fresh_branch_reports_its_base_version_as_latest() -> None:
    assert BranchSmtStore(base_at_version_one(), 1).latest_version() == 1
    assert MemorySmtStore().latest_version() is None
