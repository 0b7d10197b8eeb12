"""What a Byzantine key's strategy does with each message its honest engine sends: drop
it, delay it, send it to some honest replicas only, or send the others a conflicting one
(tests/simulation/adversary.py)."""

from collections.abc import Sequence

from consensus import (
    BlockRequest,
    CommitMessage,
    Message,
    ProposalMessage,
    ReplicaState,
    StatusMessage,
    TimeoutKind,
)
from protocol.hashing import Hash32
from protocol.votes import SignedVote, VoteType
from tests.kit.engine_config import payload_hash
from tests.simulation.byzantine_key import HOLDING, ByzantineKey, Outgoing
from tests.simulation.strategies import Strategy

_STEP_TIMEOUT = {VoteType.PREVOTE: TimeoutKind.PREVOTE, VoteType.PRECOMMIT: TimeoutKind.PRECOMMIT}
"""The timeout that ends the wait for a vote of each type (LAST_MOMENT)."""


class OutgoingStrategies(ByzantineKey):
    """The strategies' answer to its own engine's messages (Adversary.outgoing)."""

    def outgoing(
        self,
        own: ReplicaState,
        message: Message,
        destinations: Sequence[str],
    ) -> Outgoing:
        """What becomes of one message its engine sends to destinations."""
        height, round_number = _position(message, own)
        strategy = self._now_strategy(height, round_number)
        plain: Outgoing = [(d, message, 0) for d in destinations]
        silent = (Strategy.SILENT, Strategy.DRAG, Strategy.TOGGLE, Strategy.REPLAY)
        if strategy in (*silent, Strategy.PULL_AHEAD, *HOLDING):
            return []
        if isinstance(message, CommitMessage | StatusMessage | BlockRequest):
            return plain  # catch-up and sync: withholding them only slows what it hides
        if strategy is Strategy.SPLIT_VOTES:
            return self._split(own, message, destinations)
        if strategy is Strategy.HIDDEN_LOCK and isinstance(message, SignedVote):
            return self._hide_lock(own, message, destinations)
        if strategy is Strategy.LOST_POL:
            return self._lose_pol(own, message, destinations)
        if strategy is Strategy.SPLIT_PROPOSAL and isinstance(message, ProposalMessage):
            proposal = message.signed.proposal
            if proposal.pol_round >= 0:
                return plain
            return [
                (d, self._alternative(proposal.height, proposal.round, self.honest.index(d)), 0)
                if d in self.honest
                else (d, message, 0)
                for d in destinations
            ]
        if strategy is Strategy.WITHHOLD_FROM_ONE and _is_vote(message, VoteType.PRECOMMIT):
            target = self.honest[(height * 7 + round_number) % len(self.honest)]
            return [(d, message, 0) for d in destinations if d != target]
        if strategy is Strategy.PARTIAL_PROPOSAL and isinstance(message, ProposalMessage):
            chosen = self._subset(height, round_number, minimum=1)
            return [(d, message, 0) for d in destinations if d in chosen]
        if strategy is Strategy.LATE_PROPOSAL:
            return self._late(message, destinations, round_number)
        if strategy is Strategy.LAST_MOMENT:
            return self._last_moment(message, destinations, round_number)
        if strategy is Strategy.STALE and _is_vote(message, VoteType.PRECOMMIT):
            late_ms = 2 * self.timeouts.duration_ms(TimeoutKind.ROUND, round_number)
            return [(d, message, late_ms) for d in destinations]
        if strategy is Strategy.LATE_PRECOMMIT and isinstance(message, SignedVote):
            if message.vote.type is not VoteType.PRECOMMIT:
                return plain
            target = self.honest[(height * 7 + round_number) % len(self.honest)]
            self._held.extend((d, message) for d in destinations if d == target)
            return [(d, message, 0) for d in destinations if d != target]
        if strategy is Strategy.WITHHOLD_PRECOMMIT and _is_vote(message, VoteType.PRECOMMIT):
            if self.rng.random() < 0.3:
                return []
            target = self.honest[(height * 7 + round_number) % len(self.honest)]
            return [(d, message, 0) for d in destinations if d == target]
        return plain

    def _lose_pol(
        self, own: ReplicaState, message: Message, destinations: Sequence[str]
    ) -> Outgoing:
        """HIDDEN_LOCK; its own proposals go to two honest replicas, its prevote for them to
        the first of the two."""
        height, round_number = _position(message, own)
        own_round = own.validators.proposer(height, round_number).public_key == own.public_key
        chosen = sorted(self._subset(height, round_number, minimum=2)) if own_round else None
        if isinstance(message, ProposalMessage):
            return [(d, message, 0) for d in destinations if chosen is None or d in chosen]
        if isinstance(message, SignedVote):
            return self._hide_lock(own, message, destinations, chosen[0] if chosen else None)
        return [(d, message, 0) for d in destinations]

    def _hide_lock(
        self,
        own: ReplicaState,
        message: SignedVote,
        destinations: Sequence[str],
        target: str | None = None,
    ) -> Outgoing:
        """A prevote for the proposal to one honest replica (target, or one by height and
        round), nil to the rest; nil precommits."""
        vote = message.vote
        nil = self.vote(vote.type, vote.height, vote.round, None)
        if vote.type is VoteType.PRECOMMIT:
            return [(d, nil if vote.block_hash is not None else message, 0) for d in destinations]
        proposal = own.proposals.get(vote.round) if own.height == vote.height else None
        if proposal is None:
            return [(d, message, 0) for d in destinations]
        block = proposal.signed.proposal.block_hash
        target = target or self.honest[(vote.height + vote.round) % len(self.honest)]
        for_it = message if vote.block_hash == block else None
        if for_it is None:
            for_it = self.vote(VoteType.PREVOTE, vote.height, vote.round, block)
        return [(d, for_it if d == target else nil, 0) for d in destinations]

    def _late(self, message: Message, destinations: Sequence[str], round_number: int) -> Outgoing:
        """Just before the receivers' propose timeout, its proposal and then its votes."""
        propose_ms = self.timeouts.duration_ms(TimeoutKind.PROPOSE, round_number)
        out: Outgoing = []
        for destination in destinations:
            if isinstance(message, ProposalMessage):
                if self.rng.random() < 0.2:
                    continue  # and sometimes not at all
                out.append((destination, message, max(0, propose_ms - self.rng.randint(0, 60))))
            elif isinstance(message, SignedVote):
                out.append((destination, message, propose_ms + self.rng.randint(0, 40)))
            else:
                out.append((destination, message, 0))
        return out

    def _last_moment(
        self, message: Message, destinations: Sequence[str], round_number: int
    ) -> Outgoing:
        """Each proposal and vote held back its step's timeout, less 40-80 ms (the network
        adds up to 40): it arrives just before the receiver would have gone on without it."""
        if isinstance(message, ProposalMessage):
            kind = TimeoutKind.PROPOSE
        elif isinstance(message, SignedVote):
            kind = _STEP_TIMEOUT[message.vote.type]
        else:
            return [(d, message, 0) for d in destinations]
        step_ms = self.timeouts.duration_ms(kind, round_number)
        return [(d, message, max(0, step_ms - 40 - self.rng.randint(0, 40))) for d in destinations]

    def _split(self, own: ReplicaState, message: Message, destinations: Sequence[str]) -> Outgoing:
        if not isinstance(message, SignedVote | ProposalMessage):
            return [(d, message, 0) for d in destinations]
        height, round_number = _position(message, own)
        side = self._subset(height, round_number, minimum=1)
        other = self._conflicting(own, message)
        return [(d, message if d in side else other, 0) for d in destinations]

    def _conflicting(self, own: ReplicaState, message: SignedVote | ProposalMessage) -> Message:
        """What the other side gets instead of message."""
        if isinstance(message, ProposalMessage):
            if message.signed.proposal.pol_round >= 0:
                return message  # its POL is real; a second proposal would lack one
            return self._alternative(message.signed.proposal.height, message.signed.proposal.round)
        vote = message.vote
        if vote.block_hash is not None:
            return self.vote(vote.type, vote.height, vote.round, None)
        alternative = self._alternatives.get((vote.height, vote.round, 0))
        proposal = own.proposals.get(vote.round)
        if alternative is not None:
            block: Hash32 | None = alternative.signed.proposal.block_hash
        elif proposal is not None and own.height == vote.height:
            block = proposal.signed.proposal.block_hash
        else:
            block = payload_hash(b"no such block %d" % self.rng.randrange(1 << 30))
        return self.vote(vote.type, vote.height, vote.round, block)


def _is_vote(message: Message, vote_type: VoteType) -> bool:
    return isinstance(message, SignedVote) and message.vote.type is vote_type


def _position(message: Message, own: ReplicaState) -> tuple[int, int]:
    """The (height, round) a message belongs to, or the sender's own for other kinds."""
    if isinstance(message, SignedVote):
        return message.vote.height, message.vote.round
    if isinstance(message, ProposalMessage):
        return message.signed.proposal.height, message.signed.proposal.round
    return own.height, own.round
