"""Steady client load and the ledger of every tx a node acknowledged as committed.

A client thread signs insurance.attest txs (cheap, always accepted) from the three senders
that may attest, POSTs each to every validator it can reach (a partitioned one times out
quickly) and keeps up to `window` txs per sender in flight. A follower thread asks a random
reachable node for each in-flight tx; the first answer "committed" with a height and an
index is the acknowledgement the client would have shown its user, and goes to the ledger.
A sender whose oldest tx stays unresolved for STALL_S (its only copies died with a killed
node's mempool) starts again from its committed nonce: the ledger only holds acknowledged
txs, so a tx given up on is never counted as lost.
"""

import contextlib
import random
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from genesis.example.txs import attest_body
from protocol.signing import PublicKey
from tests.chaos.cluster import ChaosNet
from tests.integration.txs import NetKeys, TxBuilder, now_ms, wire

SENDERS = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc")
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
            for queue in self._flight.values():
                self.stats.given_up += len(queue)
                queue.clear()
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
            with self._lock:
                queue = self._flight[sender]
                if queue and time.monotonic() - queue[0].sent > STALL_S:
                    self.stats.given_up += len(queue)
                    queue.clear()
                    self.builder.forget_nonce(sender)
                full = len(queue) >= self.window
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

        def post(name: str) -> bool:
            with contextlib.suppress(httpx.HTTPError):
                response = self._http.post(
                    f"{self.net.url(name)}/v1/txs",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                return response.status_code == 202
            return False

        answers = list(self._pool.map(post, self.net.validators))
        took = tuple(n for n, ok in zip(self.net.validators, answers, strict=True) if ok)
        with self._lock:
            self.stats.sent.append(
                Sent(
                    sender=sender,
                    nonce=signed.tx.nonce,
                    tx_id=signed.tx_id.hex(),
                    accepted_by=took,
                    at=time.monotonic(),
                )
            )
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

    def _acknowledge(self, ack: Ack) -> None:
        with self._lock:
            for queue in self._flight.values():
                for item in list(queue):
                    if item.tx_id == ack.tx_id:
                        queue.remove(item)
            if ack.tx_id not in self.stats.ledger:
                self.stats.ledger[ack.tx_id] = ack
                self.stats.acknowledged += 1
