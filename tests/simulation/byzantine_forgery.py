"""What a Byzantine key forges on each of its ticks, beside what its engine sends: votes
of other rounds, replays of old votes, held precommits, spam from far ahead
(tests/simulation/adversary.py)."""

from collections.abc import Mapping

from consensus import BlockRequest, ReplicaState, StatusMessage
from protocol.signing import PublicKey
from protocol.votes import SignedVote, VoteType
from tests.kit.engine_config import payload_hash
from tests.simulation.byzantine_key import HOLDING, ByzantineKey, Outgoing
from tests.simulation.strategies import Strategy

PULL_AHEAD_ROUNDS = 1 << 19
"""How far above its round PULL_AHEAD claims to be, to the one it pulls."""


class ForgedMessages(ByzantineKey):
    """The strategies' own messages, forged on its ticks (Adversary.inject)."""

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
