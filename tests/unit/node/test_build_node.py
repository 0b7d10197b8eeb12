"""node/assembly.py build_node: what node.toml says reaches the parts it configures."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from node.assembly import build_node
from node.config import CONFIG_FILE, load_config, render_config
from node.net import net_create
from node.net_layout import validator_names
from node.node_parts import Node
from node.sync_state import SYNC_LAG_ALLOWED


@contextmanager
def built_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **changes: Any) -> Iterator[Node]:
    """build_node of the first validator of a new 3-validator network, its node.toml with
    `changes`, run from its directory (as `lantan node start` runs a node); closed after."""
    directory = tmp_path / "net"
    net_create(directory, validators=3, base_port=23_200)
    node_dir = directory / validator_names(directory)[0]
    written = replace(load_config(node_dir, env={}), **changes)
    (node_dir / CONFIG_FILE).write_text(render_config(written))
    monkeypatch.chdir(node_dir)  # relative paths
    node = build_node(load_config(node_dir, env={}))
    try:
        yield node
    finally:
        node.store.close()


def test_the_watchdog_goes_by_block_syncs_catching_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stop 50: the runtime's watchdog (lantan_consensus_stalled) and /readyz share one rule
    # of catching up (SyncState.catching_up); before, the runtime had none.
    with built_node(tmp_path, monkeypatch) as node:
        assert node.runtime is not None
        state = node.sync.state
        state.caught_up = True
        peer = next(iter(state.peers.values()))
        peer.reachable, peer.height = True, node.ledger.height + SYNC_LAG_ALLOWED + 1
        assert not node.runtime.catching_up()  # a claim no block of it has backed yet
        peer.credible = True  # blocks fetched from it committed
        assert node.runtime.catching_up()
        peer.height = node.ledger.height + SYNC_LAG_ALLOWED
        assert not node.runtime.catching_up()


def test_block_txs_max_in_node_toml_reaches_the_runtime_that_proposes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with built_node(tmp_path, monkeypatch, block_txs_max=7) as node:
        assert node.runtime is not None
        assert node.runtime.settings.block_txs_max == 7
