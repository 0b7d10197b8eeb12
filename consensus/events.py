"""Inputs to step(): time, messages, and the node's answers to earlier actions. Pure.

Time enters only through Tick (etcd-raft shape, STYLE.md §2). ProposalSubmitted answers
RequestProposal, ProposalValidated answers ValidateProposal, CommitApplied answers
CommitBlock and carries the validator set of the next height, so a set change committed at
h takes effect at h+1 (DESIGN.md §4).
"""

from dataclasses import dataclass
from typing import TypeAlias

from consensus.messages import Message
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.validators import ValidatorSet


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick:
    """The local clock reads now_ms; due timeouts fire."""

    now_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageReceived:
    """A message from sender; the transport has authenticated sender as a peer key."""

    sender: PublicKey
    message: Message


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposedBlock:
    """A block for (height, round): its hash and the opaque payload it was computed from.

    The engine asks the node to build one (RequestProposal, answered by ProposalSubmitted)
    and to execute one (ValidateProposal, an action): both carry exactly these fields.
    """

    height: int
    round: int
    block_hash: Hash32
    payload: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposalSubmitted(ProposedBlock):
    """The node built the block for (height, round) that RequestProposal asked for."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposalValidated:
    """The node executed a proposed payload: valid(v) of Alg. 1 lines 23, 29, 36, 50."""

    height: int
    round: int
    block_hash: Hash32
    valid: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitApplied:
    """The node durably applied the block of height; next_validators decide height + 1."""

    height: int
    next_validators: ValidatorSet


Event: TypeAlias = Tick | MessageReceived | ProposalSubmitted | ProposalValidated | CommitApplied
