"""Noise: votes far in the future, replays, malformed and oversized envelopes, and floods.
The honest nodes must answer each with a status and keep deciding."""

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from node.peer_envelope import PeerKind, seal_envelope
from protocol.encoding import JsonObject, JsonValue
from protocol.hashing import Hash32, sha256
from protocol.votes import VoteType
from tests.adversary.byzantine_evidence import EvidenceAttacks
from tests.adversary.byzantine_peer import FLOOD_THREADS, Reply, random_hash

REPLAY_CAPTURED_MAX = 100
REPLAY_OWN_MAX = 60
ANNOUNCED_IDS = 5_000
"""Ids per announcement: node/tx_relay.py's IDS_PER_MESSAGE_MAX."""
CAPTURE_WAIT_S = 15.0
"""How long a replay waits for an honest message to replay: a network just started (the
replay the first test of its module) may not have sent the Byzantine one yet."""


class NoiseAttacks(EvidenceAttacks):
    """Messages the honest nodes must refuse or ignore without stalling."""

    def future_votes(self) -> Reply:
        """Votes and proposals for heights and rounds far ahead, validly signed."""
        height = self.working_height()
        targets = [
            (height, 1_000),
            (height, 1 << 20),
            (height, (1 << 20) + 1),
            (height, (1 << 53) - 1),
            (height + 1, 0),
            (height + 2, 5),
            (height + 1_000, 0),
            (height + 1_000_000, 3),
            ((1 << 53) - 1, (1 << 53) - 1),
        ]
        count = 0
        for target_height, round_number in targets:
            for kind in (VoteType.PREVOTE, VoteType.PRECOMMIT):
                signed = self.vote(kind, target_height, round_number, random_hash())
                self.send(PeerKind.CONSENSUS, self.vote_body(signed))
                count += 1
            payload = b'{"evidence":[],"header":{},"txs":[]}'
            fake = self.proposal(target_height, round_number, payload, Hash32(sha256(payload)))
            self.send(PeerKind.CONSENSUS, fake)
            self.send(PeerKind.CONSENSUS, {"kind": "status", "height": target_height})
            count += 2
        return {"sent": count}

    def replay(self) -> Reply:
        """Send again what the honest nodes sent us (their signatures, untouched), to every
        honest node, and everything we sent before; then old-height votes re-signed now."""
        deadline = time.monotonic() + CAPTURE_WAIT_S
        while not self.captured and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._lock:
            captured = list(self.captured)
            ours = list(self.sent)
        jobs = [
            (peer, PeerKind(path.rsplit("/", 1)[-1]), data)
            for path, data in captured[-REPLAY_CAPTURED_MAX:]
            for peer in self.peers
        ]
        jobs += [(peer, kind, data) for kind, data in ours[-REPLAY_OWN_MAX:] for peer in self.peers]
        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            list(pool.map(lambda job: self.post(*job), jobs))
        count = len(jobs)
        head = self.working_height() - 1
        for height in range(max(1, head - 5), head + 1):
            for kind_ in (VoteType.PREVOTE, VoteType.PRECOMMIT):
                self.send(PeerKind.CONSENSUS, self.vote_body(self.vote(kind_, height, 0, None)))
                count += 1
        return {"sent": count, "captured": len(captured)}

    def replay_at(self, peer: str, seconds: float, kinds: list[str] | None = None) -> Reply:
        """For seconds, send one peer everything captured and everything we sent before
        (of kinds only, if given), again and again, as fast as FLOOD_THREADS connections go
        (their signatures untouched: valid old proposals, votes, checkpoint lines); the
        answers counted by status."""
        with self._lock:
            recorded = [(PeerKind(path.rsplit("/", 1)[-1]), data) for path, data in self.captured]
            recorded += list(self.sent)
        if kinds is not None:
            recorded = [(kind, data) for kind, data in recorded if kind.value in kinds]
        counted = Counter(kind.value for kind, _ in recorded)
        deadline = time.monotonic() + seconds
        answers: Counter[str] = Counter()

        def cycle(offset: int) -> Counter[str]:
            mine: Counter[str] = Counter()
            index = offset
            while time.monotonic() < deadline:
                kind, data = recorded[index % len(recorded)]
                mine[str(self.post(peer, kind, data))] += 1
                index += FLOOD_THREADS
            return mine

        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            for mine in pool.map(cycle, range(FLOOD_THREADS)):
                answers.update(mine)
        return {"sent": sum(answers.values()), "answers": dict(answers), "kinds": dict(counted)}

    def garbage(self, oversized_mib: list[int]) -> Reply:
        """Malformed, truncated and oversized envelopes; the status each node answered."""
        valid = self.seal(
            PeerKind.CONSENSUS,
            self.vote_body(self.vote(VoteType.PREVOTE, self.working_height(), 0, None)),
        )
        depth = 200_000
        samples: dict[str, bytes] = {
            "random_bytes": os.urandom(4096),
            "empty": b"",
            "not_json": b"\xff\xfe{{{",
            "json_list": b"[1,2,3]",
            "truncated": valid[: len(valid) // 2],
            "truncated_one_byte": valid[:-1],
            "trailing_garbage": valid + b"}}",
            "deep_nesting": b"[" * depth + b"]" * depth,
            "deep_nesting_signed": self.seal_raw(
                PeerKind.CONSENSUS,
                b'{"kind":"vote","vote":' + b"[" * depth + b"]" * depth + b"}",
            ),
            "wrong_kind": self.seal(PeerKind.EVIDENCE, {"kind": "status", "height": 1}),
            "wrong_chain": seal_envelope(
                self.key, random_hash(), PeerKind.CONSENSUS, {"kind": "status", "height": 1}
            ),
            "unknown_message": self.seal(PeerKind.CONSENSUS, {"kind": "teapot"}),
        }
        answers: dict[str, dict[str, int | str]] = {}
        for label, data in samples.items():
            answers[label] = {
                peer: self.post(peer, PeerKind.CONSENSUS, data) for peer in self.peers
            }
        answers.update(self._compact_garbage())
        for mib in oversized_mib:
            # A validly signed envelope of mib MiB: its signature is fine, its size is not.
            padding = "a" * (mib * 1024 * 1024)
            body: JsonObject = {"kind": "status", "height": 1, "pad": padding}
            data = seal_envelope(self.key, self.chain_id, PeerKind.CONSENSUS, body)
            label = f"oversized_{mib}_mib"
            answers[label] = {
                peer: self.post(peer, PeerKind.CONSENSUS, data) for peer in self.peers
            }
            del data, padding
        return {"answers": answers}

    def _compact_garbage(self) -> dict[str, dict[str, int | str]]:
        """Compact proposals (ADR 0036) that do not decode, and ones naming txs nobody
        holds (an honest node asks us for the block, at its working height only)."""
        height = self.working_height()
        shell = b'{"evidence":[],"header":{},"txs":[]}'.hex()
        unknown: list[JsonValue] = [random_hash().hex() for _ in range(1000)]

        def compact(at: int, **fields: JsonValue) -> bytes:
            signed = self.proposal(at, 0, b"", random_hash())["signed"]
            return self.seal(PeerKind.PROPOSAL, {"signed": signed, **fields})

        samples: dict[str, bytes] = {
            "compact_random_bytes": os.urandom(4096),
            "compact_empty": self.seal(PeerKind.PROPOSAL, {}),
            "compact_not_a_shell": compact(height, shell="00", leaves=[]),
            "compact_bad_leaves": compact(height, shell=shell, leaves=["zz"]),
            "compact_unknown_txs": compact(height, shell=shell, leaves=unknown),
            "compact_far_ahead": compact(height + 100, shell=shell, leaves=unknown),
        }
        return {
            label: {peer: self.post(peer, PeerKind.PROPOSAL, data) for peer in self.peers}
            for label, data in samples.items()
        }

    def flood(self, count: int) -> Reply:
        """count messages as fast as FLOOD_THREADS connections go: valid votes over many
        rounds, bogus evidence, garbage; spread over the honest nodes."""
        height = self.working_height()
        peers = list(self.peers)
        jobs: list[tuple[str, PeerKind, bytes]] = []
        for index in range(count):
            peer = peers[index % len(peers)]
            choice = index % 4
            if choice == 0:
                signed = self.vote(VoteType.PREVOTE, height, 2 + index, random_hash())
                data = seal_envelope(
                    self.key, self.chain_id, PeerKind.CONSENSUS, self.vote_body(signed)
                )
                jobs.append((peer, PeerKind.CONSENSUS, data))
            elif choice == 1:
                evidence = self._forged_votes(
                    "zero_signatures", height, 5000 + index, self.key.public_key
                )
                data = seal_envelope(self.key, self.chain_id, PeerKind.EVIDENCE, evidence.to_json())
                jobs.append((peer, PeerKind.EVIDENCE, data))
            elif choice == 2:
                jobs.append((peer, PeerKind.CONSENSUS, os.urandom(256)))
            else:
                status: JsonObject = {"kind": "status", "height": height + index}
                data = seal_envelope(self.key, self.chain_id, PeerKind.CONSENSUS, status)
                jobs.append((peer, PeerKind.CONSENSUS, data))
        started = time.monotonic()
        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            answers = Counter(str(a) for a in pool.map(lambda job: self.post(*job), jobs))
        return {"sent": count, "answers": dict(answers), "seconds": time.monotonic() - started}

    def announce_flood(self, messages: int) -> Reply:
        """Tx ids it never serves, far past each honest node's share of its want table,
        requests for ids nobody holds, and malformed id lists (node/tx_relay.py)."""
        jobs: list[tuple[str, PeerKind, bytes]] = []
        for index in range(messages):
            kind = PeerKind.TX_WANT if index % 3 == 0 else PeerKind.TX_IDS
            body: JsonObject = {"tx_ids": [random_hash().hex() for _ in range(ANNOUNCED_IDS)]}
            data = seal_envelope(self.key, self.chain_id, kind, body)
            jobs.extend((peer, kind, data) for peer in self.peers)
        malformed: list[JsonObject] = [
            {"tx_ids": ["zz"]},
            {"tx_ids": [random_hash().hex()] * (ANNOUNCED_IDS + 1)},
            {"tx_ids": "00"},
        ]
        for body in malformed:
            data = seal_envelope(self.key, self.chain_id, PeerKind.TX_IDS, body)
            jobs.extend((peer, PeerKind.TX_IDS, data) for peer in self.peers)
        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            answers = Counter(str(a) for a in pool.map(lambda job: self.post(*job), jobs))
        return {"sent": len(jobs), "answers": dict(answers)}
