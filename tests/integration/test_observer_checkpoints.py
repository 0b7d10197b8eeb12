"""An observer serves signed checkpoints and receipts from its own disk (real processes).

Only validators sign checkpoints and they gossip their lines among themselves, so an
observer fetches the quorum notes from the validators it follows and keeps each only after
verifying it against its own log (node/checkpoint_follow.py). A second observer that
follows a peer serving tampered notes (a proxy in this process, which passes blocks through
untouched) syncs the chain, refuses every note, keeps none and logs why with the height.
"""

import contextlib
import dataclasses
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from client.audit.checkpoint import open_note
from client.receipt.verify import verify_receipt
from genesis.document import build_genesis, parse_genesis
from genesis.network import GENESIS_FILE
from node.config import CONFIG_FILE, PeerConfig, render_config
from protocol.hashing import Hash32
from tests.integration.conftest import commit_xiangshan_case
from tests.integration.network import LocalNet, free_base_port, wait_for

pytestmark = pytest.mark.slow
OBSERVER = "court-observer"
MISLED = "misled-observer"


def tampered(note: bytes) -> bytes:
    """The note with its root line replaced: its signatures no longer cover its text."""
    lines = note.split(b"\n")
    lines[2] = b"A" * 43 + b"="
    return b"\n".join(lines)


@contextlib.contextmanager
def lying_peer(upstream: str) -> Iterator[str]:
    """A peer passing every GET through to upstream, except checkpoint notes, tampered."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer = httpx.get(upstream + self.path, timeout=10)
            body = answer.content
            if self.path.startswith("/v1/checkpoints/") and answer.status_code == 200:
                body = tampered(body)
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("content-type", "text/plain"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def judicial_id(net: LocalNet) -> Hash32:
    return commit_xiangshan_case(net)["credits.retire_judicial"]


def test_an_observer_serves_a_quorum_checkpoint_and_a_receipt_that_verifies(
    net: LocalNet, judicial_id: Hash32
) -> None:
    net.write_config(OBSERVER, port=free_base_port(1), peers=net.validators, observer=True)
    net.start(OBSERVER)
    net.wait_ready(OBSERVER)
    genesis_bytes = (net.directory / GENESIS_FILE).read_bytes()
    genesis = build_genesis(parse_genesis(genesis_bytes))

    def latest() -> str | None:
        answer = net.get(OBSERVER, "/v1/checkpoints/latest")
        return answer.text if answer.status_code == 200 else None

    note = wait_for(latest, 30, "a quorum checkpoint on the observer")
    checkpoint = open_note(note, genesis.chain_id, genesis.document.validators)
    assert checkpoint.size <= net.height(OBSERVER) + 1

    def receipt() -> bytes | None:
        answer = net.get(OBSERVER, f"/v1/receipts/{judicial_id.hex()}")
        return answer.content if answer.status_code == 200 else None

    facts = verify_receipt(wait_for(receipt, 30, "the receipt on the observer"), genesis_bytes)
    assert facts.receipt_id == judicial_id.hex()
    metrics = net.metrics(OBSERVER)
    assert metrics['lantan_checkpoints_followed_total{outcome="kept"}'] >= 1


def test_an_observer_refuses_and_logs_a_peers_tampered_checkpoints(
    net: LocalNet, judicial_id: Hash32
) -> None:
    with lying_peer(net.url(net.validators[0])) as liar:
        net.write_config(MISLED, port=free_base_port(1), peers=[], observer=True)
        config = dataclasses.replace(net.config(MISLED), peers=(PeerConfig(name="liar", url=liar),))
        (net.directory / MISLED / CONFIG_FILE).write_text(render_config(config))
        net.start(MISLED)
        net.wait_ready(MISLED)
        log_path = net.directory / MISLED / "node.log"

        def refusal() -> dict[str, object] | None:
            for line in log_path.read_text(errors="replace").splitlines():
                entry = json.loads(line)
                if "refused (bad_note)" in entry.get("message", ""):
                    return dict(entry)
            return None

        entry = wait_for(refusal, 30, "a logged refusal")
        assert entry["level"] == "warning" and entry["peer"] == liar
        assert isinstance(entry["height"], int) and entry["height"] == entry["size"] - 1  # type: ignore[operator]
        synced = net.wait_heights([MISLED], net.height(net.validators[0]))[MISLED]
        assert synced > 0  # blocks pass through the liar untouched, and the loop goes on
        assert net.get(MISLED, "/v1/checkpoints/latest").status_code == 404
        pending = net.get(MISLED, f"/v1/receipts/{judicial_id.hex()}")
        assert pending.status_code == 409
        assert "witness" not in pending.json()["error"]["detail"]
        metrics = net.metrics(MISLED)
        assert metrics['lantan_checkpoints_followed_total{outcome="bad_note"}'] >= 1
        assert 'lantan_checkpoints_followed_total{outcome="kept"}' not in metrics
