"""The votes of one height, by round, type and validator; the counting of Alg. 1. Pure.

Every validator weighs one. The first vote of a validator in a (round, type) slot is kept;
a second, different one is returned as a conflict so the engine can turn it into evidence.
The tally is copied on write: states are immutable values.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.votes import SignedVote, VoteType

Slot = tuple[int, VoteType]


@dataclass(frozen=True, slots=True, kw_only=True)
class VoteTally:
    """Signed votes of one height: (round, type) -> validator -> vote."""

    slots: Mapping[Slot, Mapping[PublicKey, SignedVote]] = field(default_factory=dict)

    def get(
        self, round_number: int, vote_type: VoteType, validator: PublicKey
    ) -> SignedVote | None:
        return self.slots.get((round_number, vote_type), {}).get(validator)

    def add(self, signed: SignedVote) -> tuple["VoteTally", SignedVote | None]:
        """Add signed; return the new tally and the earlier conflicting vote, if any.

        Requires signed to be verified and to belong to this tally's height.
        """
        slot = (signed.vote.round, signed.vote.type)
        inner = self.slots.get(slot, {})
        earlier = inner.get(signed.validator)
        if earlier is not None:
            return self, (None if earlier == signed else earlier)
        new_inner = {**inner, signed.validator: signed}
        return VoteTally(slots={**self.slots, slot: new_inner}), None

    def put_own(self, signed: SignedVote) -> "VoteTally":
        """Add our own vote, replacing any vote under our key in its slot.

        Another vote under our key can only come from a second process holding the key (a
        Twins test, or a stolen key); our count must reflect what we signed.
        """
        slot = (signed.vote.round, signed.vote.type)
        new_inner = {**self.slots.get(slot, {}), signed.validator: signed}
        return VoteTally(slots={**self.slots, slot: new_inner})

    def count(self, round_number: int, vote_type: VoteType, block: Hash32 | None) -> int:
        """Votes in the slot naming exactly block (None counts nil votes)."""
        inner = self.slots.get((round_number, vote_type), {})
        return sum(1 for v in inner.values() if v.vote.block_hash == block)

    def count_any(self, round_number: int, vote_type: VoteType) -> int:
        """Votes in the slot for anything, nil included ("2f+1 <PREVOTE, h, r, *>")."""
        return len(self.slots.get((round_number, vote_type), {}))

    def block_with(self, round_number: int, vote_type: VoteType, threshold: int) -> Hash32 | None:
        """The non-nil block named by >= threshold votes in the slot, if any.

        Requires threshold > half the validators, so at most one block can qualify.
        """
        tallies: dict[Hash32, int] = {}
        for signed in self.slots.get((round_number, vote_type), {}).values():
            block = signed.vote.block_hash
            if block is not None:
                tallies[block] = tallies.get(block, 0) + 1
                if tallies[block] >= threshold:
                    return block
        return None

    def votes_for(
        self, round_number: int, vote_type: VoteType, block: Hash32 | None
    ) -> tuple[SignedVote, ...]:
        """The votes in the slot naming block, sorted by validator key."""
        inner = self.slots.get((round_number, vote_type), {})
        chosen = [v for v in inner.values() if v.vote.block_hash == block]
        return tuple(sorted(chosen, key=lambda v: v.validator))

    def voters_in_round(self, round_number: int) -> frozenset[PublicKey]:
        """Validators with any vote in round_number."""
        voters: set[PublicKey] = set()
        for vote_type in VoteType:
            voters.update(self.slots.get((round_number, vote_type), {}))
        return frozenset(voters)

    def rounds(self, vote_type: VoteType) -> list[int]:
        """Rounds holding at least one vote of vote_type, ascending."""
        return sorted(r for (r, t) in self.slots if t is vote_type)
