"""A node started on a data directory a newer build wrote refuses it in one line (ADR 0039).

Since stop 43 a block's records live in the tree database; a build older than the layout a
store records would find the blocks missing and serve a chain with holes. The store records
the newest layout written to it (node/storage/leveldb.py STORE_FORMAT) and a build that
cannot read it exits at once, saying why, instead of starting.
"""

import json
import subprocess
import sys
from pathlib import Path

import plyvel

from node.config import load_config
from node.net import net_create
from node.storage import keys
from node.storage.leveldb import LevelDbStore
from node.storage.store_files import STORE_FORMAT
from tests.integration.network import free_base_port


def test_a_node_refuses_a_store_a_newer_build_wrote_in_one_line(tmp_path: Path) -> None:
    names = net_create(tmp_path, validators=3, base_port=free_base_port(3))
    node_dir = tmp_path / names[0]
    config = load_config(node_dir)
    store_dir = config.resolve(config.data_dir)
    with LevelDbStore.open(store_dir) as store:
        store._db.put(keys.FORMAT_KEY, keys.encode_int(STORE_FORMAT + 1))
    finished = subprocess.run(
        [sys.executable, "-m", "node.main", str(node_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 1
    # One JSON log line, as every line of node.log (issue 20; it was plain text to stop 51).
    lines = finished.stderr.strip().splitlines()
    assert [json.loads(line)["level"] for line in lines] == ["error"]
    message = json.loads(lines[-1])["message"]
    assert message.startswith(f"node {names[0]} not started: cannot open the store at ")
    assert f"storage layout {STORE_FORMAT + 1}" in message
    # Nothing was written: the newer build's marker is as it left it.
    db = plyvel.DB(str(store_dir))
    try:
        assert db.get(keys.FORMAT_KEY) == keys.encode_int(STORE_FORMAT + 1)
    finally:
        db.close()
