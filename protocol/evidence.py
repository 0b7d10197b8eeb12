"""Evidence of misbehaviour: two conflicting statements signed by one validator key. Pure.

Three kinds (DESIGN.md §4): conflicting votes (same type, height and round, different block),
conflicting checkpoint signatures (two roots for one log size), and a prevote against a
lock (protocol/lock_violation.py, ADR 0012). Statements are stored in a canonical order,
so one offence always yields one evidence_hash.
"""

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from protocol.codec import JsonCodec, decode_tagged, integer, string, tag_table
from protocol.errors import FieldTypeError
from protocol.evidence_codec import EvidenceCodec
from protocol.lock_violation import LockViolationEvidence
from protocol.signing import PublicKey, VerifySignature, verify_signature
from protocol.votes import SignedVote

NOTE_LENGTH_MAX = 8192
"""Longest signed checkpoint note that conflicting-checkpoint evidence may carry."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateVoteEvidence(EvidenceCodec, what="evidence", tag=("type", "duplicate_vote")):
    """Two valid votes by one validator for different blocks at one (type, height, round)."""

    vote_a: SignedVote
    vote_b: SignedVote

    def __post_init__(self) -> None:
        a, b = self.vote_a, self.vote_b
        if a.validator != b.validator:
            raise FieldTypeError("evidence votes come from different validators")
        same_slot = (a.vote.type, a.vote.chain_id, a.vote.height, a.vote.round) == (
            b.vote.type,
            b.vote.chain_id,
            b.vote.height,
            b.vote.round,
        )
        if not same_slot or a.vote.block_hash == b.vote.block_hash:
            raise FieldTypeError("evidence votes do not conflict")
        if a.vote.sign_bytes() >= b.vote.sign_bytes():
            raise FieldTypeError("evidence votes must be ordered by their sign bytes")
        self._cache_bytes()

    @classmethod
    def create(cls, first: SignedVote, second: SignedVote) -> "DuplicateVoteEvidence":
        """Order the two votes canonically (by sign bytes)."""
        a, b = sorted((first, second), key=lambda v: v.vote.sign_bytes())
        return cls(vote_a=a, vote_b=b)

    @property
    def offender(self) -> PublicKey:
        return self.vote_a.validator

    @property
    def height(self) -> int:
        return self.vote_a.vote.height

    def is_valid(self, verify: VerifySignature = verify_signature) -> bool:
        """Both signatures verify under the verify port (the node passes its cache); the
        conflict itself is checked at construction."""
        return self.vote_a.verify(verify) and self.vote_b.verify(verify)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConflictingCheckpointEvidence(
    EvidenceCodec, what="evidence", tag=("type", "conflicting_checkpoint")
):
    """Two C2SP checkpoint signatures by one key over different roots for one size."""

    signer: PublicKey
    size: Annotated[int, integer(minimum=1)]
    note_a: Annotated[str, string(max_length=NOTE_LENGTH_MAX)]
    """First signed note, verbatim (body, blank line, the offender's signature line)."""
    note_b: Annotated[str, string(max_length=NOTE_LENGTH_MAX)]

    def __post_init__(self) -> None:
        if self.note_a >= self.note_b:
            raise FieldTypeError("evidence notes must be ordered and distinct")
        self._cache_bytes()

    @property
    def offender(self) -> PublicKey:
        return self.signer


Evidence = DuplicateVoteEvidence | ConflictingCheckpointEvidence | LockViolationEvidence
EVIDENCE_TYPES: Mapping[str, type[JsonCodec]] = tag_table(
    DuplicateVoteEvidence, ConflictingCheckpointEvidence, LockViolationEvidence
)
"""The evidence kinds by their "type" value."""


def evidence_from_json(value: object) -> Evidence:
    """Decode any kind of evidence; the type field selects it (FieldTypeError if unknown)."""
    return typing.cast(Evidence, decode_tagged(value, "evidence", "type", EVIDENCE_TYPES))
