"""Assembles one node from its configuration: opens the store (refusing a second process),
checks its head, unlocks the validator's keys and wires the parts (build_node). Runs
nothing: node/lifespan.py starts the parts, node/server.py serves them.
"""

import asyncio
import logging
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from client.errors import FontError
from client.receipt.fonts import FontChoice, find_cjk_font
from consensus import TimeoutConfig
from contracts.errors import ContractError
from contracts.store import read_params
from genesis.document import Genesis, build_genesis, parse_genesis
from genesis.durable import remove_leftovers
from genesis.errors import GenesisError
from genesis.layout import SIGNER_STATE_FILE
from node.chain_events import ChainEvents
from node.chain_view import ChainView
from node.checkpoint_follow import CheckpointFollower
from node.checkpoints import CheckpointBook
from node.commit_hooks import after_commit
from node.committed_state import CommittedStateCursor
from node.config import ConfigError, NodeConfig
from node.engine_output import SignerStateWriteError
from node.ledger import InvalidProposalError, Ledger
from node.mempool import Mempool
from node.metrics.registry import NodeMetrics
from node.node_parts import Node
from node.peer_budget import PeerByteBudget
from node.peer_directory import chain_peers
from node.peering import PeerInbox
from node.readiness import Readiness
from node.receipt_pdfs import ReceiptPdfs
from node.runtime import NodeRuntime
from node.runtime_settings import RuntimeSettings, validator_engine_config
from node.service import NodeService
from node.signer_file import SignerStateFile, SignerStateFileError
from node.start_role import check_start_role
from node.startup_check import run_startup_check
from node.storage.errors import StorageError, StoreWriteError
from node.storage.leveldb import LevelDbStore
from node.sync import BlockSync
from node.sync_ahead import SignaturesAhead
from node.transport import PeerTransport
from node.validator_keys import unlock_validator_keys
from node.web.serial_history import SerialHistory
from protocol.errors import ProtocolError
from protocol.signature_cache import SignatureCache

log = logging.getLogger("lantan.node")


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


def readable_signer_file(path: Path, store: LevelDbStore) -> SignerStateFile:
    """The signer-state file, once it reads (or is missing): a damaged one is the node's
    refusal to start, one line, as a damaged store is. It was read only when consensus
    started, in a task beside the HTTP server, whose death no one logged: the node served,
    said ready and voting, and neither voted nor followed the chain (stop 56's chaos pass,
    a truncated file)."""
    signer_file = SignerStateFile(path)
    remove_leftovers(path)
    try:
        signer_file.load()
    except SignerStateFileError as error:
        store.close()
        raise ConfigError(
            f"{error}: the node does not start without knowing what its key last signed. "
            "Restore the file from this machine's backup if it has one; else, with no other "
            "copy of this validator's key running anywhere, move it away: the node then "
            "syncs and votes only above every height its peers report (docs/OPERATIONS.md "
            '"The signer state")'
        ) from None
    return signer_file


class SystemClock:
    """The host's wall clock and its monotonic clock, in milliseconds (the Clock port)."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def monotonic_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000


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
        signer_file = readable_signer_file(config.node_dir / SIGNER_STATE_FILE, store)
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
            signer_file=signer_file,
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
        takes_txs=runtime is not None,
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
        inbox=PeerInbox(service, runtime, PeerByteBudget(config.peer_bytes_per_s)),
        readiness=Readiness(sync.state, config.observer),
        key=key,
    )
    if config.observer:
        node.checkpoint_follower = CheckpointFollower(
            service, lambda: _peers_to_ask(sync), sync.client.get_bounded
        )
    if runtime is not None:
        runtime.commit_hooks.append(lambda: after_commit(node))
        sync.polls.on_reachable.append(runtime.peer_reachable)
        runtime.catching_up = lambda: sync.state.catching_up(ledger.height) is not None
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
