"""Assembles one node from its configuration and runs it under uvicorn.

Startup order: open the store (refusing a second process), replay nothing (the store is
the state), sync from peers, then start consensus; shutdown reverses it. Everything
blocking happens on worker threads; the event loop serves HTTP.
"""

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import FastAPI

from client.errors import FontError
from client.receipt.fonts import FontChoice, find_cjk_font
from consensus import TimeoutConfig
from contracts.errors import ContractError
from contracts.store import read_params
from genesis.document import Genesis, build_genesis, parse_genesis
from genesis.errors import GenesisError
from genesis.layout import SIGNER_STATE_FILE
from node.api.app import create_app
from node.api.limits import HEADER_BYTES_MAX, HttpLimits
from node.chain_events import ChainEvents
from node.chain_view import ChainView
from node.checkpoint_follow import CheckpointFollower
from node.checkpoint_signing import CheckpointSigning
from node.checkpoints import CheckpointBook
from node.committed_state import CommittedStateCursor
from node.config import ConfigError, NodeConfig
from node.engine_output import SignerStateWriteError
from node.gc_policy import settle_after_start
from node.http_server import guarded_protocol, raise_file_limit
from node.ledger import InvalidProposalError, Ledger
from node.logs import configure_logging
from node.loop_stall import LOOP_STALL_WARN_S, warn_if_stalled
from node.mempool import Mempool
from node.metrics.registry import NodeMetrics
from node.peer_directory import chain_peers
from node.peer_envelope import PeerKind
from node.peering import PeerInbox
from node.port_probe import bind_error
from node.readiness import Readiness
from node.receipt_pdfs import ReceiptPdfs
from node.runtime import NodeRuntime
from node.runtime_settings import RuntimeSettings, validator_engine_config
from node.service import NodeService
from node.signer_file import SignerStateFile
from node.start_role import check_start_role
from node.startup_check import run_startup_check
from node.storage.errors import StorageError, StoreWriteError
from node.storage.leveldb import LevelDbStore
from node.sync import BlockSync
from node.sync_ahead import SignaturesAhead
from node.sync_fetch import STATUS_DEADLINE_S
from node.sync_log import SyncProgressLog, blocks_text
from node.sync_pace import (
    OBSERVER_POLL_MAX_S,
    POLL_FAST_S,
    POLL_SLOW_MAX_S,
    Pace,
    Seen,
    decide,
    lag_allowed_now,
    seen,
)
from node.transport import PeerTransport
from node.validator_keys import unlock_validator_keys
from node.web.serial_history import SerialHistory
from protocol.errors import ProtocolError
from protocol.note import checkpoint_at_height, sign_note
from protocol.signature_cache import SignatureCache
from protocol.signing import SigningKey

log = logging.getLogger("lantan.node")
T = TypeVar("T")
EXIT_STORE_WRITE = 4
"""The exit status after LevelDB refused a block (a full disk): restart once there is room."""


def stop_on_write_failure(error: StoreWriteError | SignerStateWriteError) -> None:
    """Fail-stop: LevelDB refuses every write after one failed, so the node cannot commit,
    vote usefully or sync again in this process. It leaves now, without another vote; the
    batch was not applied, and a restart (systemd Restart=on-failure) reopens the store at
    the last whole block and catches up by block sync once the disk has room. The same for
    a refused signer-state write (the runtime has halted): a restart reads what is on disk."""
    log.critical("%s; stopping (exit %d): free disk space, then restart", error, EXIT_STORE_WRITE)
    logging.shutdown()
    os._exit(EXIT_STORE_WRITE)


class SystemClock:
    """Wall-clock milliseconds."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


@dataclass
class Node:
    config: NodeConfig
    store: LevelDbStore
    ledger: Ledger
    service: NodeService
    view: ChainView
    runtime: NodeRuntime | None
    transport: PeerTransport | None
    sync: BlockSync
    inbox: PeerInbox
    readiness: Readiness
    key: SigningKey | None
    checkpoint_signing: CheckpointSigning = field(default_factory=CheckpointSigning)
    checkpoint_follower: CheckpointFollower | None = None
    """An observer's: it fetches the signed checkpoints it cannot sign or be sent."""


