"""What block sync knows: each peer's view at its last poll, whether the catch-up at start is
over, and a fork it confirmed. The polls (node/sync_polls.py), the catch-up
(node/sync_catch_up.py) and the fork check (node/sync_forks.py) write it; /readyz, /metrics
and the sync loop read it (node/readiness.py, node/lifespan.py). No I/O.
"""

from dataclasses import dataclass, field

SYNC_LAG_ALLOWED = 2
"""Blocks a node may be behind its highest peer and still be ready (far_behind)."""


def far_behind(blocks_behind: int) -> bool:
    """The one rule of "catching up" once the catch-up at start is over: more than
    SYNC_LAG_ALLOWED blocks behind (the highest credible peer; or blocks one block sync
    round applied, node/height_pace.py). /readyz, lantan_consensus_stalled and `lantan net
    status` all go by it (SyncState.catching_up): within it, block sync keeps a validator
    a block or two behind and its own consensus is expected to decide."""
    return blocks_behind > SYNC_LAG_ALLOWED


@dataclass(frozen=True, slots=True, kw_only=True)
class CatchingUp:
    """A node catching up: its height and the height it is catching up to."""

    height: int
    target: int

    @property
    def text(self) -> str:
        """/readyz's wording (the same at start and after a partition). At the target it is
        the catch-up at start that is not over, still asking its peers how far the chain
        goes (a first poll waits for each peer's answer): it said "height 296 of 296"."""
        if self.height >= self.target:
            return (
                f"catching up: height {self.height}, as high as any peer seen yet; the "
                "catch-up at start is still asking its peers"
            )
        return f"catching up: height {self.height} of {self.target}"

    def to_json(self) -> dict[str, int]:
        return {"height": self.height, "target": self.target}


@dataclass
class PeerView:
    url: str
    height: int = -1
    head_hash: str = ""
    reachable: bool = False
    last_error: str = ""
    credible: bool = False
    """True once blocks fetched from the peer commit; readiness leaves a peer's height out
    until then, and again once a catch-up round finds nothing to fetch from it though it
    claimed to be ahead (a hostile validator claiming +1000). A peer that lied, then claimed
    our height, then lied again, each poll, was believed again at every truthful claim and
    kept every node's /readyz flapping at "syncing: 999,960 blocks behind". A new peer's
    claim was believed until a round tried it (stop 55: a validator restarted beside one
    claiming a million blocks said "catching up: height 43 of 1000000" for the moment
    between the poll that brought the claim and the round that found it empty)."""
    retry_at: float = 0.0
    """While not credible: the monotonic time before which catch-up does not ask it."""
    served_short: bool = False
    """Its last range held fewer blocks than asked, short of its claimed height and of the
    range's byte bound: no honest node serves so (node/chain_view.py block_range_json). A
    hostile validator serving one sound block per range, each just under the read timeout,
    kept its place as the highest peer and paced a catch-up at ~2.4 s a block (stop 50);
    such a peer now goes after the others, as one that served nothing."""

    def fields(self) -> dict[str, object]:
        """Structured fields for the JSON log line about this peer."""
        return {"peer": self.url, "peer_height": self.height}


@dataclass
class SyncState:
    peers: dict[str, PeerView] = field(default_factory=dict)
    caught_up: bool = False
    """Set once the catch-up at start is over; until then consensus has not started."""
    fork: str | None = None
    """Set when a peer holds a validly certified block that differs from ours."""
    fork_evidence: dict[str, object] | None = None
    """Both certified headers of the fork, served at /v1/fork as transferable evidence."""

    def highest_peer_height(self) -> int:
        return max((p.height for p in self.peers.values() if p.reachable), default=-1)

    def highest_credible_height(self) -> int:
        """highest_peer_height of the peers whose claims to be ahead held when fetched
        (PeerView.credible)."""
        return max(
            (p.height for p in self.peers.values() if p.reachable and p.credible), default=-1
        )

    def catching_up(self, height: int) -> CatchingUp | None:
        """Whether a node at `height` is catching up: the catch-up at start is not over, or
        the highest credible peer is far_behind ahead (after a partition, a long stop). A
        peer's height counts once what it claims held when fetched: one that claims to be
        far ahead and serves nothing (hostile) keeps no node catching up, not even for the
        moment before a round tries it."""
        highest = self.highest_credible_height()
        if self.caught_up and not far_behind(highest - height):
            return None
        return CatchingUp(height=height, target=max(highest, height))

    def reachable_count(self) -> int:
        return sum(1 for p in self.peers.values() if p.reachable)
