"""A small userspace TCP relay for delay and loss between validators: this kernel has no netem.

One relay process serves every directed peer link of a network. For the link a>b it
listens on 127.0.0.1:(RELAY_PORT_BASE + b's host index) inside a's namespace (a's node.toml
names that as b's URL, like a local sidecar proxy) and dials b's real address from a's
namespace too, so b sees a's own address and the nftables partitions still apply on top.

Faults are per directed link and change at run time (control socket, one JSON line each way):
- delay: every chunk, each way, waits delay_ms +- jitter_ms (uniform) before it is passed on;
  a chunk never overtakes the one before it, as on one TCP stream.
- loss: peers speak HTTP over keep-alive connections, so what a lost packet costs them is a
  lost exchange. With probability `loss`, a request (the first client chunk after the last
  answer) is not passed on: a share `stall_share` of those stalls (swallowed, nothing comes
  back: the sender's own timeout ends it) and the rest reset the connection both ways.
Counters per link: connections, exchanges, delayed chunks and their total delay, resets,
stalls, bytes each way.

Usage (the harness starts it inside the bridge namespace):
    python -m tests.chaos.relay CONTROL_SOCKET LINKS_JSON
LINKS_JSON: [{"name": "a>b", "namespace_path": "/var/run/netns/<a's>", "listen_port": ...,
              "target": [address, port], "seed": ...}]
"""

import asyncio
import contextlib
import ctypes
import json
import os
import random
import socket
import struct
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

RELAY_PORT_BASE = 7200
_CLONE_NEWNET = 0x40000000
_CHUNK = 65536
_CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkFaults:
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    loss: float = 0.0
    stall_share: float = 0.5

    def draw_delay_s(self, chooser: random.Random) -> float:
        jitter = chooser.uniform(-self.jitter_ms, self.jitter_ms) if self.jitter_ms else 0.0
        return max(0.0, self.delay_ms + jitter) / 1000


@dataclass(slots=True)
class LinkCounters:
    connections: int = 0
    exchanges: int = 0
    delayed_chunks: int = 0
    delay_s_total: float = 0.0
    resets: int = 0
    stalls: int = 0
    connect_failures: int = 0
    bytes_up: int = 0
    bytes_down: int = 0


@dataclass(slots=True)
class Link:
    name: str
    namespace_fd: int
    listen_port: int
    target: tuple[str, int]
    chooser: random.Random
    faults: LinkFaults = field(default_factory=LinkFaults)
    counters: LinkCounters = field(default_factory=LinkCounters)


_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


