"""Byzantine strategies against liveness at n=4 (one Byzantine key, three honest replicas).

The Twins runs (Kind.BYZANTINE4) make the Byzantine key behave randomly; these strategies
make it behave on purpose. The Byzantine replica runs the honest engine (so it knows its
height, its round and the proposals) and every message it sends passes through its
Adversary, which may drop it, delay it, send it to some replicas only, or send others a
conflicting one; on each of its ticks it may also inject messages it forges with its key
(no signer-state guard applies to them). The adversary is omniscient: it reads the honest
replicas' heights and rounds from the simulator, which is more than a real one could.

Everything random comes from the random.Random the simulator gives it (derived from the
seed), so a seed replays a run exactly. docs/CONSENSUS.md, "Byzantine strategies against
liveness", lists the strategies and the seed counts they were run for.
"""

import random
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field

from consensus import (
    BlockRequest,
    CommitMessage,
    Message,
    ProposalMessage,
    ReplicaState,
    SignedProposal,
    Signer,
    SignerState,
    StatusMessage,
    TimeoutConfig,
    TimeoutKind,
    initial_signer_state,
)
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.votes import Proposal, SignedVote, Vote, VoteType
from tests.kit.engine_config import payload_hash
from tests.simulation.sim_config import payload_is_valid
from tests.simulation.strategies import SET_CHANGES, Strategy

HOLDING = (Strategy.HOLD_GAP, Strategy.HOLD_GAP_LOW)
LOSING_POL = (Strategy.LOST_POL, Strategy.LOST_POL_UNSENT)
"""Strategies that need honest replicas to start rounds apart (the gap they keep open)."""

_MIXABLE = (
    Strategy.HOLD_GAP,
    Strategy.DRAG,
    Strategy.TOGGLE,
    Strategy.SPLIT_VOTES,
    Strategy.HIDDEN_LOCK,
    Strategy.PARTIAL_PROPOSAL,
    Strategy.LATE_PROPOSAL,
    Strategy.WITHHOLD_PRECOMMIT,
    Strategy.FUTURE_SPAM,
)

_SET_CHANGE_ATTACKS = (
    Strategy.SPLIT_PROPOSAL,
    Strategy.PARTIAL_PROPOSAL,
    Strategy.WITHHOLD_PRECOMMIT,
    Strategy.SPLIT_VOTES,
    Strategy.SILENT,
)
"""What SET_CHANGES play at the heights around the change, one per round."""

AMNESIA_PER_TICK = 0.05
"""How often, per tick of its own, AMNESIA restarts from an older signer state."""
AMNESIA_LOCKED_PER_TICK = 0.5
"""As often, while it holds a lock: a restart then forgets it."""
SIGNED_STATES_KEPT = 64
PULL_AHEAD_ROUNDS = 1 << 19
"""How far above its round PULL_AHEAD claims to be, to the one it pulls."""

_STEP_TIMEOUT = {VoteType.PREVOTE: TimeoutKind.PREVOTE, VoteType.PRECOMMIT: TimeoutKind.PRECOMMIT}
"""The timeout that ends the wait for a vote of each type (LAST_MOMENT)."""

Outgoing = list[tuple[str, Message, int]]
"""(destination, message, extra delay in ms) to put on the network."""


