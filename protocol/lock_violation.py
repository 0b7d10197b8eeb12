"""Lock-violation ("amnesia") evidence: a validator voted against its lock. Pure.

A validator that precommits block A in round r is locked on A (Alg. 1 line 36). It may
later prevote another block B only on a POL for B: q prevotes for B in some round vr with
r <= vr (lines 28-29; a later lock on B also needs such a polka). This evidence holds the
precommit, the later prevote, and the prevotes of every round r .. r'-1 that rule such a
POL out: in each round, q validators of the set prevoted something other than B. A POL
for B there would share 2q - n = f_S + 1 validators with them, each of which signed two
prevotes in one round; so the evidence proves that the offender broke its lock unless
more than f_S validators equivocated, the same number a fork needs
(docs/adr/0012-lock-violation-evidence.md). The count depends on the validator set, so
contracts/evidence.py checks it; this type checks only what the votes alone say.
"""

from dataclasses import dataclass
from typing import Annotated

from protocol.codec import codec_wire, items
from protocol.encoding import JsonObject
from protocol.errors import FieldTypeError
from protocol.evidence_codec import EvidenceCodec
from protocol.signing import PublicKey, VerifySignature, verify_signature
from protocol.votes import SignedVote, VoteType

LOCK_VIOLATION = "lock_violation"
"""The evidence's type tag, inside the offence its hash covers."""
WINDOW_ROUNDS_MAX = 16
"""Most rounds between the precommit and the prevote: bounds the evidence's size."""
WINDOW_PREVOTES_MAX = 1024
"""Most prevotes the window may carry (16 rounds of a 64-validator set)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LockViolationEvidence(EvidenceCodec, what="evidence", tag=("type", LOCK_VIOLATION)):
    """A precommit for A at round r and a prevote for B != A at r' > r by one validator,
    with the prevotes of rounds r .. r'-1 showing that nobody had a POL for B."""

    precommit: SignedVote
    """The lock: a precommit for a block (not nil) at (height, r)."""
    prevote: SignedVote
    """The violation: a prevote for another block (not nil) at (height, r'), r < r'."""
    window_prevotes: Annotated[
        tuple[SignedVote, ...], items(codec_wire(SignedVote), max_items=WINDOW_PREVOTES_MAX)
    ]
    """Prevotes of rounds r .. r'-1 naming anything but B, sorted by (round, validator),
    at most one per validator and round."""

    def __post_init__(self) -> None:
        lock, later = self.precommit, self.prevote
        if lock.validator != later.validator:
            raise FieldTypeError("evidence votes come from different validators")
        if lock.vote.type is not VoteType.PRECOMMIT or later.vote.type is not VoteType.PREVOTE:
            raise FieldTypeError("lock violation needs a precommit and a later prevote")
        if (lock.vote.chain_id, lock.vote.height) != (later.vote.chain_id, later.vote.height):
            raise FieldTypeError("evidence votes are of different chains or heights")
        if lock.vote.block_hash is None or later.vote.block_hash is None:
            raise FieldTypeError("lock violation votes must name blocks, not nil")
        if lock.vote.block_hash == later.vote.block_hash:
            raise FieldTypeError("evidence votes do not conflict")
        if not 0 < later.vote.round - lock.vote.round <= WINDOW_ROUNDS_MAX:
            raise FieldTypeError("the prevote must follow the precommit within 16 rounds")
        self._check_window()
        self._cache_bytes(hashed=self.offence_json())

    def _check_window(self) -> None:
        lock, later = self.precommit.vote, self.prevote.vote
        keys = []
        for signed in self.window_prevotes:
            vote = signed.vote
            if vote.type is not VoteType.PREVOTE or (vote.chain_id, vote.height) != (
                lock.chain_id,
                lock.height,
            ):
                raise FieldTypeError("window votes must be prevotes of the evidence's height")
            if not lock.round <= vote.round < later.round:
                raise FieldTypeError("window prevote outside rounds r .. r'-1")
            if vote.block_hash == later.block_hash:
                raise FieldTypeError("a window prevote names the block the lock was broken for")
            keys.append((vote.round, bytes(signed.validator)))
        if keys != sorted(set(keys)):
            raise FieldTypeError("window prevotes must be sorted by (round, validator), each once")

    @property
    def offender(self) -> PublicKey:
        return self.precommit.validator

    @property
    def height(self) -> int:
        return self.precommit.vote.height

    @property
    def window(self) -> range:
        """The rounds r .. r'-1 in which a POL for the prevoted block would have had to be."""
        return range(self.precommit.vote.round, self.prevote.vote.round)

    def voters_in(self, round_number: int) -> frozenset[PublicKey]:
        """Validators with a window prevote in round_number."""
        return frozenset(v.validator for v in self.window_prevotes if v.vote.round == round_number)

    def is_valid(self, verify: VerifySignature = verify_signature) -> bool:
        """Every signature verifies under the verify port (the node passes its cache); the
        structure is checked at construction."""
        votes = (self.precommit, self.prevote, *self.window_prevotes)
        return all(v.verify(verify) for v in votes)

    def offence_json(self) -> JsonObject:
        """The two votes that conflict: what hash() covers, so one offence has one hash
        whatever window proves it (canonical_bytes(), the evidence_root leaf, has the window)."""
        return {
            "type": LOCK_VIOLATION,
            "precommit": self.precommit.to_json(),
            "prevote": self.prevote.to_json(),
        }
