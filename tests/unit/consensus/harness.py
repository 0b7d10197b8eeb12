"""A small hand-driven cluster for unit tests of the engine: keys, a set, signed inputs."""

from dataclasses import replace

from consensus import (
    Action,
    Broadcast,
    CommitApplied,
    EngineConfig,
    Event,
    MessageReceived,
    ProposalMessage,
    ProposalValidated,
    ReplicaState,
    SignedProposal,
    SignerState,
    initial_signer_state,
    start_replica,
    step,
)
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.votes import Proposal, SignedVote, Vote, VoteType
from tests.fakes.fake_signer import FakeKeyring, FakeSigner
from tests.kit.engine_config import engine_config, named_chain_id, payload_hash, scaled_timeouts
from tests.kit.validators import validator_set_of

PRE, COM = VoteType.PREVOTE, VoteType.PRECOMMIT
X, Y = b"block x", b"block y"
"""Two payloads; their hashes are block_hash(X) and block_hash(Y)."""
INITIAL = initial_signer_state()
CHAIN_ID = named_chain_id(b"unit chain")
TIMEOUTS = scaled_timeouts(propose_ms=1000, retransmit_ms=10_000)
block_hash = payload_hash


class Harness:
    """n validators sorted by key; `me` is the index (in sorted order) of the replica."""

    def __init__(self, n: int = 4, quorum: int = 3) -> None:
        self.keyring = FakeKeyring()
        signers = [self.keyring.new_signer(b"unit %d" % i) for i in range(n)]
        self.signers: list[FakeSigner] = sorted(signers, key=lambda s: s.public_key)
        members = [(f"v{i}", s.public_key) for i, s in enumerate(self.signers)]
        self.validators = validator_set_of(members, quorum)

    def key(self, index: int) -> PublicKey:
        return self.signers[index].public_key

    def config(self, me: int, **changes: object) -> EngineConfig:
        config = engine_config(CHAIN_ID, self.signers[me], self.keyring.verify, TIMEOUTS)
        return replace(config, **changes)  # type: ignore[arg-type]

    def proposer_index(self, height: int, round_number: int) -> int:
        proposer = self.validators.proposer(height, round_number).public_key
        return [s.public_key for s in self.signers].index(proposer)

    def non_proposer(self, height: int, round_number: int) -> int:
        return (self.proposer_index(height, round_number) + 1) % len(self.signers)

    def start(
        self,
        me: int,
        *,
        height: int = 1,
        signer_state: SignerState | None = None,
        reported: int = 0,
        held_payloads: dict[Hash32, bytes] | None = None,
        **config: object,
    ) -> tuple[ReplicaState, list[Action]]:
        from consensus import initial_signer_state

        state_in = (
            initial_signer_state() if signer_state is None and reported == 0 else signer_state
        )
        return start_replica(
            self.config(me, **config),
            height=height,
            validators=self.validators,
            signer_state=state_in,
            now_ms=0,
            highest_reported_height=reported,
            held_payloads=held_payloads,
        )

    def vote(
        self,
        index: int,
        vote_type: VoteType,
        round_number: int,
        block: Hash32 | None,
        height: int = 1,
    ) -> SignedVote:
        vote = Vote(
            type=vote_type, chain_id=CHAIN_ID, height=height, round=round_number, block_hash=block
        )
        signer = self.signers[index]
        return SignedVote(
            vote=vote, validator=signer.public_key, signature=signer.sign(vote.sign_bytes())
        )

    def proposal(
        self,
        round_number: int,
        payload: bytes,
        pol_round: int = -1,
        pol_votes: tuple[SignedVote, ...] = (),
        height: int = 1,
    ) -> ProposalMessage:
        proposer = self.proposer_index(height, round_number)
        proposal = Proposal(
            chain_id=CHAIN_ID,
            height=height,
            round=round_number,
            block_hash=block_hash(payload),
            pol_round=pol_round,
        )
        signer = self.signers[proposer]
        signed = SignedProposal(
            proposal=proposal,
            proposer=signer.public_key,
            signature=signer.sign(proposal.sign_bytes()),
        )
        return ProposalMessage(signed=signed, payload=payload, pol_votes=pol_votes)

    def receive(
        self, state: ReplicaState, message: object, sender: int = 0
    ) -> tuple[ReplicaState, list[Action]]:
        return step(state, MessageReceived(sender=self.key(sender), message=message))  # type: ignore[arg-type]


def feed(state: ReplicaState, *events: Event) -> tuple[ReplicaState, list[Action]]:
    """Apply events in order; return the final state and all actions."""
    actions: list[Action] = []
    for event in events:
        state, more = step(state, event)
        actions.extend(more)
    return state, actions


def validated(message: ProposalMessage, valid: bool = True) -> ProposalValidated:
    proposal = message.signed.proposal
    return ProposalValidated(
        height=proposal.height, round=proposal.round, block_hash=proposal.block_hash, valid=valid
    )


def sent_proposals(actions: list[Action]) -> list[ProposalMessage]:
    """Proposal messages broadcast in actions."""
    found = []
    for action in actions:
        if isinstance(action, Broadcast) and isinstance(action.message, ProposalMessage):
            found.append(action.message)
    return found


def broadcast_votes(actions: list[Action], vote_type: VoteType | None = None) -> list[Vote]:
    """Our own votes broadcast in actions, optionally of one type."""
    found = []
    for action in actions:
        if not (isinstance(action, Broadcast) and isinstance(action.message, SignedVote)):
            continue
        if vote_type is None or action.message.vote.type is vote_type:
            found.append(action.message.vote)
    return found


def decided_height_1(h: Harness) -> tuple[ReplicaState, list[int]]:
    """A non-proposer of height 1 (n=3) that decided X in round 0 on the others' precommits
    and moved to height 2; the others' indices."""
    me = h.non_proposer(1, 0)
    state, _ = h.start(me)
    proposal = h.proposal(0, X)
    state, _ = h.receive(state, proposal)
    state, _ = feed(state, validated(proposal))
    others = [i for i in range(3) if i != me]
    for i in others:
        state, _ = h.receive(state, h.vote(i, COM, 0, block_hash(X)))
    state, _ = feed(state, CommitApplied(height=1, next_validators=h.validators))
    return state, others