@dataclass
class Adversary:
    """The Byzantine replica's strategy; see Strategy for each one."""

    strategy: Strategy
    rng: random.Random
    signer: Signer
    chain_id: Hash32
    honest: Sequence[str]
    """The honest replicas' names, in a fixed order."""
    timeouts: TimeoutConfig
    _splits: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)
    _alternatives: dict[tuple[int, int, int], ProposalMessage] = field(default_factory=dict)
    _mixed: dict[tuple[int, int], Strategy] = field(default_factory=dict)
    attack_heights: frozenset[int] = frozenset()
    """SET_CHANGES: the heights around the set change, where it attacks."""
    retired: Signer | None = None
    """ROTATE, when its own key rotated: the old key, out of the set, still signing."""
    signed_states: list[SignerState] = field(default_factory=list)
    """AMNESIA: the signer states its engine wrote, oldest first (the last few)."""
    _held: list[tuple[str, SignedVote]] = field(default_factory=list)
    """LATE_PRECOMMIT: precommits held back for one honest replica."""
    _ticks: int = 0
    _crashed: bool = False
    """LOST_POL: it had its crash; silent from then on."""
    forged: int = 0
    """Messages forged (signed outside the engine), for the run's report."""

    def _now_strategy(self, height: int, round_number: int) -> Strategy:
        if self.strategy in LOSING_POL and self._crashed:
            return Strategy.SILENT
        if self.strategy is Strategy.LOST_POL_UNSENT:
            return Strategy.LOST_POL
        if self.strategy in SET_CHANGES:
            if height not in self.attack_heights:
                return self.strategy
            key = (height, round_number)
            if key not in self._mixed:
                self._mixed[key] = self.rng.choice(_SET_CHANGE_ATTACKS)
            return self._mixed[key]
        if self.strategy is not Strategy.MIXED:
            return self.strategy
        key = (height, round_number)
        if key not in self._mixed:
            self._mixed[key] = self.rng.choice(_MIXABLE)
        return self._mixed[key]

    # ------------------------------------------------------------- its own messages

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

    def crash_wanted(
        self, honest_states: Mapping[str, ReplicaState | None], locked_after_gst: Set[str]
    ) -> str | None:
        """LOST_POL's fault schedule: once two live honest replicas of one height are locked
        on different blocks, the one locked in the later round (once per run), if it took
        that lock after GST: on calm links what it sent as it locked has arrived (a loss
        before GST is lost_pol_unsent's case)."""
        if self.strategy is not Strategy.LOST_POL:
            return None
        return next(
            (
                n
                for n in honest_states
                if n in locked_after_gst and self._crash_now(n, honest_states)
            ),
            None,
        )

    def crash_in_step(self, name: str, honest_states: Mapping[str, ReplicaState | None]) -> bool:
        """LOST_POL_UNSENT's fault schedule: whether honest replica name, whose signer state
        was just written, crashes before the step's messages leave (as crash_wanted picks)."""
        return self.strategy is Strategy.LOST_POL_UNSENT and self._crash_now(name, honest_states)

    def _crash_now(self, name: str, honest_states: Mapping[str, ReplicaState | None]) -> bool:
        if self._crashed or any(state is None for state in honest_states.values()):
            return False  # once, and one honest replica down at a time
        locks = {
            other: (state.height, state.signer.locked_round, state.signer.locked_block)
            for other, state in honest_states.items()
            if state is not None and state.signer.locked_block is not None
        }
        if name not in locks:
            return False
        height, round_number, block = locks[name]
        self._crashed = any(
            h == height and r < round_number and b != block for h, r, b in locks.values()
        )
        return self._crashed

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

    def _subset(self, height: int, round_number: int, *, minimum: int) -> frozenset[str]:
        """A nonempty proper subset of the honest replicas, fixed per (height, round)."""
        key = (height, round_number)
        if key not in self._splits:
            size = self.rng.randint(minimum, len(self.honest) - 1)
            self._splits[key] = frozenset(self.rng.sample(list(self.honest), size))
        return self._splits[key]

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

    def _alternative(self, height: int, round_number: int, variant: int = 0) -> ProposalMessage:
        """A second, valid block for (height, round), proposed to the other side (one per
        variant: SPLIT_PROPOSAL gives each honest replica its own)."""
        key = (height, round_number, variant)
        if key not in self._alternatives:
            nonce = 0
            tag = b"byz|h%d|r%d|" % (height, round_number)
            if variant:
                tag += b"v%d|" % variant  # variant 0 keeps the bytes older seeds drew
            while not payload_is_valid(payload := tag + b"alt%d" % nonce):
                nonce += 1
            proposal = Proposal(
                chain_id=self.chain_id,
                height=height,
                round=round_number,
                block_hash=payload_hash(payload),
                pol_round=-1,
            )
            signed = SignedProposal(
                proposal=proposal,
                proposer=self.signer.public_key,
                signature=self.signer.sign(proposal.sign_bytes()),
            )
            self.forged += 1
            self._alternatives[key] = ProposalMessage(signed=signed, payload=payload)
        return self._alternatives[key]

    # ------------------------------------------------------------- what it forges

    def inject(
        self, own: ReplicaState, honest_states: Mapping[str, ReplicaState | None]
    ) -> Outgoing:
        """Messages forged on one of its ticks."""
        strategy = self._now_strategy(own.height, own.round)
        if strategy in HOLDING:
            return self._hold(honest_states, below=strategy is Strategy.HOLD_GAP_LOW)
        if strategy is Strategy.FUTURE_SPAM:
            return self._spam(own)
        if strategy is Strategy.REPLAY:
            return self._replay(own, honest_states)
        if strategy is Strategy.STALE:
            return self._stale(own, honest_states) + self._hold(honest_states, below=True)
        if strategy in (Strategy.DRAG, Strategy.TOGGLE):
            self._ticks += 1
            step = 1 if strategy is Strategy.DRAG or self._ticks % 2 else -1
            return self._claim(honest_states, step)
        if strategy is Strategy.SPLIT_HEARD:
            return self._split_heard(honest_states)
        if strategy is Strategy.PULL_AHEAD:
            return self._pull_ahead(honest_states)
        if strategy is Strategy.LATE_PRECOMMIT:
            return self._release(honest_states)
        if self.retired is not None:
            return self._retired_votes(own)
        return []

    def _split_heard(self, states: Mapping[str, ReplicaState | None]) -> Outgoing:
        """To each live honest replica a nil prevote of another round relative to its own
        (-1, 0, +1, +2, turning tick by tick): no two hear it in one place."""
        self._ticks += 1
        offsets = (-1, 0, 1, 2)
        out: Outgoing = []
        for index, (name, state) in enumerate(states.items()):
            if state is None:
                continue
            offset = offsets[(index + self._ticks) % len(offsets)]
            round_number = max(0, state.round + offset)
            out.append((name, self.vote(VoteType.PREVOTE, state.height, round_number, None), 0))
        return out

    def _pull_ahead(self, states: Mapping[str, ReplicaState | None]) -> Outgoing:
        """The first honest replica: a nil prevote half the round window above its round;
        the others: one of their own round."""
        out: Outgoing = []
        for name, state in states.items():
            if state is None:
                continue
            ahead = PULL_AHEAD_ROUNDS if name == self.honest[0] else 0
            vote = self.vote(VoteType.PREVOTE, state.height, state.round + ahead, None)
            out.append((name, vote, 0))
        return out

    def _release(self, states: Mapping[str, ReplicaState | None]) -> Outgoing:
        """The held precommits of heights some live honest replica has left."""
        top = max((s.height for s in states.values() if s is not None), default=0)
        due = [(d, v) for d, v in self._held if v.vote.height < top]
        self._held = [(d, v) for d, v in self._held if v.vote.height >= top]
        return [(d, v, self.rng.randint(0, 30)) for d, v in due]

    def _retired_votes(self, own: ReplicaState) -> Outgoing:
        """ROTATE, its own key rotated: prevotes and precommits for a fresh block with the
        old key, out of the set, to every honest replica (they count nowhere)."""
        assert self.retired is not None
        block = payload_hash(b"retired %d" % self.rng.randrange(1 << 30))
        out: Outgoing = []
        for vote_type in VoteType:
            vote = self.vote(vote_type, own.height, own.round, block, signer=self.retired)
            out.extend((d, vote, 0) for d in self.honest)
        return out

    def amnesia_state(self) -> SignerState | None:
        """AMNESIA, on one of its ticks: the signer state to restart from now (an older one
        of its own, or a wiped one), or None."""
        if self.strategy is not Strategy.AMNESIA or not self.signed_states:
            return None
        latest = self.signed_states[-1]
        locked = latest.locked_block is not None
        if self.rng.random() >= (AMNESIA_LOCKED_PER_TICK if locked else AMNESIA_PER_TICK):
            return None
        if self.rng.random() < 0.3:
            return initial_signer_state()
        # Before its lock if it holds one (so it may prevote another block: a lock
        # violation), else any older state of its height.
        older = [
            s
            for s in self.signed_states[:-1]
            if s.height == latest.height and (not locked or s.locked_block != latest.locked_block)
        ]
        return self.rng.choice(older) if older else initial_signer_state()

    def signed(self, state: SignerState) -> None:
        """AMNESIA: its engine wrote state."""
        if self.strategy is Strategy.AMNESIA:
            self.signed_states = [*self.signed_states[-SIGNED_STATES_KEPT + 1 :], state]

    def _claim(self, states: Mapping[str, ReplicaState | None], step: int) -> Outgoing:
        """A prevote of the round step away from its own to every live honest replica."""
        out: Outgoing = []
        for name, state in states.items():
            if state is not None:
                round_number = max(0, state.round + step)
                out.append((name, self.vote(VoteType.PREVOTE, state.height, round_number, None), 0))
        return out

    def _hold(self, states: Mapping[str, ReplicaState | None], *, below: bool) -> Outgoing:
        """A prevote of its own round to every honest replica behind another one."""
        live = {n: s for n, s in states.items() if s is not None}
        if not live:
            return []
        ahead = max((s.height, s.round) for s in live.values())
        out: Outgoing = []
        for name, state in live.items():
            if (state.height, state.round) >= ahead:
                continue
            round_number = max(0, state.round - 1) if below else state.round
            vote = self.vote(VoteType.PREVOTE, state.height, round_number, None)
            out.append((name, vote, 0))
        return out

    def _replay(self, own: ReplicaState, states: Mapping[str, ReplicaState | None]) -> Outgoing:
        """To each live honest replica, every other honest validator's latest vote below its
        position that our engine holds, and our own prevote a round below it, resent at
        short intervals until the next tick (so a real retransmission is soon undone)."""
        out: Outgoing = []
        for name, state in states.items():
            if state is None:
                continue
            where = (state.height, state.round)
            sent: list[SignedVote] = []
            for other in states.values():
                if other is None or other.public_key == state.public_key:
                    continue
                old = _latest_below(own, other.public_key, where)
                if old is not None:
                    sent.append(old)
            if state.round > 0:
                sent.append(self.vote(VoteType.PREVOTE, state.height, state.round - 1, None))
            for hold_ms in range(0, self.timeouts.retransmit_ms, _REPLAY_EVERY_MS):
                out.extend((name, vote, hold_ms) for vote in sent)
        return out

    def _stale(self, own: ReplicaState, states: Mapping[str, ReplicaState | None]) -> Outgoing:
        """To each live honest replica of our height, up to eight of each other honest
        validator's votes of rounds more than one below its round that it lacks, and our
        old proposals."""
        out: Outgoing = []
        for name, state in states.items():
            if state is None or state.height != own.height:
                continue
            for other in states.values():
                if other is None or other.public_key == state.public_key:
                    continue
                old = [
                    vote
                    for vote_type in VoteType
                    for round_number in own.votes.rounds(vote_type)
                    if round_number < state.round - 1
                    and (vote := own.votes.get(round_number, vote_type, other.public_key))
                    and not state.votes.contains(vote)
                ]
                chosen = self.rng.sample(old, min(8, len(old)))
                out.extend((name, vote, self.rng.randint(0, 200)) for vote in chosen)
            for round_number, proposal in own.proposals.items():
                if round_number < state.round:
                    out.append((name, proposal, self.rng.randint(0, 200)))
        return out

    def _spam(self, own: ReplicaState) -> Outgoing:
        out: Outgoing = []
        height, round_number = own.height, own.round
        for _ in range(self.rng.randint(1, 4)):
            ahead = self.rng.choice((1, 2, 3, 7, 50, 1 << 19, (1 << 20) - 1, 1 << 20))
            vote_type = self.rng.choice(list(VoteType))
            block = self.rng.choice((None, payload_hash(b"spam %d" % self.rng.randrange(1000))))
            target = self.rng.choice(list(self.honest))
            out.append((target, self.vote(vote_type, height, round_number + ahead, block), 0))
        # Double votes in the current round: evidence, once per slot at each receiver.
        for vote_type in VoteType:
            block = payload_hash(b"double %d" % self.rng.randrange(1 << 30))
            out.append(
                (
                    self.rng.choice(list(self.honest)),
                    self.vote(vote_type, height, round_number, block),
                    0,
                )
            )
        target = self.rng.choice(list(self.honest))
        out.append((target, StatusMessage(height=height + self.rng.randint(1, 5)), 0))
        unknown = payload_hash(b"unknown %d" % self.rng.randrange(1 << 30))
        out.append((target, BlockRequest(height=height, block_hash=unknown), 0))
        return out

    def vote(
        self,
        vote_type: VoteType,
        height: int,
        round_number: int,
        block: Hash32 | None,
        *,
        signer: Signer | None = None,
    ) -> SignedVote:
        """A vote signed with the Byzantine key (or signer), past any guard."""
        signer = signer or self.signer
        vote = Vote(
            type=vote_type,
            chain_id=self.chain_id,
            height=height,
            round=round_number,
            block_hash=block,
        )
        self.forged += 1
        return SignedVote(
            vote=vote, validator=signer.public_key, signature=signer.sign(vote.sign_bytes())
        )


_REPLAY_EVERY_MS = 25


def _latest_below(
    own: ReplicaState, validator: PublicKey, where: tuple[int, int]
) -> SignedVote | None:
    """The vote of validator at the highest (height, round) below where in own's tallies."""
    best: SignedVote | None = None
    for height, tally in ((own.height, own.votes), (own.height - 1, own.previous_votes)):
        for vote_type in VoteType:
            for round_number in tally.rounds(vote_type):
                vote = tally.get(round_number, vote_type, validator)
                if vote is None or (height, round_number) >= where:
                    continue
                if best is None or (height, round_number) > (best.vote.height, best.vote.round):
                    best = vote
    return best


def _is_vote(message: Message, vote_type: VoteType) -> bool:
    return isinstance(message, SignedVote) and message.vote.type is vote_type


def _position(message: Message, own: ReplicaState) -> tuple[int, int]:
    """The (height, round) a message belongs to, or the sender's own for other kinds."""
    if isinstance(message, SignedVote):
        return message.vote.height, message.vote.round
    if isinstance(message, ProposalMessage):
        return message.signed.proposal.height, message.signed.proposal.round
    return own.height, own.round
