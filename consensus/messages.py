"""Messages replicas exchange: proposals with their payload, votes, commits, status. Pure.

Votes travel as protocol.votes.SignedVote. A proposal carries the opaque block payload and,
when it re-proposes a valid value (pol_round >= 0), the q prevotes that justify it, so a
replica that missed that round can still apply Alg. 1 line 28. A CommitMessage lets a
lagging replica commit from a certificate; a StatusMessage announces the height a replica
is working on, so peers ahead of it push commits; a BlockRequest asks for a payload, and a
BlockPayload answers it.
"""

from dataclasses import dataclass
from typing import TypeAlias

from protocol.encoding import JsonObject
from protocol.errors import FieldTypeError
from protocol.fields import expect_object, read_hex, read_int, read_list, read_object, read_str
from protocol.hashing import HASH_SIZE, Hash32
from protocol.signing import PUBLIC_KEY_SIZE, SIGNATURE_SIZE, PublicKey
from protocol.votes import CommitCertificate, Proposal, SignedVote

PAYLOAD_HEX_MAX = 1 << 27
"""Largest payload accepted from JSON, in hex characters (64 MiB of block)."""
CERTIFICATES_MAX = 16
"""Most certificates one CertificatesMessage may carry (EngineConfig.decisions_kept)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedProposal:
    """A proposal and the proposer's signature over proposal.sign_bytes()."""

    proposal: Proposal
    proposer: PublicKey
    signature: bytes

    def to_json(self) -> JsonObject:
        return {
            "proposal": self.proposal.to_json(),
            "proposer": self.proposer.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, value: object) -> "SignedProposal":
        obj = expect_object(value, "signed proposal", ("proposal", "proposer", "signature"))
        return cls(
            proposal=Proposal.from_json(read_object(obj, "proposal")),
            proposer=PublicKey(read_hex(obj, "proposer", size=PUBLIC_KEY_SIZE)),
            signature=read_hex(obj, "signature", size=SIGNATURE_SIZE),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposalMessage:
    """A signed proposal, its block payload and the prevotes of its POL round (if any)."""

    signed: SignedProposal
    payload: bytes
    pol_votes: tuple[SignedVote, ...] = ()

    @property
    def height(self) -> int:
        return self.signed.proposal.height

    def to_json(self) -> JsonObject:
        return {
            "kind": "proposal",
            "signed": self.signed.to_json(),
            "payload": self.payload.hex(),
            "pol_votes": [v.to_json() for v in self.pol_votes],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitMessage:
    """A decided block: its certificate and payload, for a replica that is behind."""

    certificate: CommitCertificate
    payload: bytes

    @property
    def height(self) -> int:
        return self.certificate.height

    def to_json(self) -> JsonObject:
        return {
            "kind": "commit",
            "certificate": self.certificate.to_json(),
            "payload": self.payload.hex(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusMessage:
    """The height the sender is working on (its last commit + 1)."""

    height: int

    def to_json(self) -> JsonObject:
        return {"kind": "status", "height": self.height}


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockRequest:
    """Asks peers for the proposal carrying block_hash at height.

    A replica that restarted keeps its lock (signer state) but not the payload it locked
    on; without the payload it can neither re-propose nor commit that block.
    """

    height: int
    block_hash: Hash32

    def to_json(self) -> JsonObject:
        return {"kind": "block_request", "height": self.height, "block_hash": self.block_hash.hex()}


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockPayload:
    """Answers a BlockRequest with the bare payload, authenticated by its hash alone.

    A replica that restarted holds its locked and valid payloads (PersistPayload) but no
    signed proposal carrying them, so it serves the bytes themselves.
    """

    height: int
    block_hash: Hash32
    payload: bytes

    def to_json(self) -> JsonObject:
        return {
            "kind": "block_payload",
            "height": self.height,
            "block_hash": self.block_hash.hex(),
            "payload": self.payload.hex(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificatesMessage:
    """The certificates of the sender's recent decisions, gossiped with its retransmissions.

    Certificates of conflicting decisions must meet for a fork to be noticed: replicas on
    either side of a fork go on at equal heights and never ask each other for commits.
    """

    certificates: tuple[CommitCertificate, ...]
    votes: tuple[SignedVote, ...] = ()
    """After a fork: the votes the sender saw at the fork height, so the receiver can find
    an equivocation that neither certificate shows alone (certificates of different rounds)."""

    @property
    def height(self) -> int:
        """The highest height carried (0 if none); routing does not use it."""
        return max((c.height for c in self.certificates), default=0)

    def to_json(self) -> JsonObject:
        return {
            "kind": "certificates",
            "certificates": [c.to_json() for c in self.certificates],
            "votes": [v.to_json() for v in self.votes],
        }


Message: TypeAlias = (
    ProposalMessage
    | SignedVote
    | CommitMessage
    | StatusMessage
    | BlockRequest
    | BlockPayload
    | CertificatesMessage
)


def message_height(message: Message) -> int:
    """The height a message belongs to."""
    if isinstance(message, SignedVote):
        return message.vote.height
    return message.height


def message_to_json(message: Message) -> JsonObject:
    """Wire form of any message; votes are tagged with kind "vote"."""
    if isinstance(message, SignedVote):
        return {"kind": "vote", "vote": message.to_json()}
    return message.to_json()


def message_from_json(value: object) -> Message:
    """Decode any message; the kind field selects its type."""
    if not isinstance(value, dict):
        raise FieldTypeError("message: expected an object")
    kind = read_str(value, "kind") if "kind" in value else None
    if kind == "vote":
        obj = expect_object(value, "vote message", ("kind", "vote"))
        return SignedVote.from_json(read_object(obj, "vote"))
    if kind == "proposal":
        obj = expect_object(value, "proposal message", ("kind", "signed", "payload", "pol_votes"))
        return ProposalMessage(
            signed=SignedProposal.from_json(read_object(obj, "signed")),
            payload=_read_payload(obj),
            pol_votes=tuple(SignedVote.from_json(v) for v in read_list(obj, "pol_votes")),
        )
    if kind == "commit":
        obj = expect_object(value, "commit message", ("kind", "certificate", "payload"))
        return CommitMessage(
            certificate=CommitCertificate.from_json(read_object(obj, "certificate")),
            payload=_read_payload(obj),
        )
    if kind == "block_request":
        obj = expect_object(value, "block request", ("kind", "height", "block_hash"))
        return BlockRequest(
            height=read_int(obj, "height"),
            block_hash=Hash32(read_hex(obj, "block_hash", size=HASH_SIZE)),
        )
    if kind == "block_payload":
        obj = expect_object(value, "block payload", ("kind", "height", "block_hash", "payload"))
        return BlockPayload(
            height=read_int(obj, "height"),
            block_hash=Hash32(read_hex(obj, "block_hash", size=HASH_SIZE)),
            payload=_read_payload(obj),
        )
    if kind == "certificates":
        obj = expect_object(value, "certificates message", ("kind", "certificates", "votes"))
        items = read_list(obj, "certificates", max_items=CERTIFICATES_MAX)
        return CertificatesMessage(
            certificates=tuple(CommitCertificate.from_json(c) for c in items),
            votes=tuple(SignedVote.from_json(v) for v in read_list(obj, "votes")),
        )
    if kind == "status":
        obj = expect_object(value, "status message", ("kind", "height"))
        return StatusMessage(height=read_int(obj, "height"))
    raise FieldTypeError(f"message: unknown kind {kind!r}")


def _read_payload(obj: JsonObject) -> bytes:
    text = obj["payload"]
    if isinstance(text, str) and len(text) > PAYLOAD_HEX_MAX:
        raise FieldTypeError("payload: too large")
    return read_hex(obj, "payload")
