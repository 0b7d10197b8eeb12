"""Steady client load and the ledger of every tx a node acknowledged as committed.

A client thread signs insurance.attest txs (cheap, always accepted) from the three senders
that may attest, POSTs each to every validator it can reach (a partitioned one times out
quickly) and keeps up to `window` txs per sender in flight. A follower thread asks a random
reachable node for each in-flight tx; the first answer "committed" with a height and an
index is the acknowledgement the client would have shown its user, and goes to the ledger.
A sender whose oldest tx stays unresolved for STALL_S (its only copies died with a killed
node's mempool) starts again from its committed nonce: the ledger only holds acknowledged
txs, so a tx given up on is never counted as lost. But none goes unexplained: every post
keeps each validator's answer, a tx nobody took is counted by those answers (`refused`),
and a tx given up on (stalled, or still in flight when the load stops) is first asked of
every node once more (committed by then: acknowledged after all) and otherwise given the
reason `why_unacknowledged` reads from what the nodes say (`GivenUp`).
"""

import contextlib
import random
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from genesis.example.txs import attest_body
from protocol.signing import PublicKey
from tests.chaos.cluster import ChaosNet
from tests.integration.txs import NetKeys, TxBuilder, now_ms, wire

SENDERS = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc")
# Why a tx some validator took was never acknowledged (GivenUp.reason), from what every node
# says of it when the load gives it up:
OUTSIDE_SET = "taken only by nodes outside the set"
"""Every node that answered 202 was a spare (voting false): it pools what it never proposes."""
RESTARTED = "its pools lost in restarts"
"""Nobody holds it, and every node that took it was restarted since (its mempool is gone)."""
NONCE_USED = "its nonce used by another tx"
"""Not committed, but the chain committed the sender's nonce: another tx took it."""
EXPIRED = "expired"
PENDING = "still pending"
"""Held by a validator of the set that took it (a pool keeps a sender's nonces without a
gap): the chain did not commit it within STALL_S, or before the load stopped."""
DROPPED = "dropped by a node that took it"
"""Unknown on a node that took it and was not restarted, nonce unused, not expired: the one
reason the load cannot explain; a node bug unless its pool dropped it for a reason above."""
STALL_S = 40.0
TX_LIFETIME_MS = 120_000
"""Short, so a tx stranded in one mempool (its sender moved on) expires within minutes."""


class _ChaosBuilder(TxBuilder):
    def _committed_nonce(self, key: PublicKey) -> int:
        """The highest nonce any reachable voting validator knows (committed or pending):
        admission wants exactly the next one on each node. A node outside the set (a spare
        before it joins) is left out: it pools txs the validators lost in a restart, never
        proposes them, and its pending nonce would leave a gap no validator fills."""
        highest: int | None = None
        for name in random.sample(self.net.validators, len(self.net.validators)):
            with contextlib.suppress(httpx.HTTPError, AssertionError):
                if not self.net.status(name)["voting"]:
                    continue
                nonces = self.net.get_json(name, f"/v1/nonces/{key.hex()}")
                known = max(int(nonces["committed"]), int(nonces["pending"] or 0))
                highest = known if highest is None else max(highest, known)
        if highest is None:
            raise AssertionError("no validator answered a nonce query")
        return highest


@dataclass(frozen=True, slots=True, kw_only=True)
class Ack:
    tx_id: str
    height: int
    index: int
    node: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Sent:
    """One tx the load built and posted: which nodes answered 202 (for a post-mortem)."""

    sender: str
    nonce: int
    tx_id: str
    accepted_by: tuple[str, ...]
    at: float
    answers: dict[str, str] = field(default_factory=dict)
    """Each validator's answer: "202", "400 wrong_nonce", "timeout", ..."""
    pids: dict[str, int] = field(default_factory=dict)
    """The process of each node that took it, at the post (a restart since lost its pool)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GivenUp:
    """A tx some validator took that nobody acknowledged, and why (`why_unacknowledged`)."""

    sent: Sent
    reason: str
    seen: dict[str, str]
    """Each node's status of it at the give-up, or why the node did not answer."""


@dataclass(slots=True)
class _InFlight:
    tx_id: str
    sent: float


@dataclass(slots=True)
class LoadStats:
    submitted: int = 0
    acknowledged: int = 0
    given_up: int = 0
    ledger: dict[str, Ack] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    """Every tx posted, taken or not, in order."""
    refused: Counter[str] = field(default_factory=Counter)
    """Txs no validator took, by every validator's answer, sorted and joined (e.g.
    "400 wrong_nonce 400 wrong_nonce timeout")."""
    given_up_txs: list[GivenUp] = field(default_factory=list)
    """Every tx given up on, with its reason, in order."""

    def unacknowledged_since(self, given_up: int, refused: Counter[str]) -> dict[str, Any]:
        """What went unacknowledged since the marks (len(given_up_txs), refused then): the
        count of each reason, and those the load cannot explain in full."""
        since = self.given_up_txs[given_up:]
        return {
            "given_up": len(since),
            "given_up_reasons": dict(Counter(g.reason for g in since)),
            "refused": dict(self.refused - refused),
            "unexplained": [
                {"tx": g.sent.tx_id[:16], "nonce": g.sent.nonce, "seen": g.seen}
                for g in since
                if g.reason == DROPPED
            ][:10],
        }


