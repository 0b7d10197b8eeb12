"""What this node can do at start with its key and peers, said before it serves.

A node that is not an observer unlocks its keystore and runs consensus, but it votes and
proposes only while a validator set holds one of its keys (node/validator_keys.py). A key
outside the set is normal for a validator about to join (ADR 0023: it syncs from its
peers until validators.update adds it) or one retired from the set, so such a node starts,
and says at once that it will not vote. Without configured peers it could do nothing: it
would not vote, block sync has no one to ask, and consensus would wait at its height for
ever with nothing more said than that round timeouts are held. That is a mistake (another
institution's keystore, a forgotten node.toml), so it is refused with what to do. An
observer without peers still starts, since it serves the chain its store holds, but it
says that it follows no one.
"""

import logging

from node.config import ConfigError, NodeConfig
from node.validator_keys import ValidatorKeys
from protocol.validators import ValidatorSet

log = logging.getLogger("lantan.node")

PEERS_HINT = "--peer NAME=URL or [[peers]] in node.toml"


def check_start_role(
    config: NodeConfig, keys: ValidatorKeys | None, validators: ValidatorSet, height: int
) -> None:
    """Log a warning when this node will not vote at height (the next one) or has no peers
    to follow; ConfigError when it is no observer, will not vote and has no peers.

    keys is None for an observer; validators is the set that certifies height.
    """
    if keys is None:
        if not config.peers:
            log.warning(
                "no peers configured: this observer serves the chain its store holds "
                "(height %d) and follows no one; give it the validators as peers (%s)",
                height - 1,
                PEERS_HINT,
            )
        return
    if any(validators.contains(public_key) for public_key in keys.public_keys):
        return
    key_hex = keys.keys[0].public_key.hex()
    not_member = f"this node's key {key_hex[:16]} is not in the validator set for height {height}"
    if not config.peers:
        raise ConfigError(
            f"{config.node_dir}: {not_member} and no peers are configured: it could "
            f"neither vote nor follow the chain. Give it peers to follow ({PEERS_HINT}; "
            "add --observer or observer = true if it is not meant to vote), or the "
            "keystore of a validator of this chain"
        )
    log.warning(
        "%s: it will not vote or propose; it follows its peers and votes once a committed "
        "validator set holds its key (set observer = true if it is not meant to vote)",
        not_member,
        extra={"public_key": key_hex},
    )