def socket_in(namespace_fd: int, home_fd: int) -> socket.socket:
    """A TCP socket created in another network namespace: it stays there for its life, and
    this single-threaded loop is back home before anything else runs."""
    _setns(namespace_fd)
    try:
        made = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    finally:
        _setns(home_fd)
    made.setblocking(False)
    return made


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0), as a peer whose connection broke."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(OSError):
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class Connection:
    """One client connection through a link: two pumps, each with its own delay queue."""

    def __init__(self, link: Link, client: asyncio.StreamWriter) -> None:
        self.link = link
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None
        self.awaiting_request = True
        self.stalled = False
        self.pumps_ended = 0
        self.done = asyncio.Event()

    async def run(self, reader: asyncio.StreamReader, home_fd: int) -> None:
        link = self.link
        link.counters.connections += 1
        sock = socket_in(link.namespace_fd, home_fd)
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.sock_connect(sock, link.target), _CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError):
            link.counters.connect_failures += 1
            sock.close()
            _reset(self.client)
            return
        up_reader, self.upstream = await asyncio.open_connection(sock=sock)
        pumps = [
            asyncio.create_task(self._pump(reader, self.upstream, request=True)),
            asyncio.create_task(self._pump(up_reader, self.client, request=False)),
        ]
        await self.done.wait()
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)

    def _finish(self, *, reset: bool) -> None:
        for writer in (self.client, self.upstream):
            if writer is None:
                continue
            if reset:
                _reset(writer)
            else:
                with contextlib.suppress(OSError, RuntimeError):
                    writer.close()
        self.done.set()

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, request: bool
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        deliver = asyncio.create_task(self._deliver(queue, sink))
        loop = asyncio.get_running_loop()
        last_due = 0.0
        try:
            while data := await source.read(_CHUNK):
                if self.stalled:
                    continue  # swallowed: the client waits for an answer that never comes
                if request and self.awaiting_request:
                    self.awaiting_request = False
                    if self._lose():
                        continue
                if not request:
                    self.awaiting_request = True
                last_due = max(loop.time() + self._delay(), last_due)
                queue.put_nowait((last_due, data))
            if not self.stalled:
                queue.put_nowait((last_due, b""))
                await deliver
        except (OSError, asyncio.IncompleteReadError):
            if not self.stalled or request:
                self._finish(reset=True)
        finally:
            deliver.cancel()
            self.pumps_ended += 1
            if self.pumps_ended == 2:
                self._finish(reset=False)

    def _lose(self) -> bool:
        """Roll the dice for a new request; True when it is lost (stalled or reset)."""
        link = self.link
        link.counters.exchanges += 1
        if link.chooser.random() >= link.faults.loss:
            return False
        if link.chooser.random() < link.faults.stall_share:
            link.counters.stalls += 1
            # Nothing reaches the server and nothing comes back: the upstream side goes, the
            # client's socket stays open until its own timeout gives up on it.
            self.stalled = True
            if self.upstream is not None:
                self.upstream.transport.abort()
        else:
            link.counters.resets += 1
            self._finish(reset=True)
        return True

    def _delay(self) -> float:
        link = self.link
        delay = link.faults.draw_delay_s(link.chooser)
        if delay > 0:
            link.counters.delayed_chunks += 1
            link.counters.delay_s_total += delay
        return delay

    async def _deliver(
        self, queue: "asyncio.Queue[tuple[float, bytes]]", sink: asyncio.StreamWriter
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                due, data = await queue.get()
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                if self.stalled:
                    return
                if not data:
                    with contextlib.suppress(OSError, RuntimeError):
                        sink.write_eof()
                    return
                if sink is self.upstream:
                    self.link.counters.bytes_up += len(data)
                else:
                    self.link.counters.bytes_down += len(data)
                sink.write(data)
                await sink.drain()
        except (OSError, RuntimeError):
            self._finish(reset=True)


class Relay:
    def __init__(self, links: list[Link]) -> None:
        self.links = {link.name: link for link in links}
        self.home_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.connections: set[asyncio.Task[None]] = set()

    async def serve(self, control_path: str) -> None:
        for link in self.links.values():
            await self._listen(link)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(control_path)
        control = await asyncio.start_unix_server(self._control, path=control_path)
        print("ready", flush=True)
        parent = os.getppid()
        async with control:
            while os.getppid() == parent:  # the harness died: do not outlive it
                await asyncio.sleep(1.0)

    async def _listen(self, link: Link) -> None:
        sock = socket_in(link.namespace_fd, self.home_fd)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", link.listen_port))
        sock.listen(128)

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await Connection(link, writer).run(reader, self.home_fd)

        await asyncio.start_server(accept, sock=sock)

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            writer.write(json.dumps(self.answer(json.loads(line))).encode() + b"\n")
            await writer.drain()
        writer.close()

    def answer(self, command: dict[str, Any]) -> dict[str, Any]:
        """{"op": "set", "faults": {link name: LinkFaults fields}} or {"op": "stats"}."""
        if command["op"] == "set":
            for name, fields in command["faults"].items():
                self.links[name].faults = LinkFaults(**fields)
        return {
            name: {"faults": asdict(link.faults), "counters": asdict(link.counters)}
            for name, link in self.links.items()
        }


def main(argv: list[str]) -> int:
    control_path, links_path = argv
    links = []
    with open(links_path) as handle:
        for index, spec in enumerate(json.load(handle)):
            links.append(
                Link(
                    name=spec["name"],
                    namespace_fd=os.open(spec["namespace_path"], os.O_RDONLY),
                    listen_port=int(spec["listen_port"]),
                    target=(spec["target"][0], int(spec["target"][1])),
                    chooser=random.Random(int(spec.get("seed", 0)) * 1000 + index),
                )
            )
    asyncio.run(Relay(links).serve(control_path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
