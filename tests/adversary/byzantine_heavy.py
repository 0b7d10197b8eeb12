"""Large validly signed envelopes, posted without pause: each is a few MiB the honest node
must check (one Ed25519 check over all of it) and decode before it can tell it is useless,
on the one thread that opens votes and proposals (node/api/routes/peer.py
CONSENSUS_OPENER). The test measures whether the honest validators' own votes get through."""

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from node.peer_envelope import PeerKind
from protocol.encoding import JsonObject
from tests.adversary.byzantine_peer import ByzantinePeer, Reply

HEAVY_BYTES = 7 * 1024 * 1024
"""Padding per envelope: under the 8 MiB envelope bound."""


def heavy_flood(peer: ByzantinePeer, seconds: float, threads: int) -> Reply:
    """For `seconds`, `threads` connections to each honest node each posting a signed
    consensus envelope of HEAVY_BYTES (a status with padding) again and again; the answers
    by status (all, and by peer), the envelopes sent and the envelope's size."""
    height = peer.working_height()
    body: JsonObject = {"kind": "status", "height": height, "padding": "x" * HEAVY_BYTES}
    data = peer.seal_unkept(PeerKind.CONSENSUS, body)
    deadline = time.monotonic() + seconds

    def worker(name: str) -> Counter[str]:
        answers: Counter[str] = Counter()
        while time.monotonic() < deadline:
            answers[str(peer.post(name, PeerKind.CONSENSUS, data))] += 1
        return answers

    jobs = [name for name in peer.peers for _ in range(threads)]
    total: Counter[str] = Counter()
    by_peer: dict[str, Counter[str]] = {name: Counter() for name in peer.peers}
    with ThreadPoolExecutor(len(jobs)) as pool:
        for name, answers in zip(jobs, pool.map(worker, jobs), strict=True):
            total.update(answers)
            by_peer[name].update(answers)
    return {
        "sent": sum(total.values()),
        "answers": dict(total),
        "by_peer": {name: dict(answers) for name, answers in by_peer.items()},
        "envelope_bytes": len(data),
    }
