"""protocol/merkle.py and protocol/log.py against the transparency-dev/merkle test vectors.

rfc6962.json names its source (repository, commit, paths) in its "source" field. Every
part of the file is covered: leaf and node hashes, roots, golden proofs, and all probes.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from protocol.errors import ConsistencyProofError, ProofError
from protocol.log import MemoryLogStore, MerkleLog
from protocol.merkle import (
    EMPTY_ROOT,
    hash_leaf,
    root_from_leaf_hashes,
    subtree_hash_over,
    verify_consistency,
    verify_inclusion,
)
from protocol.merkle import consistency_proof as make_consistency_proof
from protocol.merkle import inclusion_proof as make_inclusion_proof

VECTORS: dict[str, Any] = json.loads((Path(__file__).parent / "rfc6962.json").read_text())
LEAVES = [bytes.fromhex(leaf) for leaf in VECTORS["leaves_hex"]]
LEAF_HASHES = [hash_leaf(leaf) for leaf in LEAVES]

# Lantan requires every hash to be 32 bytes (RFC 9162 §2.1). This one transparency-dev probe
# accepts equal 12-byte roots for equal sizes; we reject it, and check the 32-byte twin below.
STRICTER_THAN_SOURCE = {
    "testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"
}


def unhex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def full_log() -> MerkleLog:
    log = MerkleLog(MemoryLogStore())
    for leaf in LEAVES:
        log.append(leaf)
    return log


def test_vector_file_names_its_source() -> None:
    assert VECTORS["source"]["repo"] == "github.com/transparency-dev/merkle"
    assert len(VECTORS["source"]["commit"]) == 40


def test_empty_root() -> None:
    assert EMPTY_ROOT.hex() == VECTORS["empty_root"]
    assert root_from_leaf_hashes([]).hex() == VECTORS["empty_root"]
    assert MerkleLog(MemoryLogStore()).root().hex() == VECTORS["empty_root"]


def test_leaf_hashes() -> None:
    assert [leaf_hash.hex() for leaf_hash in LEAF_HASHES] == VECTORS["leaf_hashes"]


def test_perfect_subtree_nodes_are_stored_as_the_vectors_give_them() -> None:
    log = full_log()
    for level, nodes in enumerate(VECTORS["node_hashes_by_level"]):
        width = 1 << level
        for index, node in enumerate(nodes):
            assert log.subtree_hash(index * width, (index + 1) * width).hex() == node


def root_at(size: int) -> bytes:
    return bytes.fromhex(VECTORS["roots_by_size"][str(size)])


@pytest.mark.parametrize("size", sorted(int(size) for size in VECTORS["roots_by_size"]))
def test_root_for_every_size(size: int) -> None:
    assert root_from_leaf_hashes(LEAF_HASHES[:size]) == root_at(size)
    assert full_log().root(size) == root_at(size)


@pytest.mark.parametrize("golden", VECTORS["golden_inclusion"], ids=str)
def test_golden_inclusion_proof_generated_and_verified(golden: dict[str, Any]) -> None:
    index, size, expected = golden["leaf_index"], golden["tree_size"], unhex(golden["proof"])
    from_log, from_hashes = full_log(), subtree_hash_over(LEAF_HASHES)
    assert list(from_log.inclusion_proof(index, size)) == expected
    assert list(make_inclusion_proof(index, size, from_hashes)) == expected
    verify_inclusion(index, size, LEAF_HASHES[index], expected, root_at(size))


@pytest.mark.parametrize("golden", VECTORS["golden_consistency"], ids=str)
def test_golden_consistency_proof_generated_and_verified(golden: dict[str, Any]) -> None:
    size1, size2, expected = golden["size1"], golden["size2"], unhex(golden["proof"])
    assert list(full_log().consistency_proof(size1, size2)) == expected
    assert list(make_consistency_proof(size1, size2, subtree_hash_over(LEAF_HASHES))) == expected
    verify_consistency(size1, size2, root_at(size1), root_at(size2), expected)


def check_probe(probe: dict[str, Any], verify: Callable[[], None]) -> None:
    """A probe that wants an error must raise ProofError; any other must verify."""
    if probe["want_err"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("probe", VECTORS["inclusion_probes"], ids=lambda p: p["file"])
def test_inclusion_probe(probe: dict[str, Any]) -> None:
    index, size, leaf = probe["leaf_index"], probe["tree_size"], bytes.fromhex(probe["leaf_hash"])
    proof, root = unhex(probe["proof"]), bytes.fromhex(probe["root"])
    check_probe(probe, lambda: verify_inclusion(index, size, leaf, proof, root))


@pytest.mark.parametrize("probe", VECTORS["consistency_probes"], ids=lambda p: p["file"])
def test_consistency_probe(probe: dict[str, Any]) -> None:
    size1, size2, proof = probe["size1"], probe["size2"], unhex(probe["proof"])
    root1, root2 = bytes.fromhex(probe["root1"]), bytes.fromhex(probe["root2"])

    def verify() -> None:
        verify_consistency(size1, size2, root1, root2, proof)

    if probe["file"] in STRICTER_THAN_SOURCE:
        assert not probe["want_err"]
        with pytest.raises(ConsistencyProofError, match="not 32"):
            verify()
    else:
        check_probe(probe, verify)


def test_stricter_probe_holds_with_32_byte_roots() -> None:
    root = LEAF_HASHES[0]
    verify_consistency(1, 1, root, root, [])


def test_probes_cover_both_outcomes() -> None:
    for kind in ("inclusion_probes", "consistency_probes"):
        outcomes = {probe["want_err"] for probe in VECTORS[kind]}
        assert outcomes == {True, False}, kind
