"""node/assembly.py build_node: what node.toml says reaches the parts it configures."""

from dataclasses import replace
from pathlib import Path

import pytest

from node.assembly import build_node
from node.config import CONFIG_FILE, load_config, render_config
from node.net import net_create
from node.net_layout import validator_names


def test_block_txs_max_in_node_toml_reaches_the_runtime_that_proposes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "net"
    net_create(directory, validators=3, base_port=23_200)
    node_dir = directory / validator_names(directory)[0]
    written = replace(load_config(node_dir, env={}), block_txs_max=7)
    (node_dir / CONFIG_FILE).write_text(render_config(written))
    monkeypatch.chdir(node_dir)  # where `lantan node start` runs a node (relative paths)
    node = build_node(load_config(node_dir, env={}))
    try:
        assert node.runtime is not None
        assert node.runtime.settings.block_txs_max == 7
    finally:
        node.store.close()
