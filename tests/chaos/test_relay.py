"""The delay/loss relay on its own: one link on loopback to a small HTTP server.

What the delay/loss scenario relies on: a delay holds each direction of an exchange, a
reset is seen by the client at once, a stall swallows the request (the server never sees
it) until the client's own timeout, and the counters say so. Root only: the relay enters
network namespaces with setns (here its own).
"""

import os
import socket
import sys
import threading
import time
import traceback
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

    timeout = 10.0
    """Seconds a handler waits on its socket: the server's close waits for every handler."""

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    """The relay's resets, which these tests inject, end a request's handler with a
    ConnectionError: counted here, where socketserver printed its traceback to stderr after
    the test that caused it had ended (into the chaos tier's dots, stop 51). Any other error
    is kept, and fails the test at teardown. Its close waits for every handler, so none
    outlives the test."""

    daemon_threads = False
    block_on_close = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.resets = 0
        self.errors: list[str] = []

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            self.resets += 1
        else:
            self.errors.append(f"{client_address}: {traceback.format_exc()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server() -> Iterator[_Server]:
    server = _Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
    assert server.errors == []


@pytest.fixture
def relay(tmp_path: Path, server: _Server) -> Iterator[tuple[RelayProcess, str]]:
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


def test_reset_is_seen_at_once(
    relay: tuple[RelayProcess, str], server: _Server, capfd: pytest.CaptureFixture[str]
) -> None:
    process, url = relay
    process.set_faults({LINK: LinkFaults(loss=1.0, stall_share=0.0)})
    started = time.monotonic()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/lost", timeout=5)
    assert time.monotonic() - started < 2.0
    assert _counters(process)["resets"] == 1
    assert _Answer.seen == []
    # The server sees the reset too, on its side of the relay: counted, nothing printed.
    deadline = time.monotonic() + 5
    while server.resets == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.resets == 1
    assert "Traceback" not in capfd.readouterr().err


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