CHECKPOINT_FOLLOW_INTERVAL_S = 0.5
"""How often an observer asks for a checkpoint it lacks (a local net commits every 1 s)."""


def build_node(config: NodeConfig) -> Node:
    """Open everything the node needs. Raises ConfigError, with what to do, on a genesis
    file that is missing or invalid, a store of another chain, a keystore that does not
    open and a node that could neither vote nor follow (node/start_role.py); other errors
    (a locked store) as they are."""
    genesis = _read_genesis(config)
    store = LevelDbStore.open(config.resolve(config.data_dir))
    metrics = NodeMetrics()
    metrics.peer_names = {peer.url: peer.name for peer in config.peers}
    # One cache for the signatures of txs and evidence, shared by the event loop, the
    # worker and the request threads (protocol/signature_cache.py); a committed tx's
    # entries are dropped at its commit.
    signatures = SignatureCache(lock=threading.Lock())
    mempool = Mempool(txs_max=config.mempool_txs_max, sender_txs_max=config.mempool_sender_txs_max)
    try:
        # The first reads of the store: a damaged table shows here, not at open.
        with store.damage_reported():
            ledger = Ledger(
                store,
                genesis,
                verify=signatures.verify,
                forget_signature=signatures.forget,
                metrics=metrics,
                on_write_failure=stop_on_write_failure,
                held_tx=mempool.held,
            )
            run_startup_check(ledger)
    except InvalidProposalError as error:
        store.close()
        raise ConfigError(
            f"{config.resolve(config.data_dir)}: {error}, not of chain "
            f"{genesis.chain_id.hex()[:16]} ({config.resolve(config.genesis)}): give this "
            "node's own genesis file, or another data directory"
        ) from None
    except StorageError:
        store.close()
        raise
    clock, events = SystemClock(), ChainEvents()
    book = CheckpointBook(ledger.chain_id, store)
    try:
        keys = None if config.observer else unlock_validator_keys(config)
    except (GenesisError, OSError) as error:
        store.close()
        raise ConfigError(f"{config.node_dir}: validator key not unlocked: {error}") from None
    try:
        check_start_role(config, keys, ledger.validators_for_next_height(), ledger.height + 1)
    except ConfigError:
        store.close()
        raise
    key = None if keys is None else keys.for_set(ledger.validators_for_next_height())
    transport = runtime = None
    if keys is not None and key is not None:
        transport = PeerTransport(
            key,
            ledger.chain_id,
            chain_peers(store.state, config.peers),
            verify=config.peer_tls_verify,
            metrics=metrics,
            own_keys=keys.public_keys,
        )
        runtime = NodeRuntime(
            ledger=ledger,
            key=key,
            keys=keys,
            reload_keys=lambda: unlock_validator_keys(config),
            engine_config=validator_engine_config(
                ledger.chain_id, key, TimeoutConfig(propose_base_ms=config.propose_timeout_ms)
            ),
            signer_file=SignerStateFile(config.node_dir / SIGNER_STATE_FILE),
            transport=transport,
            mempool=mempool,
            events=events,
            clock=clock,
            settings=RuntimeSettings(
                heartbeat_interval_ms=config.heartbeat_interval_ms,
                block_txs_max=config.block_txs_max,
                max_clock_drift_ms=read_params(store.state).max_clock_drift_ms,
            ),
        )
        runtime.on_signer_write_failure = stop_on_write_failure
    service = NodeService(
        name=config.name,
        ledger=ledger,
        mempool=mempool,
        events=events,
        checkpoints=book,
        clock=clock,
        transport=transport,
        runtime=runtime,
        cosignature_archive=store,
    )
    worker = runtime.run_in_worker if runtime is not None else _own_worker()
    sync = BlockSync(
        ledger,
        [peer.url for peer in config.peers],
        worker,
        verify=config.peer_tls_verify,
        signatures_ahead=SignaturesAhead(signatures.remember),
    )
    node = Node(
        config=config,
        store=store,
        ledger=ledger,
        service=service,
        view=build_chain_view(service, os.environ),
        runtime=runtime,
        transport=transport,
        sync=sync,
        inbox=PeerInbox(service, runtime),
        readiness=Readiness(sync.state, config.observer),
        key=key,
    )
    if config.observer:
        node.checkpoint_follower = CheckpointFollower(
            service, lambda: _peers_to_ask(sync), sync.client.get_bounded
        )
    if runtime is not None:
        runtime.commit_hooks.append(lambda: _after_commit(node))
        sync.polls.on_reachable.append(runtime.peer_reachable)
        runtime.timer.quorum_reachable = lambda: (
            sync.state.reachable_count() >= ledger.validators_for_next_height().quorum - 1
        )
    return node


