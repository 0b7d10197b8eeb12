"""Unit tests of protocol/smt.py and protocol/smt_proof.py: the state tree of DESIGN.md §3."""

import hashlib
import json
from dataclasses import replace

import pytest

from protocol.encoding import encode
from protocol.errors import (
    FieldTypeError,
    MissingFieldError,
    ProofError,
    RootMismatchError,
    SmtProofError,
    UnknownFieldError,
)
from protocol.hashing import Hash32
from protocol.smt import MemorySmtStore, SparseMerkleTree, _Batch
from protocol.smt_proof import (
    EMPTY_HASH,
    SmtLeaf,
    SmtProof,
    hash_leaf,
    hash_node,
    path_bit,
    root_from_proof,
    shared_prefix_bits,
    verify_inclusion,
    verify_non_inclusion,
)
from tests.property.smt_checks import check_proofs
from tests.property.smt_reference import reference_root, reference_root_hashed


def h(data: bytes) -> Hash32:
    return Hash32(hashlib.sha256(data).digest())


def flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


def new_tree() -> SparseMerkleTree:
    return SparseMerkleTree(MemorySmtStore())


def keys(count: int) -> list[bytes]:
    return [f"account/{index}".encode() for index in range(count)]


def tree_of(state: dict[bytes, bytes]) -> SparseMerkleTree:
    tree = new_tree()
    tree.update(0, dict(state))
    return tree


STATE = {key: encode({"balance": index}) for index, key in enumerate(keys(12))}


# --- hashing and shape -----------------------------------------------------------------


def test_empty_tree_root_is_32_zero_bytes() -> None:
    tree = new_tree()
    assert bytes(32) == EMPTY_HASH
    assert tree.root() == EMPTY_HASH
    assert tree.update(0, {}) == EMPTY_HASH
    assert tree.get(b"account/a") is None


def test_single_leaf_collapses_to_the_root() -> None:
    tree = new_tree()
    root = tree.update(0, {b"account/a": b'{"balance":1}'})
    assert root == hashlib.sha256(b"\x02" + h(b"account/a") + h(b'{"balance":1}')).digest()
    assert tree.prove(b"account/a") == SmtProof(
        siblings=(), leaf=SmtLeaf(key_hash=h(b"account/a"), value_hash=h(b'{"balance":1}'))
    )


def test_two_leaves_hash_by_their_first_differing_bit() -> None:
    # Hand-built from the spec: empty siblings down to the first differing bit, then a node.
    a, b = b"account/1", b"account/2"
    depth = shared_prefix_bits(h(a), h(b))
    first, second = (a, b) if path_bit(h(a), depth) == 0 else (b, a)
    expected = hash_node(hash_leaf(h(first), h(b"1")), hash_leaf(h(second), h(b"1")))
    for level in range(depth - 1, -1, -1):
        if path_bit(h(a), level):
            expected = hash_node(EMPTY_HASH, expected)
        else:
            expected = hash_node(expected, EMPTY_HASH)
    assert tree_of({a: b"1", b: b"1"}).root() == expected


def test_pinned_root_vector() -> None:
    # A fixed vector for verifiers in other languages; it must never change (protocol v1).
    assert tree_of(STATE).root().hex() == reference_root(STATE).hex()
    assert tree_of(STATE).root().hex() == (
        "76e7b0119ad4bfddff03a52209798b26427948d138f7dd9e735478aec4431e3e"
    )


def test_path_bit_is_most_significant_first() -> None:
    key_hash = bytes([0b1000_0001]) + bytes(30) + bytes([0b0000_0001])
    assert [path_bit(key_hash, depth) for depth in range(8)] == [1, 0, 0, 0, 0, 0, 0, 1]
    assert path_bit(key_hash, 255) == 1
    assert path_bit(key_hash, 254) == 0


def test_shared_prefix_bits() -> None:
    assert shared_prefix_bits(bytes(32), bytes(32)) == 256
    assert shared_prefix_bits(bytes(32), flip(bytes(32), 0)) == 0
    assert shared_prefix_bits(bytes(32), flip(bytes(32), 13)) == 13
    assert shared_prefix_bits(bytes(32), flip(bytes(32), 255)) == 255


