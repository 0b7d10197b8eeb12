"""A Byzantine validator: a separate OS process holding one validator's real signing key.

    python -m tests.adversary.byzantine NET_DIR NAME

NAME is a validator of the network in NET_DIR whose node is not running; this process takes
its place. It unlocks NAME's keystore, listens on NAME's port (so it receives what the
honest validators send it, and captures it for replays), keeps its own copy of the chain
(synced from the honest nodes through their public API, executed by node.ledger.Ledger as
a node would) to build valid blocks, and sends signed peer envelopes exactly as
node/transport.py does (node.peer_envelope.seal_envelope).

The test scripts it over stdin, one JSON command per line ({"op": ..., ...}); each command
is answered with one JSON line on stdout ({"ok": true, ...} or {"ok": false, "error"}).
The first line it prints is {"ok": true, "ready": ...} once it listens. Nothing of this
lives in production code: the honest nodes run unmodified.
"""

import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.adversary.byzantine_answers import DECLARED_BYTES, PostAnswers, endless_answer
from tests.adversary.byzantine_asks import pause_answer
from tests.adversary.byzantine_bounds import BoundAttacks
from tests.adversary.byzantine_fuzz import FuzzAttacks
from tests.adversary.byzantine_heavy import heavy_flood
from tests.adversary.byzantine_peer import Reply
from tests.adversary.byzantine_proposals import ProposalAttacks
from tests.adversary.byzantine_status import (
    DRIP_BYTES,
    SLOW_RANGE_S,
    StatusMode,
    drip_chunks,
    pause,
    status_answer,
)


class Byzantine(ProposalAttacks, BoundAttacks, FuzzAttacks):
    """One Byzantine validator with every attack the tests script."""

    def __init__(self, directory: Path, name: str) -> None:
        super().__init__(directory, name)
        self.status = StatusMode()
        """How its port answers block sync's GETs (tests/adversary/byzantine_status.py)."""
        self.post_answers = PostAnswers()
        self.sync_lock = threading.Lock()
        """Held while a GET's answer syncs the chain copy (the server answers on threads)."""
        """How its port answers the honest nodes' posts (tests/adversary/byzantine_answers.py)."""


def status_head(byzantine: Byzantine) -> Reply:
    """Answer /v1/status with our chain copy's head (synced now): a peer that answers."""
    height = byzantine.sync()
    head_hash = byzantine.ledger.head().block_hash().hex()
    return byzantine.status.set("head", height, head_hash)


def _one_block_range(byzantine: Byzantine, path: str) -> bytes:
    """A /v1/blocks/range answer holding the first block asked alone (none we lack)."""
    first = int(parse_qs(urlsplit(path).query)["from"][0])
    with byzantine.sync_lock:
        byzantine.sync()
    block = byzantine.store.get_block(first)
    certificate = byzantine.store.get_certificate(first)
    if block is None or certificate is None:
        return b'{"blocks":[]}'
    return b'{"blocks":[{"block":' + block + b',"certificate":' + certificate + b"}]}"


