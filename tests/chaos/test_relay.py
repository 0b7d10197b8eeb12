"""The delay/loss relay on its own: one link on loopback to a small HTTP server.

What the delay/loss scenario relies on: a delay holds each direction of an exchange, a
reset is seen by the client at once, a stall swallows the request (the server never sees
it) until the client's own timeout, and the counters say so. Root only: the relay enters
network namespaces with setns (here its own).
"""

import os
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from tests.chaos.relay import LinkFaults
from tests.chaos.relay_control import RelayProcess

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the relay enters network namespaces (setns): needs root"
)
LINK = "a>b"


class _Answer(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Answer.seen.append(self.path)
        body = b"ok"
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[RelayProcess, str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Answer.seen = []
    port = _free_port()
    spec = {
        "name": LINK,
        "namespace_path": "/proc/self/ns/net",
        "listen_port": port,
        "target": ["127.0.0.1", server.server_address[1]],
    }
    process = RelayProcess(tmp_path, [spec], prefix=[])
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.close()
        server.shutdown()
        server.server_close()


def _counters(process: RelayProcess) -> dict[str, int]:
    counters: dict[str, int] = process.stats()[LINK]["counters"]
    return counters


def test_delay_holds_each_direction(relay: tuple[RelayProcess, str]) -> None:
    process, url = relay
    assert httpx.get(f"{url}/warm", timeout=5).text == "ok"
    process.set_faults({LINK: LinkFaults(delay_ms=150)})
    started = time.monotonic()
    assert httpx.get(f"{url}/slow", timeout=5).text == "ok"
    took = time.monotonic() - started
    assert 0.3 <= took < 2.0, took
    counters = _counters(process)
    assert counters["delayed_chunks"] >= 2, counters
    assert counters["exchanges"] == 2, counters


def test_reset_is_seen_at_once(relay: tuple[RelayProcess, str]) -> None:
    process, url = relay
    process.set_faults({LINK: LinkFaults(loss=1.0, stall_share=0.0)})
    started = time.monotonic()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/lost", timeout=5)
    assert time.monotonic() - started < 2.0
    assert _counters(process)["resets"] == 1
    assert _Answer.seen == []


def test_stall_swallows_the_request_until_the_client_gives_up(
    relay: tuple[RelayProcess, str],
) -> None:
    process, url = relay
    process.set_faults({LINK: LinkFaults(loss=1.0, stall_share=1.0)})
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{url}/stalled", timeout=1.0)
    assert _counters(process)["stalls"] == 1
    assert _Answer.seen == []
    process.clear()
    assert httpx.get(f"{url}/healed", timeout=5).text == "ok"
    assert _Answer.seen == ["/healed"]