def test_deepest_split_at_bit_255() -> None:
    # Two key hashes that differ only in their last bit: 256 levels, all but one empty.
    store = MemorySmtStore()
    tree = SparseMerkleTree(store)
    first, second = bytes(31) + b"\x02", bytes(31) + b"\x03"
    batch = _Batch(
        key_ints=[int.from_bytes(first, "big"), int.from_bytes(second, "big")],
        key_hashes=[first, second],
        value_hashes=[h(b"1"), h(b"2")],
    )
    root, _ = tree._update(EMPTY_HASH, 0, batch, 0, 2)
    store.put_nodes(tree._new)  # what update() does with the nodes an update made
    assert root == reference_root_hashed({first: h(b"1"), second: h(b"2")})
    siblings: list[Hash32] = []
    leaf = tree._walk(second, root, siblings)
    assert leaf == SmtLeaf(key_hash=Hash32(second), value_hash=h(b"2"))
    assert len(siblings) == 256
    assert siblings[255] == hash_leaf(first, h(b"1"))
    assert root_from_proof(second, hash_leaf(second, h(b"2")), siblings) == root
    # Deleting one leaf collapses the 256-level chain back to the other leaf.
    deletion = _Batch(key_ints=batch.key_ints[:1], key_hashes=[first], value_hashes=[None])
    assert tree._update(root, 0, deletion, 0, 1)[0] == hash_leaf(second, h(b"2"))


# --- versions, reads and writes --------------------------------------------------------


def test_versions_must_increase() -> None:
    tree = new_tree()
    with pytest.raises(ValueError, match="version"):
        tree.update(-1, {})
    tree.update(0, {b"k": b"1"})
    with pytest.raises(ValueError, match="version"):
        tree.update(0, {b"k": b"2"})
    tree.update(7, {b"k": b"2"})
    with pytest.raises(ValueError, match="version"):
        tree.update(3, {})
    assert tree.get(b"k", 0) == b"1"
    assert tree.get(b"k") == b"2"


def test_first_version_may_be_above_zero_and_unknown_versions_raise() -> None:
    tree = new_tree()
    tree.update(5, {b"k": b"1"})
    assert tree.root(5) == tree.root()
    with pytest.raises(LookupError):
        tree.root(4)
    with pytest.raises(LookupError):
        tree.prove(b"k", 6)


def test_get_reads_each_version() -> None:
    tree = new_tree()
    tree.update(0, {b"a": b"1", b"b": b"1"})
    tree.update(1, {b"a": b"2", b"c": b"3"})
    tree.update(2, {b"b": None})
    assert [tree.get(b"a", v) for v in range(3)] == [b"1", b"2", b"2"]
    assert [tree.get(b"b", v) for v in range(3)] == [b"1", b"1", None]
    assert [tree.get(b"c", v) for v in range(3)] == [None, b"3", b"3"]
    assert tree.get(b"absent") is None


def test_unchanged_writes_and_absent_deletes_keep_the_root() -> None:
    tree = tree_of(STATE)
    before = tree.root()
    key = next(iter(STATE))
    assert tree.update(1, {key: STATE[key], b"account/absent": None}) == before
    assert tree.update(2, {}) == before


def test_deleting_everything_returns_empty() -> None:
    tree = tree_of(STATE)
    assert tree.update(1, dict.fromkeys(list(STATE)[:5])) == reference_root(
        dict(list(STATE.items())[5:])
    )
    assert tree.update(2, dict.fromkeys(STATE)) == EMPTY_HASH
    assert tree.get(next(iter(STATE))) is None
    assert tree.update(3, {b"k": b"v"}) == hash_leaf(h(b"k"), h(b"v"))


def test_root_independent_of_write_order_and_batching() -> None:
    items = list(STATE.items())
    forward = tree_of(dict(items)).root()
    backward = tree_of(dict(reversed(items))).root()
    one_by_one = new_tree()
    for version, (key, value) in enumerate(reversed(items)):
        one_by_one.update(version, {key: value})
    assert forward == backward == one_by_one.root() == reference_root(STATE)


def test_store_holds_preimages_keyed_by_hash_and_never_empty() -> None:
    store = MemorySmtStore()
    SparseMerkleTree(store).update(0, STATE)
    assert EMPTY_HASH not in store.nodes
    leaves = [preimage for preimage in store.nodes.values() if preimage[0] == 2]
    assert len(leaves) == len(STATE)
    assert len(store.nodes) - len(leaves) >= len(STATE) - 1
    for node_hash, preimage in store.nodes.items():
        assert len(preimage) == 65 and preimage[0] in (2, 3)
        assert hashlib.sha256(preimage).digest() == node_hash
    assert store.values[h(STATE[b"account/3"])] == STATE[b"account/3"]


# --- proofs ----------------------------------------------------------------------------


