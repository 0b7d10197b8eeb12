"""What a validator does after each commit, before the next height starts: mempool cleanup,
the peer list as the chain has it now, the new head's checkpoint signed and gossiped
(node/checkpoint_signing.py).
"""

import logging

from node.node_parts import Node
from node.peer_directory import chain_peers
from node.peer_envelope import PeerKind
from node.runtime import NodeRuntime
from protocol.hashing import Hash32
from protocol.note import checkpoint_at_height, sign_note

log = logging.getLogger("lantan.node")


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


async def after_commit(node: Node) -> None:
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
        if not await _record_checkpoint(runtime, size, root):
            log.error("refusing to sign a second root for checkpoint size %d", size)
            return
        text = checkpoint_at_height(chain_id=ledger.chain_id, height=size - 1, root_hash=root)
        line = sign_note(text.body(), me.name, key).line()
        node.service.checkpoints.add(size=size, root=root, line=line, validators=validators)
        node.transport.broadcast(
            PeerKind.CHECKPOINT, {"size": size, "root": root.hex(), "line": line}
        )

    node.checkpoint_signing.submit(size, sign)


async def _record_checkpoint(runtime: NodeRuntime, size: int, root: Hash32) -> bool:
    """SignerStateFile.record_checkpoint with the engine's signer state as it is when the
    worker runs it: persists run there in order and the state only moves forward, so the
    state written is never older than one already on disk, though the caller may be a
    height behind (node/checkpoint_signing.py)."""

    def record() -> bool:
        replica = runtime.replica
        assert replica is not None
        return runtime.signer_file.record_checkpoint(replica.signer, size, root)

    return await runtime.run_in_worker(record)
