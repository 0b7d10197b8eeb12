"""A hostile HTTP client for the integration tier: the abuse classes of issue 10 (findings
3, 4, 7, 8) against a real node process, over raw sockets where httpx would be too polite.

Nothing here is in production code: the node gains no switch for it. Each attack returns
what the node answered, and `RssWatch` samples the node's resident memory from /proc
meanwhile, so a test can show the node stayed bounded, answered /healthz and kept
committing an honest tx while under attack.
"""

import contextlib
import resource
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

MIB = 1024 * 1024


def _connect(host: str, port: int, timeout_s: float = 10.0) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=timeout_s)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _status_of(sock: socket.socket) -> int | None:
    """The status code of the response on sock, or None when the node closed silently."""
    data = b""
    with contextlib.suppress(OSError):
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data[9:12])


def content_length_plus_chunked(host: str, port: int, total_bytes: int) -> tuple[int | None, int]:
    """POST /v1/txs claiming "Content-Length: 10" but sending chunked data up to total_bytes;
    returns (status, bytes the node let us send before it answered or closed)."""
    sock = _connect(host, port)
    head = (
        "POST /v1/txs HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n"
        "Content-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    sent = 0
    chunk = b"[" * MIB
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    with sock:
        sock.sendall(head.encode())
        try:
            while sent < total_bytes:
                sock.sendall(framed)
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the node answered and closed while we were still sending: the point
        return _status_of(sock), sent


def post_raw(url: str, body: bytes, timeout_s: float = 60.0) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/txs",
        content=body,
        headers={"content-type": "application/json"},
        timeout=timeout_s,
    )


def deep_nesting(size: int) -> bytes:
    """A body that is one deeply nested list, size bytes long."""
    return b"[" * (size // 2) + b"]" * (size // 2)


@dataclass
class SlowLoris:
    """count sockets, each holding a request whose headers never finish."""

    host: str
    port: int
    count: int
    sockets: list[socket.socket] = field(default_factory=list)
    refused: int = 0

    def open(self) -> None:
        raise_own_file_limit(self.count + 256)
        for index in range(self.count):
            try:
                sock = _connect(self.host, self.port, timeout_s=5.0)
                sock.sendall(f"POST /v1/txs HTTP/1.1\r\nHost: node\r\nX-Slow-{index}: ".encode())
            except OSError:
                self.refused += 1
                continue
            self.sockets.append(sock)

    def trickle(self) -> None:
        """Send one more header byte on every socket still open (as a slow-loris does)."""
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.sendall(b"a")

    def closed_by_node(self) -> int:
        """How many of the sockets the node has closed (EOF or reset waiting to be read)."""
        closed = 0
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                closed += sock.recv(1, socket.MSG_PEEK) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
        return closed

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()
        self.sockets.clear()


def raise_own_file_limit(wanted: int) -> None:
    """The test process needs one descriptor per hostile socket too."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, from /proc/<pid>/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


@dataclass
class HealthProbe:
    """Polls /healthz on fresh connections from a thread; records every answer's latency."""

    url: str
    latencies_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    _http: httpx.Client = field(
        # One client, so one SSL context (httpx.get builds one a call: ~35 ms of CPU, which
        # the latencies counted); no keep-alive, so every probe still opens a connection.
        default_factory=lambda: httpx.Client(
            timeout=5.0, limits=httpx.Limits(max_keepalive_connections=0)
        )
    )

    @contextlib.contextmanager
    def running(self, interval_s: float = 0.2) -> Iterator["HealthProbe"]:
        thread = threading.Thread(target=self._run, args=(interval_s,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(timeout=30)
            # One more answer after the attack, so even an attack refused faster than the
            # polling interval is bracketed by two answers.
            self._probe_once()
            self._http.close()

    def _run(self, interval_s: float) -> None:
        while not self._stop.is_set():
            self._probe_once()
            self._stop.wait(interval_s)

    def _probe_once(self) -> None:
        started = time.monotonic()
        try:
            response = self._http.get(f"{self.url}/healthz")
            if response.status_code == 200:
                self.latencies_s.append(time.monotonic() - started)
            else:
                self.failures.append(f"{response.status_code}")
        except httpx.HTTPError as error:
            self.failures.append(type(error).__name__)