def absent_keys_by_shape(tree: SparseMerkleTree) -> tuple[bytes, bytes]:
    """An absent key whose proof ends at EMPTY, and one whose proof ends at another leaf."""
    empty_end = other_leaf_end = None
    for index in range(10_000):
        key = f"absent/{index}".encode()
        proof = tree.prove(key)
        if proof.leaf is None:
            empty_end = empty_end or key
        else:
            other_leaf_end = other_leaf_end or key
        if empty_end and other_leaf_end:
            return empty_end, other_leaf_end
    raise AssertionError("no key of each shape")


def test_proofs_match_reference_and_verify() -> None:
    tree = tree_of(STATE)
    check_proofs(tree, STATE, [*STATE, *absent_keys_by_shape(tree)])


def test_inclusion_rejects_every_flipped_bit() -> None:
    tree = tree_of(STATE)
    root = tree.root()
    key, value = b"account/7", STATE[b"account/7"]
    proof = tree.prove(key)
    assert proof.leaf is not None and len(proof.siblings) >= 2
    for depth, sibling in enumerate(proof.siblings):
        for bit in range(256):
            siblings = list(proof.siblings)
            siblings[depth] = Hash32(flip(sibling, bit))
            with pytest.raises(RootMismatchError):
                verify_inclusion(root, key, value, replace(proof, siblings=tuple(siblings)))
    for bit in range(256):
        with pytest.raises(RootMismatchError) as mismatch:
            verify_inclusion(flip(root, bit), key, value, proof)
        assert mismatch.value.computed_root == root
        for field in ("key_hash", "value_hash"):
            leaf = replace(proof.leaf, **{field: Hash32(flip(getattr(proof.leaf, field), bit))})
            with pytest.raises(SmtProofError):
                verify_inclusion(root, key, value, replace(proof, leaf=leaf))
    for bit in range(8 * len(value)):
        with pytest.raises(SmtProofError):
            verify_inclusion(root, key, flip(value, bit), proof)
    for bit in range(8 * len(key)):
        with pytest.raises(SmtProofError):
            verify_inclusion(root, flip(key, bit), value, proof)


def test_non_inclusion_rejects_every_flipped_bit() -> None:
    tree = tree_of(STATE)
    root = tree.root()
    for key in absent_keys_by_shape(tree):
        proof = tree.prove(key)
        for depth, sibling in enumerate(proof.siblings):
            for bit in range(256):
                siblings = list(proof.siblings)
                siblings[depth] = Hash32(flip(sibling, bit))
                with pytest.raises(RootMismatchError):
                    verify_non_inclusion(root, key, replace(proof, siblings=tuple(siblings)))
        for bit in range(256):
            with pytest.raises(RootMismatchError):
                verify_non_inclusion(flip(root, bit), key, proof)
            if proof.leaf is not None:
                for field in ("key_hash", "value_hash"):
                    value = Hash32(flip(getattr(proof.leaf, field), bit))
                    leaf = replace(proof.leaf, **{field: value})
                    with pytest.raises(ProofError):
                        verify_non_inclusion(root, key, replace(proof, leaf=leaf))
        # Every present key must fail this proof: it is a non-inclusion proof for `key` only.
        for present in STATE:
            with pytest.raises(ProofError):
                verify_non_inclusion(root, present, proof)
        # A flipped key hashes to another path; the proof may only pass if that key is absent.
        accepted = 0
        for bit in range(8 * len(key)):
            try:
                verify_non_inclusion(root, flip(key, bit), proof)
            except ProofError:
                continue
            accepted += 1
            assert tree.get(flip(key, bit)) is None
        assert accepted < 8 * len(key)


def test_proof_shapes_cannot_be_swapped_or_reshaped() -> None:
    tree = tree_of(STATE)
    root = tree.root()
    empty_end, other_end = absent_keys_by_shape(tree)
    key = b"account/4"
    inclusion = tree.prove(key)
    with pytest.raises(SmtProofError, match="own leaf"):
        verify_non_inclusion(root, key, inclusion)
    with pytest.raises(SmtProofError):
        verify_inclusion(root, empty_end, b"1", tree.prove(empty_end))
    with pytest.raises(SmtProofError):
        verify_inclusion(root, other_end, b"1", tree.prove(other_end))
    # Dropping or adding a sibling changes the path the leaf is folded along.
    with pytest.raises(RootMismatchError):
        verify_inclusion(root, key, STATE[key], replace(inclusion, siblings=inclusion.siblings[1:]))
    longer = replace(inclusion, siblings=(*inclusion.siblings, EMPTY_HASH))
    with pytest.raises(RootMismatchError):
        verify_inclusion(root, key, STATE[key], longer)
    # Another key's leaf is only evidence if it lies on the queried path.
    other = tree.prove(other_end)
    assert other.leaf is not None
    shared = shared_prefix_bits(other.leaf.key_hash, h(other_end))
    off_path = replace(other, siblings=(EMPTY_HASH,) * (shared + 1))
    with pytest.raises(SmtProofError, match="path"):
        verify_non_inclusion(root, other_end, off_path)


