"""Evidence codecs (protocol/evidence.py, protocol/lock_violation.py): declared once, tagged.

Each kind's decoder checks its "type" tag: LockViolationEvidence.from_json used to accept
an object of its shape whatever its tag said, so a block could carry bytes whose tag named
one kind while the node read another.
"""

import pytest

from genesis.example.parties import CHAIN_ID, party_key
from protocol.block import evidence_root
from protocol.encoding import JsonObject, encode
from protocol.errors import FieldTypeError, MissingFieldError, SchemaError
from protocol.evidence import (
    ConflictingCheckpointEvidence,
    DuplicateVoteEvidence,
    Evidence,
    evidence_from_json,
)
from protocol.lock_violation import LockViolationEvidence
from protocol.merkle import hash_leaf, root_from_leaf_hashes
from tests.unit.contracts.evidence_kit import duplicate_votes
from tests.vectors.lock_violation_example import example_evidence

TAGS = ("duplicate_vote", "conflicting_checkpoint", "lock_violation")


def samples() -> list[Evidence]:
    checkpoint = ConflictingCheckpointEvidence(
        signer=party_key("xiamen-ptc").public_key, size=4, note_a="a\n", note_b="b\n"
    )
    return [duplicate_votes(party_key("xiamen-ptc")), checkpoint, example_evidence(CHAIN_ID)]


@pytest.mark.parametrize("evidence", samples(), ids=TAGS)
def test_round_trip_through_each_decoder(evidence: Evidence) -> None:
    value = evidence.to_json()
    assert type(evidence).from_json(value) == evidence
    assert evidence_from_json(value) == evidence
    assert evidence_from_json(value).to_json() == value


@pytest.mark.parametrize("evidence", samples(), ids=TAGS)
def test_each_decoder_refuses_another_kinds_tag(evidence: Evidence) -> None:
    value = evidence.to_json()
    for tag in (t for t in (*TAGS, "", "Lock_Violation") if t != value["type"]):
        relabelled: JsonObject = {**value, "type": tag}
        with pytest.raises(FieldTypeError, match="type is not"):
            type(evidence).from_json(relabelled)
        with pytest.raises(SchemaError):  # another kind's decoder, or an unknown kind
            evidence_from_json(relabelled)
    with pytest.raises(FieldTypeError, match="type is not"):
        type(evidence).from_json({**value, "type": 1})


def test_an_untagged_or_unknown_kind_is_refused() -> None:
    value = samples()[0].to_json()
    del value["type"]
    with pytest.raises(FieldTypeError, match="unknown type"):
        evidence_from_json(value)
    with pytest.raises(MissingFieldError):
        DuplicateVoteEvidence.from_json(value)
    with pytest.raises(FieldTypeError, match="expected an object"):
        evidence_from_json([])


def test_the_lock_violation_hash_covers_the_offence_only() -> None:
    evidence = example_evidence(CHAIN_ID)
    shorter = LockViolationEvidence(
        precommit=evidence.precommit, prevote=evidence.prevote, window_prevotes=()
    )
    assert shorter.hash() == evidence.hash()
    assert encode(shorter.to_json()) != encode(evidence.to_json())


def test_bytes_and_hash_are_computed_once_per_item(monkeypatch: pytest.MonkeyPatch) -> None:
    # The block path asks for each item's bytes and hash many times (pool key, proposer
    # check, evidence_root, the block's bytes, check_evidence): they are computed at
    # construction, so none of these re-encodes the item.
    items = samples()
    expected = [(encode(e.to_json()), e.hash()) for e in items]
    encoded: list[object] = []

    def counting(self: object) -> JsonObject:
        encoded.append(self)
        raise AssertionError("evidence re-encoded after construction")

    for kind in (DuplicateVoteEvidence, ConflictingCheckpointEvidence, LockViolationEvidence):
        monkeypatch.setattr(kind, "to_json", counting)
        monkeypatch.setattr(kind, "offence_json", counting, raising=False)
    for _ in range(3):
        assert [(e.canonical_bytes(), e.hash()) for e in items] == expected
    root = evidence_root(items)
    assert root == root_from_leaf_hashes([hash_leaf(leaf) for leaf, _ in expected])
    assert encoded == []
