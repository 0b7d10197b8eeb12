"""Block sync's fork check: a peer at this node's height with another head is asked for its
block, and a second valid certificate at a height this node committed is a fork, after
which the node halts (DESIGN.md §4). The evidence of both certified headers is kept for
/v1/fork (node/sync_state.py), the double signers' beside it (node/sync_blocks.py).
"""

import functools
import logging

from contracts.validator_sets import current_validator_set
from node.ledger import Ledger, header_of_payload
from node.peer_tasks import PeerTasks
from node.sync_blocks import double_sign_evidence
from node.sync_fetch import PeerClient
from node.sync_polls import POLL_WAIT_S, task_failed
from node.sync_state import PeerView, SyncState
from protocol.certificate_check import verify_certificate
from protocol.errors import ProtocolError
from protocol.validators import ValidatorSet

log = logging.getLogger("lantan.sync")


class ForkChecks:
    """Each peer's fork confirmation, at most one running per peer."""

    def __init__(self, ledger: Ledger, state: SyncState, client: PeerClient) -> None:
        self._ledger = ledger
        self._state = state
        self._client = client
        self.tasks = PeerTasks()

    async def check(self, wait_s: float | None = None) -> None:
        """Compare heads at our height; a different, validly certified block is a fork.

        Each peer claiming another head is asked for its block beside the sync rounds, one
        ask per peer at a time, and a round waits at most wait_s (default POLL_WAIT_S) for
        them: a hostile validator that claimed our height with another head and dripped
        that block held every sync round BODY_DEADLINE_S (30 s), so an observer or a
        validator fallen behind synced nothing meanwhile. A fork found later is in
        state.fork for the next round."""
        ours = self._ledger.head()
        ours_hash = ours.block_hash().hex()
        for view in self._state.peers.values():
            same_height = view.reachable and view.height == ours.height > 0
            if same_height and view.head_hash != ours_hash and not self.tasks.running(view.url):
                work = functools.partial(
                    self._confirm_fork, view, ours.height, self._set_for(ours.height)
                )
                self.tasks.start(view.url, work, task_failed(view, "fork check"))
        await self.tasks.wait(POLL_WAIT_S if wait_s is None else wait_s)

    async def _confirm_fork(self, view: PeerView, height: int, validators: ValidatorSet) -> None:
        """validators: the set that certified our block at height, taken before the fetch
        (the ledger may move on while the peer answers)."""
        fetched = await self._client.fetch_block(view.url, height)
        if fetched is None:
            return
        payload, certificate = fetched
        try:
            verify_certificate(certificate, self._ledger.chain_id, validators)
        except ProtocolError:
            return
        mine = self._ledger.certificate(height)
        if certificate.height != height or (
            mine is not None and certificate.block_hash == mine.block_hash
        ):
            return  # our own block, or a certificate of another height: no second block
        self._state.fork = (
            f"fork at height {height}: peer {view.url} holds block "
            f"{certificate.block_hash.hex()} with a valid certificate; ours is "
            f"{None if mine is None else mine.block_hash.hex()}"
        )
        theirs = header_of_payload(payload)
        ours = self._ledger.header(height)
        self._state.fork_evidence = {
            "height": height,
            "peer": view.url,
            "ours": {
                "header": None if ours is None else ours.to_json(),
                "certificate": None if mine is None else mine.to_json(),
            },
            "theirs": {
                "header": None if theirs is None else theirs.to_json(),
                "certificate": certificate.to_json(),
            },
        }
        if mine is not None:
            self._state.fork_evidence["double_signers"] = double_sign_evidence(
                self._ledger.chain_id, mine, certificate
            )
        log.critical(self._state.fork)

    def _set_for(self, height: int) -> ValidatorSet:
        """The set that certified our head (state's current set after applying it)."""
        assert height == self._ledger.height
        return current_validator_set(self._ledger.store.state)
