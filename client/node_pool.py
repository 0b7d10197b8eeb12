"""Several nodes at once: submit a tx to every validator, read from the first that answers.

A tx goes to every given node (DESIGN.md §2 step 1), in parallel: whichever node proposes
next then has it. One acceptance is enough; the failures of the others are kept so the
CLI can report them. Reads ask the nodes in order and take the first answer; a node that
cannot answer now (unreachable, another chain's, or saying so: 429, 502, 503, 504) is passed
over for the next.
"""

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final, ParamSpec, TypeVar
from urllib.parse import urlsplit

import httpx

from client.api import DEFAULT_NODE_URL, NODES_ENV, WAIT_MS_MAX, NodeClient, TxStatus
from client.errors import (
    NodeError,
    NodeRejectedError,
    NodeResponseError,
    NodeUnreachableError,
    NoNodeAnsweredError,
    SubmitError,
    UsageError,
    WrongChainError,
)
from protocol.encoding import JsonObject

POLL_PAUSE_S: Final = 0.05
"""Pause between polls when a node answers "pending" before the wait it was asked for."""
FINAL_STATUSES: Final = frozenset({"committed", "rejected_at_admission", "dropped", "expired"})
NOT_NOW_STATUSES: Final = frozenset({429, 502, 503, 504})
"""HTTP statuses that say "not this node, not now" rather than answer the read: a node busy
(429, 503 ADMISSION_BUSY or RANGE_BUSY), not ready or with a damaged store (503 from a read:
STORE_DAMAGED), or a proxy in front of a node that is down (502, 504). Another node's answer
is as good, so a read of several nodes moves on (NodePool.first_answer)."""

T = TypeVar("T")
P = ParamSpec("P")


def node_urls(text: str | None, *, option: str = "--node") -> tuple[str, ...]:
    """URLs from --node "URL[,URL...]", else $LANTAN_NODES, else DEFAULT_NODE_URL.

    option: the name of the command's option, for the error message (audit has --nodes).
    An option given empty is an error, not a fall back to the environment, and so is
    $LANTAN_NODES set but empty (`LANTAN_NODES= lantan ...`, or a variable a script meant
    to fill): the default node may well be another network's. An error in $LANTAN_NODES
    names the variable, not the option.
    """
    if text is not None:
        raw, source = text, option
    elif NODES_ENV in os.environ:
        raw, source = os.environ[NODES_ENV], f"${NODES_ENV}"
    else:
        raw, source = DEFAULT_NODE_URL, option
    urls = tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())
    for url in urls:
        problem = url_problem(url)
        if problem is not None:
            raise UsageError(f"{source} {url!r}: {problem}")
    if not urls:
        unset = f" (unset it to use {DEFAULT_NODE_URL})" if source == f"${NODES_ENV}" else ""
        raise UsageError(f"{source}: no node URL given{unset}")
    return tuple(dict.fromkeys(urls))


def url_problem(url: str) -> str | None:
    """Why url cannot be a node's base URL, or None: the one rule for the client's --node
    and a node's peers (node/config.py). A path is allowed (a node behind a reverse proxy
    under a prefix); the API's own /v1 is not, since the client adds it. A port is not
    required (http's 80, https's 443).
    What urlsplit or httpx cannot parse (`http://256.1.1.1:7101`, `http://[::1:7101`) is
    said here: it had ended in a traceback where the client was made."""
    try:
        parts = urlsplit(url)
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as error:
        return f"not a URL: {error}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "expected http://HOST:PORT or https://HOST:PORT"
    try:
        parts.port  # noqa: B018 - urlsplit checks the port's range only when asked
    except ValueError:
        return "the port must be 1..65535"
    if parts.port == 0:
        return "the port must be 1..65535"
    if parts.query or parts.fragment:
        return "a node's base URL has no query or fragment"
    if parts.path == "/v1" or parts.path.endswith("/v1") or "/v1/" in parts.path:
        return "give the node's base URL, without /v1 (the client adds the API's paths)"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOutcome:
    """Which nodes took the tx, and why the others did not."""

    tx_id: str
    accepted_by: tuple[str, ...]
    failures: dict[str, NodeError] = field(default_factory=dict)


