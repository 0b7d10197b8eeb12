"""check_evidence: the one rule for evidence, at intake and in every block (issue 10).

Findings 1 and 6: forged, unsigned and cross-chain evidence was pooled, gossiped and
committed. Each case here is evidence an attacker holding one validator key can send.
"""

from dataclasses import replace

import pytest

from contracts import InvalidBlockError, apply_block
from contracts.evidence import check_evidence
from genesis.example.parties import CHAIN_ID, party_key
from protocol.evidence import ConflictingCheckpointEvidence, DuplicateVoteEvidence, Evidence
from protocol.hashing import Hash32, sha256
from protocol.note import Checkpoint, checkpoint_origin, format_signed_note, sign_note
from tests.unit.contracts.evidence_kit import duplicate_votes
from tests.vectors.contracts.network import TestChain

XIAMEN = party_key("xiamen-ptc")
OTHER_CHAIN = Hash32(sha256(b"another chain"))


def conflicting_checkpoints(origins: tuple[str, str]) -> ConflictingCheckpointEvidence:
    notes = []
    for origin, fill in zip(origins, (1, 2), strict=True):
        text = Checkpoint(origin=origin, size=5, root_hash=Hash32(bytes([fill]) * 32)).body()
        notes.append(format_signed_note(text, [sign_note(text, "xiamen-ptc", XIAMEN)]))
    first, second = sorted(notes)
    return ConflictingCheckpointEvidence(
        signer=XIAMEN.public_key, size=5, note_a=first, note_b=second
    )


def zeroed(evidence: DuplicateVoteEvidence) -> DuplicateVoteEvidence:
    """The finding-1 attack: valid shape, zero-byte signatures."""
    return replace(
        evidence,
        vote_a=replace(evidence.vote_a, signature=bytes(64)),
        vote_b=replace(evidence.vote_b, signature=bytes(64)),
    )


def test_real_equivocation_is_accepted(chain: TestChain) -> None:
    origin = checkpoint_origin(CHAIN_ID)
    for evidence in (duplicate_votes(XIAMEN), conflicting_checkpoints((origin, origin))):
        check_evidence(chain.state, evidence, CHAIN_ID)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("zero signatures", "evidence_bad_signature"),
        ("votes of another chain", "evidence_wrong_chain"),
        ("second note of another chain", "evidence_wrong_chain"),
        ("both notes of another chain", "evidence_wrong_chain"),
    ],
)
def test_forged_or_foreign_evidence_is_refused_and_invalidates_a_block(
    chain: TestChain, name: str, reason: str
) -> None:
    ours, theirs = checkpoint_origin(CHAIN_ID), checkpoint_origin(OTHER_CHAIN)
    cases: dict[str, Evidence] = {
        "zero signatures": zeroed(duplicate_votes(XIAMEN)),
        "votes of another chain": duplicate_votes(XIAMEN, chain_id=OTHER_CHAIN),
        "second note of another chain": conflicting_checkpoints((ours, theirs)),
        "both notes of another chain": conflicting_checkpoints((theirs, theirs)),
    }
    evidence = cases[name]
    with pytest.raises(InvalidBlockError, match=reason):
        check_evidence(chain.state, evidence, CHAIN_ID)
    with pytest.raises(InvalidBlockError, match=reason):
        apply_block(chain.state, chain.next_context(), [], [evidence])