def _peers_to_ask(sync: BlockSync) -> list[str]:
    """The reachable peers, highest first: the likeliest to hold the newest note."""
    views = sorted(sync.state.peers.values(), key=lambda view: -view.height)
    return [view.url for view in views if view.reachable]


def _read_genesis(config: NodeConfig) -> Genesis:
    path = config.resolve(config.genesis)
    try:
        return build_genesis(parse_genesis(path.read_bytes()))
    except OSError as error:
        raise ConfigError(f"genesis file {path}: {error.strerror or error}") from None
    except (ProtocolError, ValueError, ContractError) as error:
        raise ConfigError(f"genesis file {path} is not a valid genesis document: {error}") from None


def check_port_free(host: str, port: int) -> None:
    """ConfigError when host:port cannot be listened on (another node holds it), before
    the store opens: the server would otherwise fail after the node logged "serving",
    with uvicorn's start-up exit status 3, the status of a head that does not verify."""
    error = bind_error(host, port)
    if error is not None:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {error.strerror or error} (another node or "
            "program holds the port? set port in node.toml or --port)"
        )


def build_chain_view(service: NodeService, environ: Mapping[str, str]) -> ChainView:
    """The node's one read port, with its serial history and receipt PDF renderer.

    The serial history replays on the committed state tree, not on a copy of the state;
    the receipt font is found once here ($LANTAN_CJK_FONT, then the known Debian paths).
    A node without a CJK font still starts: its PDF route answers with the font error.
    """
    ledger = service.ledger
    history = SerialHistory(ledger, CommittedStateCursor(ledger.store.smt, 0))
    font: FontChoice | FontError
    try:
        font = find_cjk_font(None, environ)
    except FontError as error:
        font = error
    pdfs = ReceiptPdfs(ledger.genesis.document.canonical_bytes(), font)
    return ChainView(service, serial_history=history, receipt_pdfs=pdfs)


def _own_worker() -> Any:
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lantan-sync")

    async def run(function: Any, *args: object) -> Any:
        return await asyncio.get_running_loop().run_in_executor(executor, function, *args)

    return run


async def refresh_peers(node: Node) -> None:
    """The peer list as the committed chain has it now: keys rotate (ADR 0022), validators
    announce addresses (ADR 0023)."""
    runtime = node.runtime
    if runtime is None:
        return
    state, configured = node.ledger.store.state, node.config.peers
    peers = await runtime.run_in_worker(chain_peers, state, configured)
    if runtime.transport.set_peers(peers):
        log.info("peers now %s", sorted({f"{p.name}={p.url}" for p in peers}))


async def _after_commit(node: Node) -> None:
    """Mempool cleanup and the peer list as the chain has it now, before the next height
    starts; the checkpoint of the new head is signed and gossiped beside it
    (node/checkpoint_signing.py)."""
    node.service.after_commit()
    ledger, runtime = node.ledger, node.runtime
    size, root = ledger.height + 1, ledger.history_root()
    node.service.checkpoints.set_committed_root(size, root)
    if runtime is None or runtime.replica is None:
        return
    await refresh_peers(node)
    validators = ledger.validators_of_head()
    # The checkpoint of head h is signed by the key of set(h) (ADR 0022): both are taken
    # now, as the job may run after the next commit.
    key = runtime.signing.keys.for_set(validators)
    me = validators.by_key(key.public_key)
    if me is None:
        return

    async def sign() -> None:
        assert runtime is not None and node.transport is not None
        if not await runtime.record_checkpoint(size, root):
            log.error("refusing to sign a second root for checkpoint size %d", size)
            return
        text = checkpoint_at_height(chain_id=ledger.chain_id, height=size - 1, root_hash=root)
        line = sign_note(text.body(), me.name, key).line()
        node.service.checkpoints.add(size=size, root=root, line=line, validators=validators)
        node.transport.broadcast(
            PeerKind.CHECKPOINT, {"size": size, "root": root.hex(), "line": line}
        )

    node.checkpoint_signing.submit(size, sign)


