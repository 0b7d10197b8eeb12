"""A hostile peer's bytes on real node processes (issue 10, finding 4 and its acceptance).

60 MiB of nested lists used to be read whole and parsed before any signature check (39 s,
1.7 GB RSS). Now /peer/... stops reading at 8 MiB, whatever the headers say, and verifies
the sender's signature over the raw bytes before it parses anything. During each attack
the node must keep answering /healthz, stay under 300 MB resident, and commit an honest tx.
"""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from node.net_processes import read_pid
from node.peer_envelope import ENVELOPE_BYTES_MAX, PeerKind, seal_envelope
from tests.integration.network import LocalNet
from tests.integration.txs import NetKeys, TxBuilder, submit_to, wait_committed, wire

SHARED_NET = "peer"
"""Shared with test_public_and_peer_api.py: both send hostile peer bytes and count metric deltas,
never totals."""
RSS_LIMIT_KB = 300 * 1024
PEER_BODY_BYTES = 60 * 1024 * 1024


def peak_rss_kb(pid: int) -> int:
    """VmHWM: the process's peak resident set since it started."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for pid {pid}")


def nested_lists(total: int) -> Iterator[bytes]:
    """60 MiB of `[[[[...`, the shape that cost the most to parse, in 1 MiB chunks."""
    chunk = b"[" * (1024 * 1024)
    for _ in range(total // len(chunk)):
        yield chunk


def raw_post(port: int, path: str, headers: list[str], chunks: Iterator[bytes]) -> str:
    """Send a request by hand (httpx would fix the framing); the status line, or why not."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
        conn.sendall("\r\n".join(head).encode())
        try:
            for chunk in chunks:
                conn.sendall(chunk)
        except OSError as error:  # the server answered 413 and closed: that is the point
            return f"closed while sending: {error.__class__.__name__}"
        return conn.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")


def chunked(chunks: Iterator[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    yield b"0\r\n\r\n"


def under_attack(
    net: LocalNet, builder: TxBuilder, target: str, attack: Callable[[], object]
) -> None:
    """Run attack in a thread; meanwhile /healthz answers and an honest tx commits."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            attack()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        honest = builder.attest("xiangshan-county", f"honest-{time.monotonic_ns()}")
        submit_to(net, net.validators, wire(honest))
        while thread.is_alive():
            response = net.get(target, "/healthz")
            assert response.status_code == 200
            thread.join(0.2)
        wait_committed(net, target, honest.tx_id, timeout_s=60)
    finally:
        thread.join()
    assert errors == [], errors
    pid = read_pid(net.directory / target)
    assert pid is not None
    assert peak_rss_kb(pid) < RSS_LIMIT_KB


def test_a_60_mib_peer_body_is_cut_off_while_it_streams(net: LocalNet, builder: TxBuilder) -> None:
    target = net.validators[0]
    port = httpx.URL(net.url(target)).port
    assert port is not None
    outcomes: list[str] = []

    def attack() -> None:
        declared = [f"Content-Length: {PEER_BODY_BYTES}"]
        lying = ["Content-Length: 10", "Transfer-Encoding: chunked"]
        outcomes.append(raw_post(port, "/peer/consensus", declared, nested_lists(PEER_BODY_BYTES)))
        body = chunked(nested_lists(PEER_BODY_BYTES))
        outcomes.append(raw_post(port, "/peer/consensus", lying, body))
        only_chunked = chunked(nested_lists(PEER_BODY_BYTES))
        outcomes.append(
            raw_post(port, "/peer/evidence", ["Transfer-Encoding: chunked"], only_chunked)
        )

    under_attack(net, builder, target, attack)
    for outcome in outcomes:
        # 413 (too large), 400 (h11 refuses Content-Length with chunked) or 411; never 2xx.
        assert outcome.startswith(("HTTP/1.1 4", "closed")), outcome


def test_signed_garbage_and_strangers_floods_leave_the_chain_committing(
    net: LocalNet, keys: NetKeys, builder: TxBuilder
) -> None:
    target, impostor = net.validators[0], net.validators[1]
    key = keys[impostor]
    just_under = b"[" * (ENVELOPE_BYTES_MAX - 300)
    signed_garbage = seal_envelope(key, net.chain_id, PeerKind.CONSENSUS, {})
    line = signed_garbage[: signed_garbage.index(b"\n") + 1]
    stranger_body = line.replace(line[:64], b"ab" * 32) + just_under

    def attack() -> None:
        with httpx.Client(timeout=30) as client:
            url = f"{net.url(target)}/peer/consensus"
            for _ in range(20):
                # A stranger's 8 MiB: refused on its first line, never parsed.
                assert client.post(url, content=stranger_body).json() == {"accepted": False}
            for _ in range(500):
                response = client.post(url, content=signed_garbage[:-5] + b"garbage")
                assert response.json() == {"accepted": False}

    before = net.metrics(target)
    under_attack(net, builder, target, attack)
    after = net.metrics(target)
    key_drops = 'lantan_peer_messages_dropped_total{reason="unknown_key"}'
    signature_drops = 'lantan_peer_messages_dropped_total{reason="bad_signature"}'
    assert after.get(key_drops, 0) - before.get(key_drops, 0) >= 20
    assert after.get(signature_drops, 0) - before.get(signature_drops, 0) >= 500