def test_root_from_proof_checks_sizes() -> None:
    with pytest.raises(SmtProofError, match="siblings"):
        root_from_proof(h(b"k"), EMPTY_HASH, [EMPTY_HASH] * 257)
    with pytest.raises(SmtProofError, match="depth 1"):
        root_from_proof(h(b"k"), EMPTY_HASH, [EMPTY_HASH, b"\x00" * 31])
    with pytest.raises(SmtProofError):
        root_from_proof(h(b"k")[:31], EMPTY_HASH, [])
    with pytest.raises(SmtProofError):
        verify_non_inclusion(EMPTY_HASH, b"k", SmtProof(siblings=(EMPTY_HASH,) * 257, leaf=None))
    short_leaf = SmtLeaf(key_hash=Hash32(bytes(31)), value_hash=h(b"v"))
    with pytest.raises(SmtProofError):
        verify_non_inclusion(EMPTY_HASH, b"k", SmtProof(siblings=(), leaf=short_leaf))


def test_empty_tree_non_inclusion() -> None:
    proof = new_tree().prove(b"k")
    assert proof == SmtProof(siblings=(), leaf=None)
    verify_non_inclusion(EMPTY_HASH, b"k", proof)
    with pytest.raises(RootMismatchError):
        verify_non_inclusion(hash_leaf(h(b"x"), h(b"y")), b"k", proof)


def test_old_proofs_verify_after_100_more_versions() -> None:
    tree = tree_of(STATE)
    key, absent = b"account/2", b"account/absent"
    inclusion, non_inclusion, old_root = tree.prove(key), tree.prove(absent), tree.root()
    for version in range(1, 101):
        if version % 10 == 0:
            tree.update(version, {key: None, absent: None, b"account/9": None})
        else:
            tree.update(version, {key: b"%d" % version, absent: b"%d" % version})
    assert tree.root() != old_root
    assert tree.root(0) == old_root
    verify_inclusion(old_root, key, STATE[key], inclusion)
    verify_non_inclusion(old_root, absent, non_inclusion)
    assert tree.prove(key, 0) == inclusion
    assert tree.prove(absent, 0) == non_inclusion
    assert tree.get(key, 0) == STATE[key]


# --- JSON ------------------------------------------------------------------------------


def test_proof_json_round_trips() -> None:
    tree = tree_of(STATE)
    for key in (b"account/1", *absent_keys_by_shape(tree)):
        proof = tree.prove(key)
        wire = json.loads(encode(proof.to_json()))
        assert SmtProof.from_json(wire) == proof
    assert SmtProof(siblings=(), leaf=None).to_json() == {"siblings": [], "leaf": None}


@pytest.mark.parametrize(
    ("wire", "error"),
    [
        ({"siblings": [], "leaf": None, "depth": 0}, UnknownFieldError),
        ({"siblings": []}, MissingFieldError),
        ({"siblings": ["00" * 31], "leaf": None}, FieldTypeError),
        ({"siblings": ["AB" * 32], "leaf": None}, FieldTypeError),
        ({"siblings": [7], "leaf": None}, FieldTypeError),
        ({"siblings": ["00" * 32] * 257, "leaf": None}, FieldTypeError),
        ({"siblings": "00", "leaf": None}, FieldTypeError),
        ({"siblings": [], "leaf": {"key_hash": "00" * 32}}, MissingFieldError),
        (
            {"siblings": [], "leaf": {"key_hash": "00" * 32, "value_hash": "0" * 64, "x": 1}},
            UnknownFieldError,
        ),
        (
            {"siblings": [], "leaf": {"key_hash": "00" * 33, "value_hash": "00" * 32}},
            FieldTypeError,
        ),
        ({"siblings": [], "leaf": "00"}, FieldTypeError),
        ([], FieldTypeError),
    ],
)
def test_proof_json_is_strict(wire: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        SmtProof.from_json(wire)