async def _sync_loop(node: Node) -> None:
    lag_default = 0 if node.runtime is None else 1
    slow_max_s = OBSERVER_POLL_MAX_S if node.runtime is None else POLL_SLOW_MAX_S
    pace = Pace()
    progress = SyncProgressLog()
    behind: tuple[float, int] | None = None
    while True:
        now = time.monotonic()
        highest = node.sync.state.highest_peer_height()
        lag_allowed, behind = lag_allowed_now(lag_default, node.ledger.height, highest, behind, now)
        due, pace = decide(pace, _seen(node, lag_allowed), now, slow_max_s=slow_max_s)
        if not due:
            await asyncio.sleep(POLL_FAST_S)
            continue
        try:
            await node.sync.poll_peers()
            if node.runtime is not None:
                node.runtime.forget_heard()
            applied = await node.sync.catch_up(lag_allowed)
            if applied:
                progress.applied(applied, height=node.ledger.height, now_s=time.monotonic())
                node.service.after_commit()
                if node.checkpoint_follower is not None:
                    node.checkpoint_follower.synced.set()
                if node.runtime is not None:
                    await refresh_peers(node)
                    node.runtime.ledger_advanced(applied)
            await node.sync.check_fork()
            if node.sync.state.fork is not None and node.runtime is not None:
                node.runtime.halted = node.sync.state.fork
        except Exception:
            log.exception("sync round failed")
        await asyncio.sleep(POLL_FAST_S)


def _seen(node: Node, lag_allowed: int) -> Seen:
    """What the sync loop's pace decides on (node/sync_pace.py)."""
    return seen(
        height=node.ledger.height,
        peers=[(view.reachable, view.height) for view in node.sync.state.peers.values()],
        heard_height=-1 if node.runtime is None else node.runtime.heard_height,
        lag_allowed=lag_allowed,
    )


async def _follow_checkpoints(follower: CheckpointFollower, sync: BlockSync) -> None:
    """An observer's checkpoint rounds, once its catch-up at start is over (before, the
    peers' notes are of sizes it has not synced yet)."""
    while True:
        # Woken at once when block sync applied blocks: the validators signed the new
        # head's note before this node could see the head, so it is likely there now.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(follower.synced.wait(), CHECKPOINT_FOLLOW_INTERVAL_S)
        follower.synced.clear()
        if not sync.state.caught_up:
            continue
        try:
            await follower.follow()
        except Exception:  # one failed round must not stop the next ones
            log.exception("checkpoint round failed")


