"""Block sync's status polls: each peer's GET /v1/status on a task of its own
(node/peer_tasks.py), its answer written to the peer's view (node/sync_state.py). A round
waits a bounded time for them all: a peer that answers slowly (far away, overloaded or
hostile) keeps its last view until its own poll ends, and holds no one else's round.
"""

import functools
import logging
import time
from collections.abc import Callable

import httpx

from node.peer_errors import describe_peer_error
from node.peer_tasks import PeerTasks
from node.sync_fetch import (
    STATUS_BYTES_MAX,
    STATUS_DEADLINE_S,
    PeerAnswerError,
    PeerClient,
    ResponseTooSlowError,
)
from node.sync_state import PeerView
from protocol.encoding import decode
from protocol.errors import ProtocolError

log = logging.getLogger("lantan.sync")
POLL_WAIT_S = 1.0
"""How long a sync round waits for its peers' status answers. A peer slower than that keeps
its last view until its own poll ends (within STATUS_DEADLINE_S), and holds no one else's
round: the others are acted on meanwhile."""
PEER_START_GRACE_S = 60.0
"""For this long after start, a peer never reached that does not answer at all (refused, timed
out, no whole answer in time) is one still starting, as every node of `lantan net up` is:
one info line, `waiting for peer URL to answer`. Still not reached after it, the peer is
warned unreachable (a wrong address). A peer that answers wrong (another chain) is warned
at once."""


def task_failed(view: PeerView, what: str) -> Callable[[BaseException], None]:
    """What to do when a task of view's (what: "status poll", "fork check") ends on an
    error its work does not expect (node/peer_tasks.py): said once, and the peer counts as
    unreachable until its next poll answers."""

    def report(error: BaseException) -> None:
        view.reachable, view.last_error = False, describe_peer_error(error)
        log.error("%s of %s failed", what, view.url, exc_info=error)

    return report


class PeerPolls:
    """Each peer's status poll, at most one running per peer. A peer whose status names
    another chain than chain_id (hex; its genesis file differs from ours) is unreachable to
    sync: its blocks could never verify here."""

    def __init__(self, peers: dict[str, PeerView], client: PeerClient, chain_id: str) -> None:
        self._peers = peers
        self._client = client
        self._chain_id = chain_id
        self.now_s: Callable[[], float] = time.monotonic
        """The clock of the start grace (tests set another, then started_s)."""
        self.started_s = self.now_s()
        self._reached: set[str] = set()
        """Peers that answered on this chain once since start."""
        self._told: dict[str, tuple[str, str]] = {}
        """Per peer not answering: the line last logged of it, (waiting|unreachable, kind)."""
        self.tasks = PeerTasks()
        self.on_reachable: list[Callable[[str], None]] = []
        """Told a peer's url when a poll finds it answering after it did not (or at first
        contact): a validator sends it its current round's messages (node/runtime.py)."""

    async def poll(self, wait_s: float | None = None) -> None:
        """Poll every peer whose last poll is over, and wait at most wait_s (default
        POLL_WAIT_S) for them all: a peer that answers slowly (far away, overloaded, or
        hostile) updates its view when its answer ends, and the round goes on with the
        others' meanwhile."""
        for view in self._peers.values():
            self.tasks.start(
                view.url, functools.partial(self._poll, view), task_failed(view, "status poll")
            )
        await self.tasks.wait(POLL_WAIT_S if wait_s is None else wait_s)

    async def _poll(self, view: PeerView) -> None:
        was_reachable, silent = view.reachable, False
        try:
            _, content = await self._client.get_bounded(
                f"{view.url}/v1/status", STATUS_BYTES_MAX, deadline_s=STATUS_DEADLINE_S
            )
            status = decode(content)
            assert isinstance(status, dict)
            height, head_hash = status["height"], status["head_hash"]
            assert isinstance(height, int) and isinstance(head_hash, str)
            view.height, view.head_hash = height, head_hash
            view.reachable = True
            theirs = status.get("chain_id", self._chain_id)
            if theirs != self._chain_id:
                view.reachable, view.last_error = False, self._other_chain(theirs)
        except (httpx.HTTPError, ProtocolError, PeerAnswerError, AssertionError) as error:
            view.reachable, view.last_error = False, describe_peer_error(error)
            silent = isinstance(error, httpx.TransportError | ResponseTooSlowError)
        except KeyError as error:
            view.reachable, view.last_error = False, f"status without {error}"
        if view.reachable:
            self._reached.add(view.url)
            self._told.pop(view.url, None)
            if not was_reachable:
                log.info(
                    "peer %s reachable at height %d", view.url, view.height, extra=view.fields()
                )
                for hook in self.on_reachable:
                    hook(view.url)
        else:
            self._tell_unreachable(view, was_reachable=was_reachable, silent=silent)

    def _tell_unreachable(self, view: PeerView, *, was_reachable: bool, silent: bool) -> None:
        """A line for a peer that did not answer on this chain: each time it is lost, and
        once per kind of failure while it stays so (a peer never reached since start, a wrong
        address in [[peers]], and one stopped then back on another genesis: once each). In
        the start grace, a peer never reached that answered nothing is waited for, at info."""
        starting = self.now_s() - self.started_s < PEER_START_GRACE_S
        waiting = silent and starting and view.url not in self._reached
        line = ("waiting" if waiting else "unreachable", _kind(view.last_error))
        if not was_reachable and self._told.get(view.url) == line:
            return
        self._told[view.url] = line
        if waiting:
            log.info(
                "waiting for peer %s to answer: %s (warned if it has not %.0f s after start)",
                view.url,
                view.last_error[:200],
                PEER_START_GRACE_S,
                extra=view.fields(),
            )
        else:
            log.warning(
                "peer %s unreachable: %s", view.url, view.last_error[:200], extra=view.fields()
            )

    def _other_chain(self, theirs: object) -> str:
        """Why a peer of another chain is not followed: its genesis file or ours is wrong."""
        return (
            f"serves chain {str(theirs)[:16]}, this node's genesis is chain "
            f"{self._chain_id[:16]}: one of the two genesis files is wrong"
        )


def _kind(error: str) -> str:
    """What a poll's error text says before its detail: `ConnectError`, `serves chain X...`."""
    return error.partition(":")[0]
