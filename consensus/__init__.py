"""Tendermint-style BFT consensus as a pure state machine (DESIGN.md §4, docs/CONSENSUS.md).

Use start_replica() to get the first state, then feed events to step() and perform the
actions it returns, in order. Pure: no clock, randomness, I/O or threads.
"""

from consensus.actions import (
    Action,
    Broadcast,
    CommitBlock,
    EvidenceFound,
    ForkDetected,
    PersistPayload,
    PersistSignerState,
    ProposalRefused,
    RequestProposal,
    ScheduleTimeout,
    Send,
    ValidateProposal,
)
from consensus.config import EngineConfig, TimeoutConfig, TimeoutKind
from consensus.engine import held_blocks, signatures_carried, start_replica, step
from consensus.events import (
    CommitApplied,
    Event,
    MessageReceived,
    ProposalSubmitted,
    ProposalValidated,
    Tick,
)
from consensus.messages import (
    BlockPayload,
    BlockRequest,
    CertificatesMessage,
    CommitMessage,
    Message,
    ProposalMessage,
    SignedProposal,
    StatusMessage,
    message_from_json,
    message_height,
    message_to_json,
)
from consensus.ports import Ed25519Signer, PayloadHasher, Signer, VerifySignature, verify_ed25519
from consensus.rounds import own_round_messages
from consensus.signer_state import (
    SignedStep,
    SignerState,
    decode_signer_state,
    encode_signer_state,
    initial_signer_state,
    may_sign,
    may_sign_checkpoint,
    record_checkpoint,
    record_signed,
)
from consensus.state import ReplicaState, Step

__all__ = [
    "Action",
    "BlockPayload",
    "BlockRequest",
    "Broadcast",
    "CertificatesMessage",
    "CommitApplied",
    "CommitBlock",
    "CommitMessage",
    "Ed25519Signer",
    "EngineConfig",
    "Event",
    "EvidenceFound",
    "ForkDetected",
    "Message",
    "MessageReceived",
    "PayloadHasher",
    "PersistPayload",
    "PersistSignerState",
    "ProposalMessage",
    "ProposalRefused",
    "ProposalSubmitted",
    "ProposalValidated",
    "ReplicaState",
    "RequestProposal",
    "ScheduleTimeout",
    "Send",
    "SignedProposal",
    "SignedStep",
    "Signer",
    "SignerState",
    "StatusMessage",
    "Step",
    "Tick",
    "TimeoutConfig",
    "TimeoutKind",
    "ValidateProposal",
    "VerifySignature",
    "decode_signer_state",
    "encode_signer_state",
    "held_blocks",
    "initial_signer_state",
    "may_sign",
    "may_sign_checkpoint",
    "message_from_json",
    "message_height",
    "message_to_json",
    "own_round_messages",
    "record_checkpoint",
    "record_signed",
    "signatures_carried",
    "start_replica",
    "step",
    "verify_ed25519",
]