async def _watch_loop_lag(
    node: Node, interval_s: float = 0.5, stall_s: float = LOOP_STALL_WARN_S
) -> None:
    """Measure how late the loop wakes a sleeper (CPU work left on the loop shows here),
    warn once for a wake-up stall_s late (the process stood still: node/loop_stall.py), and
    refresh the liveness watchdog's metric."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(interval_s)
        late_s = loop.time() - started - interval_s
        node.service.metrics.event_loop_lag.set(late_s)
        own_height = None if consensus_position(node) is not None else node.ledger.height
        warn_if_stalled(late_s, height=own_height, threshold_s=stall_s)
        if node.runtime is not None:
            node.runtime.stalled()  # the watchdog's metric follows even when nobody asks /readyz


async def _catch_up_then_run(node: Node) -> None:
    """Catch up with the peers, then start consensus and the sync loop.

    Runs beside the HTTP server, so /healthz, /metrics and /readyz ("catching up: height
    N of M") answer during a long catch-up instead of after it.
    """
    sync = node.sync
    started, began = node.ledger.height, time.monotonic()
    # The first poll waits for every answer that ends in time (a slow one is cut at its
    # deadline), so that a restarted node knows how far behind it is before it votes.
    await sync.poll_peers(wait_s=STATUS_DEADLINE_S)
    target = sync.state.highest_peer_height()
    if target > started:
        log.info(
            "catch-up started at height %d; highest peer at %d",
            started,
            target,
            extra={"height": started},
        )
    applied = await sync.catch_up(0)
    sync.state.caught_up = True
    if applied:
        log.info(
            "catch-up finished: %s, height %d -> %d in %.1f s",
            blocks_text(applied),
            started,
            node.ledger.height,
            time.monotonic() - began,
            extra={"height": node.ledger.height},
        )
        node.service.after_commit()
    if node.runtime is not None:
        highest = sync.state.highest_peer_height()
        await node.runtime.start(highest_reported_height=max(highest, 0))
    await _sync_loop(node)


@contextlib.asynccontextmanager
async def lifespan_of(node: Node) -> AsyncIterator[None]:
    if node.transport is not None:
        node.transport.start()
    if node.service.relay is not None:
        node.service.relay.start()
    run_task = asyncio.create_task(_catch_up_then_run(node))
    lag_task = asyncio.create_task(_watch_loop_lag(node))
    tasks = [run_task, lag_task]
    if node.checkpoint_follower is not None:
        tasks.append(asyncio.create_task(_follow_checkpoints(node.checkpoint_follower, node.sync)))
    log.info(
        "node %s serving at %s, height %d", node.config.name, node.config.url, node.ledger.height
    )
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await node.checkpoint_signing.stop()
        if node.service.relay is not None:
            await node.service.relay.stop()
        if node.runtime is not None:
            await node.runtime.stop()
        if node.transport is not None:
            await node.transport.stop()
        await node.sync.close()
        height = node.ledger.height
        node.store.close()
        # The last line of a stop by SIGTERM or SIGINT, so an operator tells it from a crash
        # (whose log just ends). Here, not after uvicorn.run: uvicorn raises the signal
        # again once it has shut down, and the process ends with it.
        log.info("node %s stopped at height %d", node.config.name, height)


def make_app(node: Node) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with lifespan_of(node):
            yield

    return create_app(
        node.service,
        node.inbox,
        node.transport,
        node.readiness,
        lifespan,
        view=node.view,
        limits=http_limits(node.config),
    )


def http_limits(config: NodeConfig) -> HttpLimits:
    return HttpLimits(
        txs_request_bytes_max=config.txs_request_bytes_max,
        json_elements_max=config.json_elements_max,
        header_timeout_s=config.header_timeout_ms / 1000,
        body_timeout_s=config.body_timeout_ms / 1000,
        connections_max=config.connections_max,
    )


def consensus_position(node: Node) -> tuple[int, int | None] | None:
    """The height and round a validator is deciding, for its log lines (None: observer)."""
    replica = None if node.runtime is None else node.runtime.replica
    return None if replica is None else (replica.height, replica.round)


def serve(config: NodeConfig) -> None:
    """Run the node until SIGINT/SIGTERM."""
    import uvicorn

    log_context = configure_logging(config.log_level, config.log_format)
    logging.getLogger("uvicorn").setLevel(logging.WARNING)
    limits = http_limits(config)
    raise_file_limit(limits.connections_max)
    check_port_free(config.host, config.port)
    node = build_node(config)
    log_context.position = lambda: consensus_position(node)
    app = make_app(node)
    settle_after_start()
    tls: dict[str, str] = {}
    if config.tls_cert_file is not None and config.tls_key_file is not None:
        tls = {
            "ssl_certfile": str(config.resolve(config.tls_cert_file)),
            "ssl_keyfile": str(config.resolve(config.tls_key_file)),
        }
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        log_config=None,  # uvicorn's lines go through our handler and its rate limit
        access_log=False,
        timeout_graceful_shutdown=5,
        # libuv's loop, not asyncio's Python one (pyproject.toml; docs/PERFORMANCE.md).
        loop="uvloop",
        http=guarded_protocol(limits),
        timeout_keep_alive=limits.keep_alive_timeout_s,
        # A backstop on tasks; connections are capped by GuardedH11Protocol, which drops
        # slow senders rather than answering 503 to everyone as this limit would.
        limit_concurrency=2 * limits.connections_max,
        backlog=limits.backlog,
        h11_max_incomplete_event_size=HEADER_BYTES_MAX,
        **tls,  # type: ignore[arg-type]
    )
