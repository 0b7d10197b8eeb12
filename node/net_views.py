"""What the nodes of a local network say of themselves (`lantan net status`, and the waits
of `net up` and `net start`): each node's pid, chain, height and readiness, asked over
HTTP, and each local witness's process.

The nodes are asked side by side: a node that does not answer (frozen by SIGSTOP,
overloaded) costs a listing STATUS_TIMEOUT_S per request, once, not once per such node.
"""

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from genesis.layout import GENESIS_FILE
from node.config import NodeConfig, load_config
from node.net_layout import chain_id_of, local_witnesses, node_names
from node.net_processes import (
    LOG_FILE,
    WITNESS_PID_FILE,
    NetError,
    ProcessState,
    process_state,
    read_pid,
)
from node.net_state import NodeState, node_state
from node.sync_state import CatchingUp

READY_TIMEOUT_S = 90.0
"""How long a wait goes on without progress (a node catching up is waited for while its
height rises)."""
STATUS_TIMEOUT_S = 2.0
"""How long a status poll waits for a node's answer: a node that lives and answers within
this is `running`, one that does not is `not answering` (frozen, overloaded, starting)."""
Progress = Callable[[str], None]
"""Told what a long step is doing now (the CLI shows it as a spinner); may ignore it."""


def silent(_step: str) -> None:
    """A Progress that shows nothing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeView:
    name: str
    url: str
    pid: int | None
    chain_id: str | None
    height: int | None
    head_hash: str | None
    state_root: str | None
    ready: bool
    observer: bool
    """Its node.toml says observer (`net add-observer`): it syncs and never votes."""
    state: NodeState
    """Running and answering, not answering, exited without a stop, or stopped."""
    catching_up: CatchingUp | None = None
    """What its /readyz says of its catch-up (SyncState.catching_up), if it is catching up."""
    problems: tuple[str, ...] = ()
    """Why it is not ready, as its /readyz words it (node/readiness.py); empty when it is
    ready, does not answer, or gave no reason. The one read of them: `net status` lists
    them, `net start` and `net up` fail with them."""

    warnings: tuple[str, ...] = ()
    """What its /readyz says an operator should see though it is ready (a clock behind
    the other validators': node/clock_watch.py); `net status` lists them."""

    @property
    def not_ready_because(self) -> tuple[str, ...]:
        """Its problems, or one saying it gave none (when it answers but is not ready)."""
        return self.problems or ("its /readyz gives no reason",)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "url": self.url,
            "pid": self.pid,
            "chain_id": self.chain_id,
            "height": self.height,
            "head_hash": self.head_hash,
            "state_root": self.state_root,
            "ready": self.ready,
            "observer": self.observer,
            "state": self.state.value,
            "catching_up": None if self.catching_up is None else self.catching_up.to_json(),
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }


class StatusClients:
    """HTTP clients for status polls, one per TLS trust (a node's tls_ca_file, or the
    system's), kept for a whole wait or listing.

    A client made per request (httpx.get) builds an SSL context every time, even for an
    http:// URL: ~35 ms of CPU, and wait_ready asked twice per node every 0.2 s: half a core
    beside the nodes it waited for. Each request still opens a connection of its own (no
    keep-alive). Shared by the threads of node_views: an httpx.Client is, and the lock
    keeps two of them from making a client for one trust each."""

    def __init__(self) -> None:
        self._clients: dict[Path | None, httpx.Client] = {}
        self._lock = threading.Lock()

    def get(self, config: NodeConfig, path: str) -> httpx.Response:
        with self._lock:
            client = self._clients.get(config.tls_ca_file)
            if client is None:
                client = httpx.Client(
                    timeout=STATUS_TIMEOUT_S,
                    verify=config.peer_tls_verify,
                    limits=httpx.Limits(max_keepalive_connections=0),
                )
                self._clients[config.tls_ca_file] = client
        return client.get(f"{config.url}{path}")

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


def node_view(directory: Path, name: str, clients: StatusClients | None = None) -> NodeView:
    """What DIR/<name>'s node reports now (pid, chain, height, readiness); clients, when
    given, are reused across calls (StatusClients)."""
    config = load_config(directory / name)
    pid = read_pid(directory / name)
    process = ProcessState.RUNNING if pid is not None else process_state(directory / name)
    status: dict[str, object] | None = None
    ready, catching_up = False, None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    if pid is not None:
        http = StatusClients() if clients is None else clients
        try:
            status = http.get(config, "/v1/status").json()
            readyz = http.get(config, "/readyz")
            ready, catching_up = readyz.status_code == 200, _catching_up(readyz)
            problems = () if ready else _listed(readyz, "problems")
            warnings = _listed(readyz, "warnings")
        except (httpx.HTTPError, ValueError):
            status = None
        finally:
            if clients is None:
                http.close()
    return NodeView(
        name=name,
        url=config.url,
        pid=pid,
        chain_id=None if status is None else str(status["chain_id"]),
        height=None if status is None else int(str(status["height"])),
        head_hash=None if status is None else str(status["head_hash"]),
        state_root=None if status is None else str(status["state_root"]),
        ready=ready,
        observer=config.observer,
        state=node_state(process, answered=status is not None),
        catching_up=catching_up,
        problems=problems,
        warnings=warnings,
    )


