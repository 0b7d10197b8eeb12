"""protocol/smt.py proofs checked against the brute-force reference (smt_reference.py)."""

from protocol.smt import SparseMerkleTree
from protocol.smt_proof import verify_inclusion, verify_non_inclusion
from tests.property.smt_reference import reference_proof


def check_proofs(tree: SparseMerkleTree, state: dict[bytes, bytes], keys: list[bytes]) -> None:
    """Each key's proof has the reference's siblings and end leaf, and verifies against the root
    as inclusion of state[key] or, for a key outside state, as non-inclusion."""
    root = tree.root()
    for key in keys:
        proof = tree.prove(key)
        siblings, leaf = reference_proof(state, key)
        assert list(proof.siblings) == siblings
        assert (
            None if proof.leaf is None else (proof.leaf.key_hash, proof.leaf.value_hash)
        ) == leaf
        if key in state:
            assert tree.get(key) == state[key]
            verify_inclusion(root, key, state[key], proof)
        else:
            assert tree.get(key) is None
            verify_non_inclusion(root, key, proof)
