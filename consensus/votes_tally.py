"""The votes of one height, by round, type and validator; the counting of Alg. 1. Pure.

Every validator weighs one. Like the paper, we count messages: a validator that signed
two different votes in one slot (an equivocator) counts toward each value it named, up to
VOTES_PER_SLOT_MAX distinct votes. Quorum intersection keeps this safe: two quorums for
different values in one round share 2q - n > f_S validators, so one of them would be an
honest double-signer. Counting only the first vote instead would let an equivocator hide a
POL from some honest replicas forever. The tally is copied on write.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.votes import SignedVote, VoteType

Slot = tuple[int, VoteType]

VOTES_PER_SLOT_MAX = 4
"""Distinct votes kept per validator and slot, bounding what an equivocator can store; one
more for a block a quorum prevoted (`add(..., quorum_shown=True)`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VoteTally:
    """Signed votes of one height: (round, type) -> validator -> its distinct votes."""

    slots: Mapping[Slot, Mapping[PublicKey, tuple[SignedVote, ...]]] = field(default_factory=dict)

    def get(
        self, round_number: int, vote_type: VoteType, validator: PublicKey
    ) -> SignedVote | None:
        """The first vote validator cast in the slot (ours first, for our own key)."""
        votes = self.slots.get((round_number, vote_type), {}).get(validator, ())
        return votes[0] if votes else None

    def contains(self, signed: SignedVote) -> bool:
        slot = (signed.vote.round, signed.vote.type)
        return signed in self.slots.get(slot, {}).get(signed.validator, ())

    def add(
        self, signed: SignedVote, *, quorum_shown: bool = False
    ) -> tuple["VoteTally", SignedVote | None]:
        """Add signed; return the new tally and an earlier vote naming another block, if any.

        Requires signed to be verified and to belong to this tally's height. quorum_shown:
        the caller holds verified votes of q validators for signed's block in its slot (a
        POL, intake._take_pol), so signed is kept one vote past VOTES_PER_SLOT_MAX. An
        equivocator that filled its slot with other blocks first would otherwise hide the
        POL its real vote completes (n=7, simulator seed 20,000,005: no block for 600 s).
        Two blocks with q votes in one slot take more than f_S equivocators, so the one
        vote more is the POL's. CometBFT's VoteSet likewise keeps a conflicting vote only
        for a block a peer claims +2/3 for (peerMaj23); our claim carries its signatures.
        """
        slot = (signed.vote.round, signed.vote.type)
        inner = self.slots.get(slot, {})
        earlier = inner.get(signed.validator, ())
        if signed in earlier:
            return self, None
        conflict = next((v for v in earlier if v.vote.block_hash != signed.vote.block_hash), None)
        if len(earlier) >= VOTES_PER_SLOT_MAX + (1 if quorum_shown else 0):
            return self, conflict
        new_inner = {**inner, signed.validator: (*earlier, signed)}
        return VoteTally(slots={**self.slots, slot: new_inner}), conflict

    def put_own(self, signed: SignedVote) -> "VoteTally":
        """Add our own vote in front of any other vote under our key in its slot.

        Another vote under our key can only come from a second process holding the key (a
        Twins test, or a stolen key); get() must return what we signed.
        """
        slot = (signed.vote.round, signed.vote.type)
        inner = self.slots.get(slot, {})
        others = tuple(v for v in inner.get(signed.validator, ()) if v != signed)
        new_inner = {**inner, signed.validator: (signed, *others)}
        return VoteTally(slots={**self.slots, slot: new_inner})

    def count(self, round_number: int, vote_type: VoteType, block: Hash32 | None) -> int:
        """Validators with a vote in the slot naming exactly block (None counts nil)."""
        inner = self.slots.get((round_number, vote_type), {})
        return sum(1 for votes in inner.values() if any(v.vote.block_hash == block for v in votes))

    def count_any(self, round_number: int, vote_type: VoteType) -> int:
        """Validators with any vote in the slot, nil included ("2f+1 <PREVOTE, h, r, *>")."""
        return len(self.slots.get((round_number, vote_type), {}))

    def block_with(self, round_number: int, vote_type: VoteType, threshold: int) -> Hash32 | None:
        """The lowest non-nil block named by >= threshold validators in the slot, if any."""
        tallies: dict[Hash32, int] = {}
        for votes in self.slots.get((round_number, vote_type), {}).values():
            for block in {v.vote.block_hash for v in votes}:
                if block is not None:
                    tallies[block] = tallies.get(block, 0) + 1
        qualified = sorted(b for b, count in tallies.items() if count >= threshold)
        return qualified[0] if qualified else None

    def votes_for(
        self, round_number: int, vote_type: VoteType, block: Hash32 | None
    ) -> tuple[SignedVote, ...]:
        """One vote per validator in the slot naming block, sorted by validator key."""
        inner = self.slots.get((round_number, vote_type), {})
        chosen = []
        for validator in sorted(inner):
            match = next((v for v in inner[validator] if v.vote.block_hash == block), None)
            if match is not None:
                chosen.append(match)
        return tuple(chosen)

    def voters_in_round(self, round_number: int) -> frozenset[PublicKey]:
        """Validators with any vote in round_number."""
        voters: set[PublicKey] = set()
        for vote_type in VoteType:
            voters.update(self.slots.get((round_number, vote_type), {}))
        return frozenset(voters)

    def rounds_of(
        self, validator: PublicKey, above: int = -1, below: int | None = None
    ) -> set[int]:
        """Rounds above `above` (and below `below`, if given) in which validator has any
        vote."""
        return {
            r
            for (r, _), inner in self.slots.items()
            if r > above and (below is None or r < below) and validator in inner
        }

    def in_round(self, round_number: int, vote_type: VoteType) -> tuple[SignedVote, ...]:
        """Every vote kept in the slot, equivocators' second votes included."""
        inner = self.slots.get((round_number, vote_type), {})
        return tuple(v for validator in sorted(inner) for v in inner[validator])

    def rounds(self, vote_type: VoteType) -> list[int]:
        """Rounds holding at least one vote of vote_type, ascending."""
        return sorted(r for (r, t) in self.slots if t is vote_type)
