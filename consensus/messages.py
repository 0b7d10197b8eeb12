"""Messages replicas exchange: proposals with their payload, votes, commits, status. Pure.

Votes travel as protocol.votes.SignedVote. A proposal carries the opaque block payload and,
when it re-proposes a valid value (pol_round >= 0), the q prevotes that justify it, so a
replica that missed that round can still apply Alg. 1 line 28. A CommitMessage lets a
lagging replica commit from a certificate; a StatusMessage announces the height a replica
is working on, so peers ahead of it push commits; a BlockRequest asks for a payload, and a
BlockPayload answers it.
"""

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeAlias

from protocol.codec import JsonCodec, Wire, codec_wire, decode_tagged, items, tag_table
from protocol.encoding import JsonObject
from protocol.errors import FieldTypeError
from protocol.fields import expect_object, parse_hex, read_object
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.votes import CommitCertificate, Proposal, Signature, SignedVote

PAYLOAD_HEX_MAX = 1 << 27
"""Largest payload accepted from JSON, in hex characters (64 MiB of block)."""
CERTIFICATES_MAX = 16
"""Most certificates one CertificatesMessage may carry (EngineConfig.decisions_kept)."""


def _read_payload(obj: Mapping[str, Any], name: str) -> bytes:
    text = obj[name]
    if isinstance(text, str) and len(text) > PAYLOAD_HEX_MAX:
        raise FieldTypeError(f"{name}: too large")
    return parse_hex(text, name)


Payload = Annotated[bytes, Wire(_read_payload, bytes.hex)]
"""An opaque block payload, as hex of at most PAYLOAD_HEX_MAX characters."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedProposal(JsonCodec, what="signed proposal"):
    """A proposal and the proposer's signature over proposal.sign_bytes()."""

    proposal: Proposal
    proposer: PublicKey
    signature: Signature


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposalMessage(JsonCodec, what="proposal message", tag=("kind", "proposal")):
    """A signed proposal, its block payload and the prevotes of its POL round (if any)."""

    signed: SignedProposal
    payload: Payload
    pol_votes: tuple[SignedVote, ...] = ()

    @property
    def height(self) -> int:
        return self.signed.proposal.height


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitMessage(JsonCodec, what="commit message", tag=("kind", "commit")):
    """A decided block: its certificate and payload, for a replica that is behind."""

    certificate: CommitCertificate
    payload: Payload

    @property
    def height(self) -> int:
        return self.certificate.height


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusMessage(JsonCodec, what="status message", tag=("kind", "status")):
    """The height the sender is working on (its last commit + 1)."""

    height: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockRequest(JsonCodec, what="block request", tag=("kind", "block_request")):
    """Asks peers for the proposal carrying block_hash at height.

    A replica that restarted keeps its lock (signer state) but not the payload it locked
    on; without the payload it can neither re-propose nor commit that block.
    """

    height: int
    block_hash: Hash32


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockPayload(JsonCodec, what="block payload", tag=("kind", "block_payload")):
    """Answers a BlockRequest with the bare payload, authenticated by its hash alone.

    A replica that restarted holds its locked and valid payloads (PersistPayload) but no
    signed proposal carrying them, so it serves the bytes themselves.
    """

    height: int
    block_hash: Hash32
    payload: Payload


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificatesMessage(JsonCodec, what="certificates message", tag=("kind", "certificates")):
    """The certificates of the sender's recent decisions, gossiped with its retransmissions.

    Certificates of conflicting decisions must meet for a fork to be noticed: replicas on
    either side of a fork go on at equal heights and never ask each other for commits.
    """

    certificates: Annotated[
        tuple[CommitCertificate, ...],
        items(codec_wire(CommitCertificate), max_items=CERTIFICATES_MAX),
    ]
    votes: tuple[SignedVote, ...] = ()
    """After a fork: the votes the sender saw at the fork height, so the receiver can find
    an equivocation that neither certificate shows alone (certificates of different rounds)."""

    @property
    def height(self) -> int:
        """The highest height carried (0 if none); routing does not use it."""
        return max((c.height for c in self.certificates), default=0)


Message: TypeAlias = (
    ProposalMessage
    | SignedVote
    | CommitMessage
    | StatusMessage
    | BlockRequest
    | BlockPayload
    | CertificatesMessage
)
_TAGGED: Mapping[str, type[JsonCodec]] = tag_table(
    ProposalMessage,
    CommitMessage,
    StatusMessage,
    BlockRequest,
    BlockPayload,
    CertificatesMessage,
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
    if isinstance(value, dict) and value.get("kind") == "vote":
        obj = expect_object(value, "vote message", ("kind", "vote"))
        return SignedVote.from_json(read_object(obj, "vote"))
    return typing.cast(Message, decode_tagged(value, "message", "kind", _TAGGED))
