"""Finding lock violations ("amnesia") in the votes of one height. Pure.

A validator that precommitted A in round r and prevoted B != A in a later round r',
while the votes we hold rule out a POL for B in every round r .. r'-1, broke its lock:
LockViolationEvidence (docs/adr/0012-lock-violation-evidence.md). This is how a fork
whose certificates are of different rounds names the validator in both: it never signed
two votes in one slot. Used when certificates meet (consensus/intake.py) and when a
height is decided (consensus/decision.py), over every vote held of that height.

The evidence needs q non-B prevotes per window round: it then proves the lock was broken
unless f_S + 1 listed validators equivocated (protocol/lock_violation.py). An honest
replica reports it only on firmer ground, so that no Byzantine validator alone can make it
name an honest one (at n=3, f_S = 0): it counts a validator as ruling out the POL only if
it never saw that validator prevote B in the round, and needs min(n, q + 1) such
validators, itself included when it is in the set and did not prevote B there. A POL for B
would then share f_S + 2 validators with them, each a double-signer.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from consensus.actions import Action, EvidenceFound
from consensus.state import ReplicaState
from protocol.hashing import Hash32
from protocol.lock_violation import WINDOW_ROUNDS_MAX, LockViolationEvidence
from protocol.signing import PublicKey
from protocol.validators import ValidatorSet
from protocol.votes import SignedVote, VoteType

_Prevotes = dict[int, dict[PublicKey, list[SignedVote]]]
"""round -> validator -> its prevotes in that round."""


@dataclass(frozen=True, slots=True)
class _Rule:
    signed: int
    """Signed non-B prevotes a window round must carry: q."""
    known: int
    """Validators known not to have prevoted B in the round: min(n, q + 1)."""
    me: PublicKey | None
    """The detecting validator, if in the set: it knows its own prevotes."""
    me_from_round: int
    """...of this round on (a restart forgets those of earlier rounds of the height)."""


def lock_violations(
    votes: Iterable[SignedVote],
    validators: ValidatorSet,
    me: PublicKey | None = None,
    me_from_round: int = 0,
) -> list[LockViolationEvidence]:
    """At most one piece of evidence per validator of `validators`, sorted by key.

    Requires every vote to be verified and of one chain and height, decided by validators;
    `me` is the detecting validator's key, whose own prevotes of the height from round
    me_from_round on are all in votes.
    """
    prevotes: _Prevotes = {}
    precommits: dict[PublicKey, list[SignedVote]] = {}
    for signed in votes:
        if not validators.contains(signed.validator):
            continue
        if signed.vote.type is VoteType.PREVOTE:
            prevotes.setdefault(signed.vote.round, {}).setdefault(signed.validator, [])
            if signed not in prevotes[signed.vote.round][signed.validator]:
                prevotes[signed.vote.round][signed.validator].append(signed)
        elif signed.vote.block_hash is not None:
            precommits.setdefault(signed.validator, []).append(signed)
    q = validators.quorum
    member = me if me is not None and validators.contains(me) else None
    rule = _Rule(
        signed=q, known=min(validators.size, q + 1), me=member, me_from_round=me_from_round
    )
    found = []
    for validator in sorted(precommits):
        evidence = _first_violation(precommits[validator], prevotes, rule)
        if evidence is not None:
            found.append(evidence)
    return found


def _first_violation(
    locks: list[SignedVote], prevotes: _Prevotes, rule: _Rule
) -> LockViolationEvidence | None:
    """The provable (precommit, later prevote) pair with the shortest window, if any."""
    validator = locks[0].validator
    pairs = [
        (lock, later)
        for lock in locks
        for round_number, by_validator in prevotes.items()
        if 0 < round_number - lock.vote.round <= WINDOW_ROUNDS_MAX
        for later in by_validator.get(validator, ())
        if later.vote.block_hash not in (None, lock.vote.block_hash)
    ]
    pairs.sort(key=lambda p: (p[1].vote.round - p[0].vote.round, p[1].vote.round, _order(p)))
    for lock, later in pairs:
        assert later.vote.block_hash is not None
        window = _window(prevotes, lock.vote.round, later.vote.round, later.vote.block_hash, rule)
        if window is not None:
            return LockViolationEvidence(precommit=lock, prevote=later, window_prevotes=window)
    return None


def _order(pair: tuple[SignedVote, SignedVote]) -> tuple[bytes, bytes]:
    return (pair[0].vote.sign_bytes(), pair[1].vote.sign_bytes())


def _window(
    prevotes: _Prevotes, first: int, end: int, block: Hash32, rule: _Rule
) -> tuple[SignedVote, ...] | None:
    """q prevotes per round first .. end-1 from validators we never saw prevote block in
    that round, the lowest keys first; None when some round is not ruled out firmly."""
    chosen: list[SignedVote] = []
    for round_number in range(first, end):
        by_validator = prevotes.get(round_number, {})
        clean = {
            validator: votes[0]
            for validator, votes in sorted(by_validator.items())
            if all(v.vote.block_hash != block for v in votes)
        }
        known = set(clean)
        if (
            rule.me is not None
            and round_number >= rule.me_from_round
            and all(v.vote.block_hash != block for v in by_validator.get(rule.me, ()))
        ):
            known.add(rule.me)  # we know we did not prevote block there, signed or not
        if len(clean) < rule.signed or len(known) < rule.known:
            return None
        chosen.extend(list(clean.values())[: rule.signed])
    return tuple(chosen)


def report_lock_violations(
    state: ReplicaState,
    votes: Iterable[SignedVote],
    validators: ValidatorSet,
    out: list[Action],
    *,
    height: int,
    own_votes_held: bool,
) -> ReplicaState:
    """EvidenceFound for each validator newly found to have broken its lock at height.

    own_votes_held: votes include every vote we cast at height that we still remember
    (our tally of it); else we do not count ourselves.
    """
    me = state.public_key if own_votes_held else None
    forgotten = state.own_votes_forgotten
    from_round = forgotten[1] + 1 if forgotten is not None and forgotten[0] == height else 0
    for evidence in lock_violations(votes, validators, me, from_round):
        key = (evidence.offender, evidence.height)
        if key in state.lock_evidence_reported:
            continue
        out.append(EvidenceFound(evidence=evidence))
        state = replace(state, lock_evidence_reported=state.lock_evidence_reported | {key})
    return state