def _catching_up(readyz: httpx.Response) -> CatchingUp | None:
    """/readyz's `catching_up`; None when absent (a node of an older release) or malformed."""
    try:
        shown = readyz.json()["catching_up"]
        if shown is None:
            return None
        return CatchingUp(height=int(shown["height"]), target=int(shown["target"]))
    except (ValueError, KeyError, TypeError):
        return None


def _listed(readyz: httpx.Response, name: str) -> tuple[str, ...]:
    """/readyz's `problems` or `warnings`; empty when absent (a node of an older release)
    or malformed."""
    try:
        listed = readyz.json()[name]
    except (ValueError, KeyError, TypeError):
        return ()
    return tuple(str(problem) for problem in listed) if isinstance(listed, list) else ()


def node_views(directory: Path, names: list[str], clients: StatusClients) -> list[NodeView]:
    """node_view of each named node, in the order named, the nodes asked side by side (one
    thread each: a local network has a handful of nodes)."""
    if len(names) <= 1:
        return [node_view(directory, name, clients) for name in names]
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="net-status") as pool:
        return list(pool.map(lambda name: node_view(directory, name, clients), names))


def net_status(directory: Path, clients: StatusClients | None = None) -> list[NodeView]:
    """Every node of the network (node_names), as it answers now; clients, when given, are
    the caller's to reuse and close (StatusClients)."""
    if clients is not None:
        return node_views(directory, node_names(directory), clients)
    own = StatusClients()
    try:
        return node_views(directory, node_names(directory), own)
    finally:
        own.close()


@dataclass(frozen=True, slots=True)
class HeadAgreement:
    """The block each answering node holds at the lowest of their heights.

    Heads are read at slightly different moments, and a local chain makes a block every
    second, so two heads one block apart say nothing; the blocks at one height do."""

    height: int
    hashes: dict[str, str | None]
    """Node name -> its block hash at height (None: it did not answer for it)."""

    @property
    def agree(self) -> bool:
        values = list(self.hashes.values())
        return None not in values and len(set(values)) == 1

    def text(self) -> str:
        if self.agree:
            block = next(iter(self.hashes.values())) or ""
            return (
                f"agree: all {len(self.hashes)} answering nodes hold block {block[:16]} "
                f"at height {self.height}"
            )
        held = ", ".join(f"{n} {(h or 'no answer')[:16]}" for n, h in self.hashes.items())
        return f"DIFFER at height {self.height}: {held}"

    def to_json(self) -> dict[str, object]:
        return {"height": self.height, "agree": self.agree, "hashes": self.hashes}


def head_agreement(
    directory: Path, views: list[NodeView], clients: StatusClients
) -> HeadAgreement | None:
    """Whether the answering nodes hold one block at the lowest of their heights (None: fewer
    than two answer, or none is above genesis). A node above that height is asked for its
    block there (`GET /v1/blocks/{height}`), through the clients the status read used."""
    answering = [v for v in views if v.height is not None and v.head_hash is not None]
    if len(answering) < 2:
        return None
    height = min(v.height for v in answering if v.height is not None)
    if height < 1:
        return None
    hashes = {
        v.name: v.head_hash
        if v.height == height
        else _block_hash(load_config(directory / v.name), height, clients)
        for v in answering
    }
    return HeadAgreement(height=height, hashes=hashes)


