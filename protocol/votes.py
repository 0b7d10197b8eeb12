"""Votes, proposals and commit certificates: what validators sign in consensus. Pure.

Sign bytes are TAG || JCS(object) (DESIGN.md §3, docs/PROTOCOL.md §6). A nil vote has
block_hash null. A CommitCertificate is q precommits for one block hash in one round;
protocol/certificate_check.py is the one check that it certifies its block.
"""

import enum
from dataclasses import dataclass

from protocol.encoding import JsonObject, encode
from protocol.errors import FieldTypeError
from protocol.fields import (
    expect_object,
    read_hex,
    read_int,
    read_list,
    read_object,
    read_optional_hex,
    read_str,
)
from protocol.hashing import HASH_SIZE, TAG_PROPOSAL, TAG_VOTE, Hash32
from protocol.signing import (
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    PublicKey,
    SigningKey,
    VerifySignature,
    verify_signature,
)


class VoteType(enum.Enum):
    PREVOTE = "prevote"
    PRECOMMIT = "precommit"


@dataclass(frozen=True, slots=True, kw_only=True)
class Vote:
    """A prevote or precommit for block_hash (None = nil) at (height, round)."""

    type: VoteType
    chain_id: Hash32
    height: int
    round: int
    block_hash: Hash32 | None

    def to_json(self) -> JsonObject:
        return {
            "type": self.type.value,
            "chain_id": self.chain_id.hex(),
            "height": self.height,
            "round": self.round,
            "block_hash": None if self.block_hash is None else self.block_hash.hex(),
        }

    @classmethod
    def from_json(cls, value: object) -> "Vote":
        obj = expect_object(value, "vote", ("type", "chain_id", "height", "round", "block_hash"))
        kind = read_str(obj, "type")
        if kind not in {t.value for t in VoteType}:
            raise FieldTypeError(f"type: unknown vote type {kind!r}")
        block_hash = read_optional_hex(obj, "block_hash", size=HASH_SIZE)
        return cls(
            type=VoteType(kind),
            chain_id=Hash32(read_hex(obj, "chain_id", size=HASH_SIZE)),
            height=read_int(obj, "height"),
            round=read_int(obj, "round"),
            block_hash=None if block_hash is None else Hash32(block_hash),
        )

    def sign_bytes(self) -> bytes:
        """TAG_VOTE || JCS(vote): the bytes a validator signs."""
        return TAG_VOTE + encode(self.to_json())


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedVote:
    vote: Vote
    validator: PublicKey
    signature: bytes

    def to_json(self) -> JsonObject:
        return {
            "vote": self.vote.to_json(),
            "validator": self.validator.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, value: object) -> "SignedVote":
        obj = expect_object(value, "signed vote", ("vote", "validator", "signature"))
        return cls(
            vote=Vote.from_json(read_object(obj, "vote")),
            validator=PublicKey(read_hex(obj, "validator", size=PUBLIC_KEY_SIZE)),
            signature=read_hex(obj, "signature", size=SIGNATURE_SIZE),
        )

    def verify(self, verify: VerifySignature = verify_signature) -> bool:
        """The signature verifies under the verify port (a node passes its cache)."""
        return verify(self.validator, self.vote.sign_bytes(), self.signature)


def sign_vote(vote: Vote, key: SigningKey) -> SignedVote:
    return SignedVote(vote=vote, validator=key.public_key, signature=key.sign(vote.sign_bytes()))


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """The proposer's claim for (height, round): block_hash, and the POL round or -1."""

    chain_id: Hash32
    height: int
    round: int
    block_hash: Hash32
    pol_round: int

    def to_json(self) -> JsonObject:
        return {
            "chain_id": self.chain_id.hex(),
            "height": self.height,
            "round": self.round,
            "block_hash": self.block_hash.hex(),
            "pol_round": self.pol_round,
        }

    @classmethod
    def from_json(cls, value: object) -> "Proposal":
        fields = ("chain_id", "height", "round", "block_hash", "pol_round")
        obj = expect_object(value, "proposal", fields)
        return cls(
            chain_id=Hash32(read_hex(obj, "chain_id", size=HASH_SIZE)),
            height=read_int(obj, "height"),
            round=read_int(obj, "round"),
            block_hash=Hash32(read_hex(obj, "block_hash", size=HASH_SIZE)),
            pol_round=read_int(obj, "pol_round", minimum=-1),
        )

    def sign_bytes(self) -> bytes:
        """TAG_PROPOSAL || JCS(proposal)."""
        return TAG_PROPOSAL + encode(self.to_json())


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitSignature:
    validator: PublicKey
    signature: bytes

    def to_json(self) -> JsonObject:
        return {"validator": self.validator.hex(), "signature": self.signature.hex()}

    @classmethod
    def from_json(cls, value: object) -> "CommitSignature":
        obj = expect_object(value, "commit signature", ("validator", "signature"))
        return cls(
            validator=PublicKey(read_hex(obj, "validator", size=PUBLIC_KEY_SIZE)),
            signature=read_hex(obj, "signature", size=SIGNATURE_SIZE),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitCertificate:
    """Precommits for block_hash at (height, round), one per validator, sorted by key."""

    height: int
    round: int
    block_hash: Hash32
    signatures: tuple[CommitSignature, ...]

    def __post_init__(self) -> None:
        keys = [s.validator for s in self.signatures]
        if keys != sorted(set(keys)):
            raise FieldTypeError("certificate signatures must be sorted by validator, each once")

    def precommit(self, chain_id: Hash32) -> Vote:
        """The precommit every signature in this certificate signs."""
        return Vote(
            type=VoteType.PRECOMMIT,
            chain_id=chain_id,
            height=self.height,
            round=self.round,
            block_hash=self.block_hash,
        )

    def to_json(self) -> JsonObject:
        return {
            "height": self.height,
            "round": self.round,
            "block_hash": self.block_hash.hex(),
            "signatures": [s.to_json() for s in self.signatures],
        }

    @classmethod
    def from_json(cls, value: object) -> "CommitCertificate":
        fields = ("height", "round", "block_hash", "signatures")
        obj = expect_object(value, "commit certificate", fields)
        return cls(
            height=read_int(obj, "height"),
            round=read_int(obj, "round"),
            block_hash=Hash32(read_hex(obj, "block_hash", size=HASH_SIZE)),
            signatures=tuple(
                CommitSignature.from_json(s) for s in read_list(obj, "signatures", max_items=1000)
            ),
        )

    @classmethod
    def from_votes(cls, votes: list[SignedVote]) -> "CommitCertificate":
        """Build from precommits that all name one (height, round, block)."""
        first = votes[0].vote
        assert first.block_hash is not None
        assert all(v.vote == first for v in votes)
        signatures = sorted(
            {
                v.validator: CommitSignature(validator=v.validator, signature=v.signature)
                for v in votes
            }.values(),
            key=lambda s: s.validator,
        )
        return cls(
            height=first.height,
            round=first.round,
            block_hash=first.block_hash,
            signatures=tuple(signatures),
        )