def _listener(byzantine: Byzantine) -> ThreadingHTTPServer:
    """Accept what honest nodes send to our port: capture it, answer like a node (202)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            data = self.rfile.read(length)
            if self.path.startswith("/peer/"):
                byzantine.capture(self.path, data)
            if byzantine.stall_answers and self.path == "/peer/consensus":
                pause_answer()  # the honest node's sender waits: its queue to us fills
            if byzantine.post_answers.mode == "endless":
                self.send_response(202)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(DECLARED_BYTES))
                self.end_headers()
                endless_answer(self.wfile, byzantine.post_answers)
                self.close_connection = True
                return
            self._answer(202, b'{"accepted":true}')

        def do_GET(self) -> None:
            mode = byzantine.status
            if mode.mode == "slow-range" and self.path.startswith("/v1/blocks/range"):
                time.sleep(SLOW_RANGE_S)
                self._answer(200, _one_block_range(byzantine, self.path))
                mode.ranges_served += 1
                return
            answer = status_answer(mode.mode, self.path, mode.height, mode.head_hash)
            if answer is not None:
                self._answer(*answer)
                return
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(DRIP_BYTES))
            self.end_headers()
            try:
                for chunk in drip_chunks():
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    pause()
            except OSError:  # the honest node gave up on us: what the test wants
                return

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((byzantine.config.host, byzantine.config.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _commands(byzantine: Byzantine) -> dict[str, Callable[[dict[str, Any]], Reply]]:
    return {
        "heights": lambda c: {"heights": byzantine.heights()},
        "equivocate": lambda c: byzantine.equivocate(c["vote_type"]),
        "bogus_evidence": lambda c: byzantine.bogus_evidence(c["variant"]),
        "checkpoint_equivocation": lambda c: byzantine.checkpoint_equivocation(),
        "unsigned_envelope": lambda c: byzantine.unsigned_envelope(),
        "stale_evidence": lambda c: byzantine.stale_evidence(c["recorded"]),
        "double_propose": lambda c: byzantine.double_propose(float(c.get("timeout_s", 30))),
        "propose_bogus_evidence": lambda c: byzantine.propose_bogus_evidence(
            float(c.get("timeout_s", 30))
        ),
        "propose_backdated": lambda c: byzantine.propose_backdated(
            float(c.get("timeout_s", 60)), float(c["idle_s"])
        ),
        "future_votes": lambda c: byzantine.future_votes(),
        "replay": lambda c: byzantine.replay(),
        "replay_at": lambda c: byzantine.replay_at(c["peer"], float(c["seconds"]), c.get("kinds")),
        "garbage": lambda c: byzantine.garbage(list(c.get("oversized_mib", []))),
        "flood": lambda c: byzantine.flood(int(c["count"])),
        "announce_flood": lambda c: byzantine.announce_flood(int(c["messages"])),
        "status_mode": lambda c: byzantine.status.set(str(c["mode"]), int(c.get("height", 0))),
        "ask_flood": lambda c: byzantine.ask_flood(float(c["seconds"]), bool(c.get("stall"))),
        "status_head": lambda c: status_head(byzantine),
        "heavy_flood": lambda c: heavy_flood(byzantine, float(c["seconds"]), int(c["threads"])),
        "post_answers": lambda c: byzantine.post_answers.set(str(c["mode"])),
        "late_votes": lambda c: byzantine.late_votes(int(c["count"])),
        "lead_round": lambda c: byzantine.lead_round(c["peer"], int(c["height"]), int(c["round"])),
        "low_round_votes": lambda c: byzantine.low_round_votes(
            c["peer"], int(c["height"]), int(c["top_round"]), int(c["count"])
        ),
        "low_round_proposals": lambda c: byzantine.low_round_proposals(
            c["peer"],
            int(c["height"]),
            int(c["top_round"]),
            int(c["count"]),
            int(c["payload_kib"]),
        ),
        "next_height_flood": lambda c: byzantine.next_height_flood(
            int(c["count"]), int(c["payload_kib"])
        ),
        "self_evidence": lambda c: byzantine.self_evidence(int(c["count"])),
        "foreign_equivocation": lambda c: byzantine.foreign_equivocation(c["name"]),
        "fuzz": lambda c: byzantine.fuzz(int(c["seed"]), int(c["first"]), int(c["count"]), c["tx"]),
        "old_precommit": lambda c: byzantine.old_precommit(c["name"], int(c["behind"])),
    }


def main(argv: list[str]) -> int:
    directory, name = Path(argv[1]), argv[2]
    byzantine = Byzantine(directory, name)
    server = _listener(byzantine)
    commands = _commands(byzantine)
    _reply({"ok": True, "ready": name, "public_key": byzantine.key.public_key.hex()})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            try:
                _reply({"ok": True, **commands[command["op"]](command)})
            except Exception as error:  # answered to the test, which fails on it; we go on
                _reply({"ok": False, "error": f"{type(error).__name__}: {error}"})
    finally:
        server.shutdown()
        byzantine.close()
    return 0


def _reply(value: Reply) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
