"""Votes, proposals and commit certificates: what validators sign in consensus. Pure.

Sign bytes are TAG || JCS(object) (DESIGN.md §3, docs/PROTOCOL.md §6). A nil vote has
block_hash null. A CommitCertificate is q precommits for one block hash in one round;
protocol/certificate_check.py is the one check that it certifies its block.
"""

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, ClassVar, Protocol

from protocol.codec import CachedJsonCodec, JsonCodec, codec_wire, hex_bytes, integer, items
from protocol.errors import FieldTypeError
from protocol.hashing import TAG_PROPOSAL, TAG_VOTE, Hash32
from protocol.signing import (
    SIGNATURE_SIZE,
    PublicKey,
    SigningKey,
    VerifySignature,
    verify_signature,
)

Signature = Annotated[bytes, hex_bytes(SIGNATURE_SIZE)]
"""An Ed25519 signature, as lowercase hex on the wire."""


class VoteType(enum.Enum):
    PREVOTE = "prevote"
    PRECOMMIT = "precommit"


class _Signed(CachedJsonCodec):
    """A statement a validator signs: its sign bytes are sign_tag || JCS(statement)."""

    __slots__ = ()
    sign_tag: ClassVar[bytes]

    def sign_bytes(self) -> bytes:
        """The bytes a validator signs."""
        return self.sign_tag + self.canonical_bytes()


@dataclass(frozen=True, slots=True, kw_only=True)
class Vote(_Signed, what="vote"):
    """A prevote or precommit for block_hash (None = nil) at (height, round)."""

    sign_tag = TAG_VOTE

    type: VoteType
    chain_id: Hash32
    height: int
    round: int
    block_hash: Hash32 | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedVote(JsonCodec, what="signed vote"):
    vote: Vote
    validator: PublicKey
    signature: Signature

    def verify(self, verify: VerifySignature = verify_signature) -> bool:
        """The signature verifies under the verify port (a node passes its cache)."""
        return verify(self.validator, self.vote.sign_bytes(), self.signature)


def sign_vote(vote: Vote, key: SigningKey) -> SignedVote:
    return SignedVote(vote=vote, validator=key.public_key, signature=key.sign(vote.sign_bytes()))


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal(_Signed, what="proposal"):
    """The proposer's claim for (height, round): block_hash, and the POL round or -1."""

    sign_tag = TAG_PROPOSAL

    chain_id: Hash32
    height: int
    round: int
    block_hash: Hash32
    pol_round: Annotated[int, integer(minimum=-1)]


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitSignature(JsonCodec, what="commit signature"):
    validator: PublicKey
    signature: Signature


class CertificateLike(Protocol):
    """A certificate as served, before any type refused its shape: CommitCertificate and
    client.receipt.history.RawCertificate (protocol/certificate_check.py reads either)."""

    @property
    def height(self) -> int: ...

    @property
    def round(self) -> int: ...

    @property
    def block_hash(self) -> Hash32: ...

    @property
    def signatures(self) -> Sequence[CommitSignature]: ...


def precommit(chain_id: Hash32, height: int, round_number: int, block_hash: Hash32) -> Vote:
    """The precommit for block_hash at (height, round_number): what a certificate's
    signatures sign."""
    return Vote(
        type=VoteType.PRECOMMIT,
        chain_id=chain_id,
        height=height,
        round=round_number,
        block_hash=block_hash,
    )


def precommit_of(certificate: CertificateLike, chain_id: Hash32) -> Vote:
    """The precommit every signature of certificate signs."""
    return precommit(chain_id, certificate.height, certificate.round, certificate.block_hash)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitCertificate(CachedJsonCodec, what="commit certificate"):
    """Precommits for block_hash at (height, round), one per validator, sorted by key.

    canonical_bytes() (CachedJsonCodec) is what the store keeps at commit."""

    height: int
    round: int
    block_hash: Hash32
    signatures: Annotated[
        tuple[CommitSignature, ...], items(codec_wire(CommitSignature), max_items=1000)
    ]

    def __post_init__(self) -> None:
        keys = [s.validator for s in self.signatures]
        if keys != sorted(set(keys)):
            raise FieldTypeError("certificate signatures must be sorted by validator, each once")

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


def sign_certificate(
    chain_id: Hash32,
    height: int,
    block_hash: Hash32,
    keys: Iterable[SigningKey],
    *,
    round_number: int = 0,
) -> CommitCertificate:
    """A certificate of precommits for block_hash at (height, round_number), one per key.

    For those that hold the validators' keys: a forge, a benchmark, a test chain."""
    vote = precommit(chain_id, height, round_number, block_hash)
    return CommitCertificate.from_votes([sign_vote(vote, key) for key in keys])
