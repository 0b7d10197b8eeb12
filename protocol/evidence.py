"""Evidence of misbehaviour: two conflicting statements signed by one validator key. Pure.

Three kinds (DESIGN.md §4): conflicting votes (same type, height and round, different block),
conflicting checkpoint signatures (two roots for one log size), and a prevote against a
lock (protocol/lock_violation.py, ADR 0012). Statements are stored in a canonical order,
so one offence always yields one evidence_hash.
"""

from dataclasses import dataclass

from protocol.encoding import JsonObject, encode
from protocol.errors import FieldTypeError
from protocol.fields import expect_object, read_hex, read_int, read_object, read_str
from protocol.hashing import TAG_EVIDENCE, Hash32, tagged_hash
from protocol.lock_violation import LockViolationEvidence
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey, VerifySignature, verify_signature
from protocol.votes import SignedVote


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateVoteEvidence:
    """Two valid votes by one validator for different blocks at one (type, height, round)."""

    vote_a: SignedVote
    vote_b: SignedVote

    KIND = "duplicate_vote"

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

    def to_json(self) -> JsonObject:
        return {
            "type": self.KIND,
            "vote_a": self.vote_a.to_json(),
            "vote_b": self.vote_b.to_json(),
        }

    def hash(self) -> Hash32:
        return tagged_hash(TAG_EVIDENCE, encode(self.to_json()))


@dataclass(frozen=True, slots=True, kw_only=True)
class ConflictingCheckpointEvidence:
    """Two C2SP checkpoint signatures by one key over different roots for one size."""

    signer: PublicKey
    size: int
    note_a: str
    """First signed note, verbatim (body, blank line, the offender's signature line)."""
    note_b: str

    KIND = "conflicting_checkpoint"

    def __post_init__(self) -> None:
        if self.note_a >= self.note_b:
            raise FieldTypeError("evidence notes must be ordered and distinct")

    @property
    def offender(self) -> PublicKey:
        return self.signer

    def to_json(self) -> JsonObject:
        return {
            "type": self.KIND,
            "signer": self.signer.hex(),
            "size": self.size,
            "note_a": self.note_a,
            "note_b": self.note_b,
        }

    def hash(self) -> Hash32:
        return tagged_hash(TAG_EVIDENCE, encode(self.to_json()))


Evidence = DuplicateVoteEvidence | ConflictingCheckpointEvidence | LockViolationEvidence


def evidence_from_json(value: object) -> Evidence:
    """Decode any kind of evidence; the type field selects it."""
    if not isinstance(value, dict):
        raise FieldTypeError("evidence: expected an object")
    kind = value.get("type")
    if kind == DuplicateVoteEvidence.KIND:
        obj = expect_object(value, "evidence", ("type", "vote_a", "vote_b"))
        return DuplicateVoteEvidence(
            vote_a=SignedVote.from_json(read_object(obj, "vote_a")),
            vote_b=SignedVote.from_json(read_object(obj, "vote_b")),
        )
    if kind == ConflictingCheckpointEvidence.KIND:
        fields = ("type", "signer", "size", "note_a", "note_b")
        obj = expect_object(value, "evidence", fields)
        return ConflictingCheckpointEvidence(
            signer=PublicKey(read_hex(obj, "signer", size=PUBLIC_KEY_SIZE)),
            size=read_int(obj, "size", minimum=1),
            note_a=read_str(obj, "note_a", max_length=8192),
            note_b=read_str(obj, "note_b", max_length=8192),
        )
    if kind == LockViolationEvidence.KIND:
        return LockViolationEvidence.from_json(value)
    raise FieldTypeError(f"evidence: unknown type {kind!r}")
