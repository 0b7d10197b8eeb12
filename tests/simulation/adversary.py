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

The strategies live in three modules: byzantine_key.py (the key's state, the strategy of
the moment, the votes and proposals it signs), byzantine_outgoing.py (what becomes of its
engine's messages) and byzantine_forgery.py (what it forges on its ticks); this one adds the
fault schedules some strategies drive (a crash at the worst moment, AMNESIA's restarts).
"""

from collections.abc import Mapping, Set

from consensus import ReplicaState, SignerState, initial_signer_state
from tests.simulation.byzantine_forgery import ForgedMessages
from tests.simulation.byzantine_outgoing import OutgoingStrategies
from tests.simulation.strategies import Strategy

AMNESIA_PER_TICK = 0.05
"""How often, per tick of its own, AMNESIA restarts from an older signer state."""
AMNESIA_LOCKED_PER_TICK = 0.5
"""As often, while it holds a lock: a restart then forgets it."""
SIGNED_STATES_KEPT = 64


class Adversary(OutgoingStrategies, ForgedMessages):
    """The Byzantine replica's strategy; see Strategy for each one."""

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