class Load:
    """Start with `start(rate_per_s)`; `stop()` drains what is in flight, then stops."""

    def __init__(self, net: ChaosNet, *, window: int = 6, seed: int = 0) -> None:
        self.net = net
        self.keys = NetKeys(net.directory)
        self.builder = _ChaosBuilder(net, self.keys)
        self.stats = LoadStats()
        self.window = window
        self.rate_per_s = 0.0
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._flight: dict[str, deque[_InFlight]] = {s: deque() for s in SENDERS}
        self._stop = threading.Event()
        self._submitting = threading.Event()
        self._threads: list[threading.Thread] = []
        self._http = httpx.Client(timeout=2.0, limits=httpx.Limits(max_connections=32))
        self._serial = 0
        self._pool = ThreadPoolExecutor(max_workers=4)

    # --- control -------------------------------------------------------------------------

    def start(self, rate_per_s: float = 0.0) -> None:
        """rate_per_s 0 = as fast as the windows allow."""
        self.rate_per_s = rate_per_s
        self._stop.clear()
        self._submitting.set()
        self._threads = [
            threading.Thread(target=self._submit_loop, name="chaos-submit", daemon=True),
            threading.Thread(target=self._follow_loop, name="chaos-follow", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, *, drain_s: float = 45.0) -> None:
        """Stop submitting, wait up to drain_s for in-flight txs to resolve, stop following."""
        self._submitting.clear()
        deadline = time.monotonic() + drain_s
        while self.in_flight() and time.monotonic() < deadline:
            time.sleep(0.2)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        with self._lock:
            left = [item.tx_id for queue in self._flight.values() for item in queue]
            for queue in self._flight.values():
                queue.clear()
        self._give_up(left)
        for sender in SENDERS:
            self.builder.forget_nonce(sender)

    def close(self) -> None:
        self._stop.set()
        self._submitting.clear()
        for thread in self._threads:
            thread.join(timeout=30)
        self._pool.shutdown(wait=True)
        self._http.close()

    def sent_by(self, sender: str) -> list[Sent]:
        """The txs the load posted from sender so far, taken or not, in order."""
        with self._lock:
            return [sent for sent in self.stats.sent if sent.sender == sender]

    def in_flight(self) -> int:
        with self._lock:
            return sum(len(queue) for queue in self._flight.values())

    # --- submitting ----------------------------------------------------------------------

    def _submit_loop(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            if not self._submitting.is_set():
                time.sleep(0.1)
                continue
            sender = self._random.choice(SENDERS)
            stalled: list[str] = []
            with self._lock:
                queue = self._flight[sender]
                if queue and time.monotonic() - queue[0].sent > STALL_S:
                    stalled = [item.tx_id for item in queue]
                    queue.clear()
                full = len(queue) >= self.window
            if stalled:
                self._give_up(stalled)
                self.builder.forget_nonce(sender)
            if full:
                time.sleep(0.05)
                continue
            with contextlib.suppress(Exception):
                self._submit_one(sender)
            if self.rate_per_s > 0:
                next_at += 1.0 / self.rate_per_s
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at = max(next_at, time.monotonic() - 1.0)

    def _submit_one(self, sender: str) -> None:
        self._serial += 1
        policy = f"chaos-{self.net.fabric.owner}-{self._serial}"
        signed = self.builder.build(
            "insurance.attest",
            sender,
            attest_body(policy, self.builder.eco.account_id),
            expires_at_ms=now_ms() + TX_LIFETIME_MS,
        )
        body = wire(signed)

        def post(name: str) -> str:
            try:
                response = self._http.post(
                    f"{self.net.url(name)}/v1/txs",
                    content=body,
                    headers={"content-type": "application/json"},
                )
            except httpx.HTTPError as error:
                return _failure(error)
            return _answer(response)

        names = self.net.validators
        answers = dict(zip(names, self._pool.map(post, names), strict=True))
        took = tuple(n for n, answer in answers.items() if answer == "202")
        with self._lock:
            self.stats.sent.append(
                Sent(
                    sender=sender,
                    nonce=signed.tx.nonce,
                    tx_id=signed.tx_id.hex(),
                    accepted_by=took,
                    at=time.monotonic(),
                    answers=answers,
                    pids={n: self.net.processes[n].pid for n in took},
                )
            )
            if not took:
                self.stats.refused[" ".join(sorted(answers.values()))] += 1
        if not took:
            # Nobody took it: its nonce is a gap; read the nonces again next time.
            self.builder.forget_nonce(sender)
            time.sleep(0.2)
            return
        with self._lock:
            self._flight[sender].append(_InFlight(tx_id=signed.tx_id.hex(), sent=time.monotonic()))
            self.stats.submitted += 1

    # --- following -----------------------------------------------------------------------

    def _follow_loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                pending = [item.tx_id for queue in self._flight.values() for item in queue]
            if not pending:
                time.sleep(0.1)
                continue
            for tx_id in pending[:64]:
                ack = self._ask(tx_id)
                if ack is not None:
                    self._acknowledge(ack)
            time.sleep(0.1)

    def _ask(self, tx_id: str) -> Ack | None:
        nodes = self.net.names
        for name in self._random.sample(nodes, len(nodes)):
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                response = self._http.get(f"{self.net.url(name)}/v1/txs/{tx_id}")
                if response.status_code != 200:
                    continue
                status = response.json()
                if status["status"] == "committed":
                    return Ack(
                        tx_id=tx_id,
                        height=int(status["height"]),
                        index=int(status["index"]),
                        node=name,
                    )
                return None
        return None

    # --- giving up -------------------------------------------------------------------------

    def _give_up(self, tx_ids: list[str]) -> None:
        """Out of flight already: asked of every node once more (acknowledged if committed
        by now), else counted as given up with the reason the nodes' answers give."""
        if not tx_ids:
            return
        wanted = set(tx_ids)
        with self._lock:
            sent = {t.tx_id: t for t in self.stats.sent if t.tx_id in wanted}
        outside = self._outside_set()
        names = self.net.names
        nonces: dict[str, int | None] = {}
        """Each sender's committed nonce, read once per give-up (a node may take seconds)."""
        for tx_id in tx_ids:

            def status_of(name: str, tx_id: str = tx_id) -> dict[str, Any] | str:
                try:
                    status: dict[str, Any] = self._http.get(
                        f"{self.net.url(name)}/v1/txs/{tx_id}"
                    ).json()
                    return status if "status" in status else "no status"
                except (httpx.HTTPError, ValueError) as error:
                    return _failure(error)

            answers = dict(zip(names, self._pool.map(status_of, names), strict=True))
            seen = {n: a if isinstance(a, str) else str(a["status"]) for n, a in answers.items()}
            committed = [
                Ack(tx_id=tx_id, height=int(a["height"]), index=int(a["index"]), node=n)
                for n, a in answers.items()
                if not isinstance(a, str) and a["status"] == "committed"
            ]
            if committed:
                self._acknowledge(committed[0])
                continue
            tx = sent[tx_id]
            if tx.sender not in nonces:
                nonces[tx.sender] = self._committed_nonce(tx.sender)
            reason = why_unacknowledged(
                tx,
                seen,
                committed_nonce=nonces[tx.sender],
                outside_set=outside,
                restarted={n for n in tx.accepted_by if self._pid(n) != tx.pids.get(n)},
            )
            with self._lock:
                self.stats.given_up += 1
                self.stats.given_up_txs.append(GivenUp(sent=tx, reason=reason, seen=seen))

    def _outside_set(self) -> set[str]:
        outside = set()
        for name in self.net.validators:
            with contextlib.suppress(httpx.HTTPError, AssertionError, KeyError):
                if not self.net.status(name)["voting"]:
                    outside.add(name)
        return outside

    def _committed_nonce(self, sender: str) -> int | None:
        """The highest committed nonce of sender any validator reports (None: none answered)."""
        key = self.keys.public(sender).hex()
        seen = []
        for name in self.net.validators:
            with contextlib.suppress(httpx.HTTPError, AssertionError, KeyError, ValueError):
                seen.append(int(self.net.get_json(name, f"/v1/nonces/{key}")["committed"]))
        return max(seen, default=None)

    def _pid(self, name: str) -> int | None:
        process = self.net.processes.get(name)
        return None if process is None or process.poll() is not None else process.pid

    def _acknowledge(self, ack: Ack) -> None:
        with self._lock:
            for queue in self._flight.values():
                for item in list(queue):
                    if item.tx_id == ack.tx_id:
                        queue.remove(item)
            if ack.tx_id not in self.stats.ledger:
                self.stats.ledger[ack.tx_id] = ack
                self.stats.acknowledged += 1


def why_unacknowledged(
    tx: Sent,
    seen: dict[str, str],
    *,
    committed_nonce: int | None,
    outside_set: set[str],
    restarted: set[str],
) -> str:
    """The reason a tx some validator took was not committed when given up on, from each
    node's status of it then (seen), the sender's committed nonce on the chain, the nodes
    outside the validator set and the takers restarted since the post."""
    if committed_nonce is not None and committed_nonce >= tx.nonce:
        return NONCE_USED
    if "expired" in seen.values():
        return EXPIRED
    if any(seen.get(n) == "pending" for n in tx.accepted_by if n not in outside_set):
        return PENDING
    if set(tx.accepted_by) <= outside_set:
        return OUTSIDE_SET
    if set(tx.accepted_by) - outside_set <= restarted:
        return RESTARTED
    return DROPPED


def _answer(response: httpx.Response) -> str:
    """ "202", or the status and the error's code ("400 wrong_nonce")."""
    if response.status_code == 202:
        return "202"
    code = ""
    with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
        code = str(response.json()["error"]["code"])
    return f"{response.status_code} {code}".strip()


def _failure(error: Exception) -> str:
    """What a request that got no answer met: "timeout", "connect error", ..."""
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.ConnectError):
        return "connect error"
    return type(error).__name__
