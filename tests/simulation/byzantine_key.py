"""The Byzantine key an Adversary plays (tests/simulation/adversary.py): its state, the
strategy it plays at each (height, round), and the messages every strategy signs with it
past any signer-state guard (votes, a second proposal for a round).

Everything random comes from the random.Random the simulator gives it, so a seed replays a
run exactly.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from consensus import (
    Message,
    ProposalMessage,
    SignedProposal,
    Signer,
    SignerState,
    TimeoutConfig,
)
from protocol.hashing import Hash32
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

Outgoing = list[tuple[str, Message, int]]
"""(destination, message, extra delay in ms) to put on the network."""


@dataclass
class ByzantineKey:
    """The state every strategy reads and keeps; see Strategy for each one."""

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

    def _subset(self, height: int, round_number: int, *, minimum: int) -> frozenset[str]:
        """A nonempty proper subset of the honest replicas, fixed per (height, round)."""
        key = (height, round_number)
        if key not in self._splits:
            size = self.rng.randint(minimum, len(self.honest) - 1)
            self._splits[key] = frozenset(self.rng.sample(list(self.honest), size))
        return self._splits[key]

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
