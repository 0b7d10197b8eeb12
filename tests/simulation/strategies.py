"""The deliberate Byzantine strategies a scenario's keys play (tests/simulation/adversary.py),
and their combinations: two keys each its own, or a set change with another attack."""

import enum
from dataclasses import dataclass


class Strategy(enum.Enum):
    SILENT = "silent"
    """Sends nothing at all: a crashed validator (the baseline the others are held to)."""
    HOLD_GAP = "hold_gap"
    """Honest replicas start rounds apart. To every honest replica behind another it sends a
    prevote of that replica's own round (never a precommit), so rounds.catch_up sees it held
    by a validator in its round; it never votes above a laggard (no f+1 skip) and sends the
    one ahead nothing."""
    HOLD_GAP_LOW = "hold_gap_low"
    """HOLD_GAP with the holding prevote one round below the laggard's."""
    SPLIT_VOTES = "split_votes"
    """Each round it splits the honest replicas in two: one side gets its real prevote and
    precommit, the other a conflicting one (nil for a block, a block for nil); as proposer
    it proposes a different block to each side, with matching votes: locks and POLs
    diverge as far as one equivocator can push them."""
    HIDDEN_LOCK = "hidden_lock"
    """Each round its prevote for the proposal goes to one honest replica only (the others
    get a nil prevote), so only that one sees a POL and locks; its precommits are nil to
    everyone, so nobody decides. Round by round it hides locks, on different values, at
    different replicas: what lines 28-33 and the valid value must undo."""
    PARTIAL_PROPOSAL = "partial_proposal"
    """As proposer, sends its proposal to one or two honest replicas only; votes normally."""
    LATE_PROPOSAL = "late_proposal"
    """As proposer, sends its proposal to each honest replica just before that replica's
    propose timeout (and its votes after that); sometimes to only some of them."""
    WITHHOLD_PRECOMMIT = "withhold_precommit"
    """Prevotes normally; sends each precommit to one honest replica, or to none, so a
    certificate that needs it forms at one replica only."""
    FUTURE_SPAM = "future_spam"
    """Plays along, and on every tick sends random honest replicas votes of far-future
    rounds (next rounds up to the round window), double votes in the current round
    (evidence), status messages from heights ahead and requests for unknown blocks."""
    DRAG = "drag"
    """Honest replicas start rounds apart. Sends each honest replica a prevote of the round
    above its own on every tick and nothing else: catch_up must not let it pull a group
    away from the replicas it waits for."""
    TOGGLE = "toggle"
    """Honest replicas start rounds apart. Tells each honest replica, tick by tick, that it
    is one round below it, then one above: it turns the wait for those behind
    (rounds.waits_for_those_behind) on and off, to keep a replica waiting or restarting
    its round. Nothing else."""
    MIXED = "mixed"
    """Each round one of the above at random (not SILENT)."""
    REPLAY = "replay"
    """Honest replicas start rounds apart. Sends each honest replica, spread over every
    tick, the other honest validators' own old votes (the highest it holds below that
    replica's height and round: the round before, or the previous height) and a prevote of
    its own a round below, and nothing else: every replica hears every other behind it, so
    waits_for_those_behind holds it and catch_up never moves it (no new signature needed)."""
    STALE = "stale"
    """Aims at the bounds on what a replica keeps below its round (intake._over_budget,
    _payload_wanted). Honest replicas start rounds apart, and it holds the gap as
    HOLD_GAP_LOW does, so rounds pass; it proposes and prevotes normally, but its
    precommits arrive two round timeouts late (below the round before the receiver's,
    where the four-round budget applies), and on every tick it replays to each honest
    replica the other honest validators' votes of rounds long below that replica's that it
    lacks (filling their budgets there) and the old proposals it holds (kept only for a
    payload wanted)."""
    LOST_POL_UNSENT = "lost_pol_unsent"
    """LOST_POL, but the crash comes in the very step in which that replica locks, after
    its signer state is on disk and before anything of the step is sent (a crash between
    the fsync and the sends): its precommit and the POL it passes on are lost too."""
    SPLIT_PROPOSAL = "split_proposal"
    """As proposer, a different valid block (pol_round -1) to each honest replica, every
    round; votes as its engine does (for the first of them)."""
    WITHHOLD_FROM_ONE = "withhold_from_one"
    """Votes normally, but each precommit goes to every honest replica except one (by
    height and round): that one may need it for its quorum, and must decide by a
    certificate from the others (catch-up)."""
    LOST_POL = "lost_pol"
    """Hides locks (HIDDEN_LOCK; as proposer it sends its block to two honest replicas,
    its prevote for it to one of them) until two honest replicas are locked on different
    blocks; then the fault schedule crashes the one locked in the later round, whose POL
    only it held (a restart keeps the lock, not the votes received), and it goes SILENT.
    That replica now proposes its lock with pol_round -1 (rounds.start_round), which the
    other locked replica refuses (line 23); the other proposes its older POL, which the
    restarted one refuses (line 29); a fresh value both refuse."""
    AMNESIA = "amnesia"
    """Plays along, and now and then restarts from an older signer state of its own (or a
    wiped one, as `keys new` writes) at its height: it then signs again, often otherwise,
    in rounds it already voted in (double votes, a lock forgotten). The one fault: f=1."""
    JOIN = "join"
    """n=4 growing to 5 (q 3 -> 4): an honest non-validator joins after change_height.
    At change_height and the next height, each round it equivocates as proposer (a block to
    each honest replica), withholds its proposal (from all or some), or withholds its
    precommits; elsewhere it plays along."""
    LEAVE = "leave"
    """JOIN's attack, with n=5 shrinking to 4 (q 4 -> 3): an honest validator leaves."""
    ROTATE = "rotate"
    """JOIN's attack at n=4, with one validator (the Byzantine one or an honest one)
    rotating its key at change_height (same name, same quorum: contracts'
    replace_validator_key); the old key keeps signing whatever the Byzantine likes."""
    SPLIT_HEARD = "split_heard"
    """Honest replicas start rounds apart. Plays along, and on every tick tells each honest
    replica a different round (a nil prevote of one below, its own, one or two above, the
    offsets turning tick by tick), so no two replicas hear it in the same place: what
    catch_up and waits_for_those_behind read (intake.heard)."""
    LATE_PRECOMMIT = "late_precommit"
    """Votes normally, but its precommits go to one honest replica (by height and round)
    only once another honest replica has entered the next height, just as that height's
    proposal goes out; the others get them at once."""
    PULL_AHEAD = "pull_ahead"
    """Never votes. On every tick it sends one honest replica (the first) a nil prevote
    far above its round (half the round window), and each of the others a prevote of its
    own round (as hold_gap does). While the first cannot hear some other honest replica
    (a partition, a crash), catch_up follows the one validator above it; the two left
    behind count q with the Byzantine and stay."""
    LAST_MOMENT = "last_moment"
    """A timing adversary: plays along, but each message reaches the honest replicas just
    before the timeout it could still beat there: its proposal before the propose timeout,
    its prevote before the prevote timeout, its precommit before the precommit timeout
    (each sent that step's timeout late, less up to two network delays)."""


SET_CHANGES = (Strategy.JOIN, Strategy.LEAVE, Strategy.ROTATE)
"""Strategies played across a validator-set change (make_set_change_scenario)."""


@dataclass(frozen=True, slots=True)
class Combined:
    """Combined faults: two Byzantine keys at n=7 each playing its own strategy, or at n=4 a
    set change (JOIN, LEAVE or ROTATE: its validator plan) while the Byzantine key plays
    another strategy throughout instead of the set change's own attack. Written "a+b"."""

    strategies: tuple[Strategy, ...]

    @property
    def value(self) -> str:
        return "+".join(s.value for s in self.strategies)

    @property
    def set_change(self) -> Strategy | None:
        return self.strategies[0] if self.strategies[0] in SET_CHANGES else None

    @classmethod
    def parse(cls, text: str) -> "Combined":
        return cls(tuple(Strategy(name) for name in text.split("+")))
