"""The key and network directory: every file name in it, defined once (docs/adr/0007).

    NET/genesis.json                the genesis document of the network
    NET/<name>/keystore.json        the validator's sealed key (genesis/keystore_format.py)
    NET/<name>/pending_keystore.json  the key a key.rotate will replace it with (ADR 0022)
    NET/<name>/signer_state.json    what the key last signed (consensus/signer_state.py)
    NET/<name>/locked_payloads/     payloads the key precommitted to, by block hash
    NET/<name>/passphrase           the keystore's passphrase (local test networks only)

Beside them the node keeps its own files, named in node/: node.toml (node/config.py
CONFIG_FILE), node.pid (node/net.py PID_FILE) and data/, its LevelDB store.

The signer state sits beside the key, NOT in data/, so wiping or restoring data never
resets it (DESIGN.md §4). Every file here is written by genesis/durable.py.
"""

from pathlib import Path
from typing import Final

GENESIS_FILE: Final = "genesis.json"
KEYSTORE_FILE: Final = "keystore.json"
PENDING_KEYSTORE_FILE: Final = "pending_keystore.json"
SIGNER_STATE_FILE: Final = "signer_state.json"
PAYLOADS_DIR: Final = "locked_payloads"
PASSPHRASE_FILE: Final = "passphrase"


def node_genesis_path(node_dir: Path) -> Path:
    """The genesis document of the network a node directory belongs to."""
    return node_dir.parent / GENESIS_FILE