def _block_hash(config: NodeConfig, height: int, clients: StatusClients) -> str | None:
    try:
        answer = clients.get(config, f"/v1/blocks/{height}").json()
        return str(answer["certificate"]["block_hash"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None


def wait_ready(
    directory: Path,
    names: list[str],
    *,
    minimum_height: int,
    timeout_s: float = READY_TIMEOUT_S,
    progress: Progress = silent,
) -> list[NodeView]:
    """Wait until every named node is ready at >= minimum_height on this network's chain;
    the views of the poll that found them so (a caller that polled again printed a node
    that had caught up as `catching up`, the chain having moved meanwhile: stop 55).

    NetError on a node process that died, on a node URL that answers with another chain id
    (a process of another network holds the port), and on timeout, which counts from the
    last progress: a node catching up a long chain is waited for while its height rises
    towards minimum_height. Past it, a rise is no longer progress (a node that follows the
    others at their pace but never gets within readiness's lag would be waited for without
    end): from the first time it is there, it has timeout_s to get ready.
    """
    chain_id = chain_id_of(directory)
    deadline = time.monotonic() + timeout_s
    heights: dict[str, int] = {}
    clients = StatusClients()
    try:
        while True:
            views = node_views(directory, names, clients)
            for view in views:
                if view.chain_id is not None and view.chain_id != chain_id:
                    raise NetError(
                        f"{view.url} serves chain {view.chain_id[:16]}, not this network's "
                        f"{chain_id[:16]} (from {directory / GENESIS_FILE}): another network "
                        "holds the port"
                    )
            waiting = [v for v in views if not v.ready or (v.height or 0) < minimum_height]
            if not waiting:
                return views
            dead = [v.name for v in waiting if v.pid is None]
            if dead:
                log = directory / dead[0] / LOG_FILE
                raise NetError(f"node {dead[0]} exited{_last_error(log)}; see {log}")
            for view in waiting:
                height, before = view.height or 0, heights.get(view.name, -1)
                if height > before and before < minimum_height:
                    heights[view.name] = height
                    deadline = time.monotonic() + timeout_s
            if time.monotonic() > deadline:
                late = waiting[0]
                raise NetError(
                    f"node {late.name} not ready after {timeout_s:.0f}s without progress: "
                    + _why_not_ready(late, minimum_height)
                )
            progress(
                "waiting for "
                + ", ".join(
                    f"{v.name} (height {v.height if v.height is not None else '-'})"
                    for v in waiting
                )
                + f" to reach height {minimum_height}"
            )
            time.sleep(0.2)
    finally:
        clients.close()


def _why_not_ready(view: NodeView, minimum_height: int) -> str:
    """What a node that is late says of itself: its height against the one waited for when
    it is ready, else the problems its /readyz lists (no quorum of peers reachable, still
    catching up, halted)."""
    if view.ready:
        return f"at height {view.height}, waiting for {minimum_height}"
    if view.height is None:
        return "its API does not answer"
    return "; ".join(view.not_ready_because)


LAST_ERROR_SHOWN_MAX = 1_000
"""Characters of a dead node's last log message that `net up`/`net start` show: a refusal
with its remedy fits (a damaged store's, with the data directory's path, is ~450); 200 cut
it mid-word, before what to do (stop 56's chaos pass). A longer line is cut with an
ellipsis: the log file is named beside it."""


def _last_error(log: Path) -> str:
    """': <last line of the log>' when the log has one, to name why a node died: a JSON log
    line's message alone (a start the node refused is its log's last line, node/server.py)."""
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    if not lines:
        return ""
    last = lines[-1].strip()
    try:
        entry = json.loads(last)
    except ValueError:
        entry = None
    if isinstance(entry, dict) and isinstance(entry.get("message"), str):
        if str(entry.get("level", "")).lower() not in ("error", "critical"):
            # A refusal or a fatal error is the log's last line, at error or critical; an
            # info line there is no reason ("catch-up started at height 0" was shown as
            # why a node killed by SIGKILL died: stop 56's chaos pass).
            return ": killed or crashed (its log ends without an error line)"
        last = entry["message"]
    if len(last) > LAST_ERROR_SHOWN_MAX:
        last = last[:LAST_ERROR_SHOWN_MAX].rstrip() + " …"
    return f": {last}"


def wait_answering(
    directory: Path, name: str, *, timeout_s: float = READY_TIMEOUT_S, progress: Progress = silent
) -> None:
    """Wait until the node's HTTP API answers (ready or not). NetError if its process
    exits or it does not answer within timeout_s."""
    deadline = time.monotonic() + timeout_s
    clients = StatusClients()
    try:
        while True:
            view = node_view(directory, name, clients)
            if view.height is not None:
                return
            if view.pid is None:
                log = directory / name / LOG_FILE
                raise NetError(f"node {name} exited{_last_error(log)}; see {log}")
            if time.monotonic() > deadline:
                raise NetError(f"node {name} does not answer after {timeout_s:.0f}s")
            progress(f"waiting for {name} to answer")
            time.sleep(0.2)
    finally:
        clients.close()


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessView:
    """A local witness process as `net status` lists it."""

    name: str
    pid: int | None
    """Its live process (None unless state is RUNNING)."""
    state: ProcessState

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "pid": self.pid, "state": self.state.value}


def witness_views(directory: Path) -> list[WitnessView]:
    """Each local witness: its pid and whether it runs, exited without a stop, or was
    stopped."""
    views = []
    for name in local_witnesses(directory):
        pid = read_pid(directory / name, WITNESS_PID_FILE)
        state = process_state(directory / name, WITNESS_PID_FILE) if pid is None else None
        views.append(WitnessView(name=name, pid=pid, state=state or ProcessState.RUNNING))
    return views