class NodePool:
    """Clients for a fixed list of node URLs, in the order given."""

    def __init__(
        self, urls: Sequence[str], *, transport: httpx.BaseTransport | None = None
    ) -> None:
        assert urls, "a pool needs at least one node"
        self.clients = tuple(NodeClient(url, transport=transport) for url in urls)

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def __enter__(self) -> "NodePool":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def first_answer(self, ask: Callable[[NodeClient], T]) -> T:
        """ask() of the first node that answers; an error object from a node is final, but
        a node of another chain (WrongChainError, when ask checks it) or one that cannot
        answer now (passed_over) is passed over. The nodes after the one that answered are
        not asked.

        Raises NoNodeAnsweredError, naming every node and why, when none of several could
        be reached (the last node's error alone read as if only it had been tried)."""
        return self._first_of(_attempt(ask, client) for client in self.clients)

    def every_answer(self, ask: Callable[[NodeClient], T]) -> list[T | NodeError]:
        """ask() of every node, side by side, once each: its answer or its error, in the
        order given."""
        with ThreadPoolExecutor(max_workers=len(self.clients)) as executor:
            return list(executor.map(lambda client: _attempt(ask, client), self.clients))

    def _first_of(self, answers: Iterable[T | NodeError]) -> T:
        """The first answer of the nodes' answers in the order given (first_answer's rule);
        answers is consumed only up to it."""
        failures: dict[str, NodeError] = {}
        for client, answer in zip(self.clients, answers, strict=False):
            if not isinstance(answer, NodeError):
                return answer
            if len(self.clients) == 1 or not passed_over(answer):
                raise answer
            failures[client.url] = answer
        raise NoNodeAnsweredError(failures)

    def chain_id(self) -> str:
        """The chain_id the first reachable node reports in /v1/status."""
        status = self.first_answer(lambda client: client.status())
        chain_id = status.get("chain_id")
        if not isinstance(chain_id, str):
            raise NodeResponseError(self.clients[0].url, "status without chain_id")
        return chain_id

    def next_nonce(self, public_key_hex: str) -> int:
        """One above the highest nonce any reachable node has seen (committed or pending)."""
        nonces: list[int] = []
        failures: dict[str, NodeError] = {}
        for client in self.clients:
            try:
                nonces.append(client.nonces(public_key_hex).next_nonce)
            except NodeError as error:
                failures[client.url] = error
        if not nonces:
            # Nothing was submitted yet: a SubmitError would say no node accepted the tx.
            if len(failures) == 1:
                raise failures[self.clients[0].url]
            raise NoNodeAnsweredError(failures)
        return max(nonces)

    def submit(self, signed_tx: JsonObject, expected_tx_id: str) -> SubmitOutcome:
        """Send to every node in parallel; raises SubmitError when none accepts."""
        with ThreadPoolExecutor(max_workers=len(self.clients)) as executor:
            answers = list(executor.map(lambda c: _attempt(c.submit, signed_tx), self.clients))
        accepted, failures = [], {}
        for client, answer in zip(self.clients, answers, strict=True):
            if isinstance(answer, NodeError):
                failures[client.url] = answer
            elif answer != expected_tx_id:
                message = f"the node computed tx_id {answer}, not {expected_tx_id}"
                failures[client.url] = NodeResponseError(client.url, message)
            else:
                accepted.append(client.url)
        if not accepted:
            raise SubmitError(failures)
        return SubmitOutcome(tx_id=expected_tx_id, accepted_by=tuple(accepted), failures=failures)

    def wait_for_tx(self, tx_id: str, *, timeout_ms: int, prefer: str | None = None) -> TxStatus:
        """Poll until the tx is final or timeout_ms passes; the last status seen otherwise.

        A node that cannot be reached or does not know the tx hands over to the next one
        (a restarted node may have lost its mempool while the others still hold the tx).
        """
        order = sorted(self.clients, key=lambda client: client.url != prefer)
        deadline = time.monotonic() + timeout_ms / 1000
        last: TxStatus | NodeError | None = None
        position, strikes = 0, 0
        while True:
            remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
            client = order[position % len(order)]
            last = _attempt(client.tx_status, tx_id, wait_ms=min(remaining_ms, WAIT_MS_MAX))
            if isinstance(last, TxStatus) and last.status in FINAL_STATUSES:
                return last
            moving_on = not isinstance(last, TxStatus) or last.status == "unknown"
            strikes = strikes + 1 if moving_on else 0
            if strikes >= len(order) or remaining_ms == 0:
                break
            position += 1 if moving_on else 0
            time.sleep(min(POLL_PAUSE_S, remaining_ms / 1000))
        if isinstance(last, NodeError):
            raise last
        return last


def passed_over(error: NodeError) -> bool:
    """Whether a read of several nodes asks the next node after this error: the node could
    not be reached, serves another chain, or said it cannot answer now (NOT_NOW_STATUSES).
    Any other refusal (404 unknown id, 400 bad input) is the answer: every node would say it."""
    if isinstance(error, (NodeUnreachableError, WrongChainError)):
        return True
    return isinstance(error, NodeRejectedError) and error.status_code in NOT_NOW_STATUSES


def _attempt(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | NodeError:
    """call's answer, or the NodeError it raised: one node's failure is kept, not final."""
    try:
        return call(*args, **kwargs)
    except NodeError as error:
        return error
