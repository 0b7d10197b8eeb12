"""Block sync: a lagging, restarted, wiped or observer node fetches certified blocks.

It reads peers' public /v1 API (so observers need no validator key) through one client
whose every answer is bounded in bytes and time (node/sync_fetch.py), and keeps what it
learns in one SyncState (node/sync_state.py). Its three jobs, each in a module of its own:
the status polls (node/sync_polls.py), the catch-up by ranges, which verifies, executes and
commits the blocks this node lacks (node/sync_catch_up.py), and the fork check, which halts
the node on a second valid certificate at a height it committed (node/sync_forks.py,
DESIGN.md §4). What the served bytes are checked for before execution (range entries,
canonical payloads, certificates): node/sync_blocks.py. The loop that paces them is
node/lifespan.py's (node/sync_pace.py).
"""

import ssl

import httpx

from node.ledger import Ledger
from node.sync_ahead import SignaturesAhead
from node.sync_catch_up import CatchUp, Worker
from node.sync_fetch import PeerClient
from node.sync_forks import ForkChecks
from node.sync_polls import PeerPolls
from node.sync_state import PeerView, SyncState


class BlockSync:
    """Follows peers' heads and applies the certified blocks this node lacks."""

    def __init__(
        self,
        ledger: Ledger,
        peer_urls: list[str],
        run_in_worker: Worker,
        *,
        verify: ssl.SSLContext | bool = True,
        signatures_ahead: SignaturesAhead | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """transport: in place of the network (tests answer peers in-process with it)."""
        self.state = SyncState(peers={url: PeerView(url=url) for url in peer_urls})
        self.client = PeerClient(verify=verify, transport=transport)
        """Also the observer's checkpoint fetches use its get_bounded (node/assembly.py)."""
        self.polls = PeerPolls(self.state.peers, self.client, ledger.chain_id.hex())
        self.fork_checks = ForkChecks(ledger, self.state, self.client)
        self.catching_up = CatchUp(
            ledger, self.state.peers, run_in_worker, self.client, signatures_ahead
        )

    async def close(self) -> None:
        self.polls.tasks.cancel()
        self.fork_checks.tasks.cancel()
        await self.client.close()
        self.catching_up.close()

    async def poll_peers(self, wait_s: float | None = None) -> None:
        """Each peer's status, waited for at most wait_s (PeerPolls.poll)."""
        await self.polls.poll(wait_s)

    async def catch_up(self, lag_allowed: int) -> int:
        """Blocks applied while a reachable peer is more than lag_allowed ahead (CatchUp.run)."""
        return await self.catching_up.run(lag_allowed)

    async def check_fork(self, wait_s: float | None = None) -> None:
        """Peers at our height with another head asked for their block (ForkChecks.check)."""
        await self.fork_checks.check(wait_s)
