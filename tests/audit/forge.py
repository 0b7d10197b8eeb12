"""Forge certified blocks into a STOPPED node's LevelDB, as a dishonest operator could.

The test holds every validator's key (the dev keystores of the net directory), so a forged
block can carry a valid quorum certificate, a short one or one with a duplicated signer,
and its header may commit to state writes that execution does not produce. The node is
then started with LANTAN_TEST_SKIP_STARTUP_CHECK=1 and serves what was written.
"""

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from contracts.context import BlockContext
from contracts.state_tree import update_state_tree
from contracts.transition import execute_block
from contracts.validator_sets import next_validator_set
from genesis.document import build_genesis, parse_genesis
from genesis.example.chain_forge import raw_certificate
from genesis.network import GENESIS_FILE
from node.ledger import Ledger
from node.storage.leveldb import LevelDbStore
from protocol.block import Block, BlockHeader, evidence_root, tx_root
from protocol.encoding import encode
from protocol.hashing import Hash32
from protocol.log import MerkleLog
from protocol.signing import SigningKey
from protocol.tx import PROTOCOL_VERSION


@dataclass(frozen=True, slots=True, kw_only=True)
class Forged:
    height: int
    block_hash: Hash32


@contextlib.contextmanager
def stopped_node_ledger(directory: Path, name: str) -> Iterator[Ledger]:
    """The Ledger of a stopped node of the net in directory; closed on exit."""
    genesis = build_genesis(parse_genesis((directory / GENESIS_FILE).read_bytes()))
    store = LevelDbStore.open(directory / name / "data", create=False)
    try:
        yield Ledger(store, genesis)
    finally:
        store.close()


def forge_next_block(
    ledger: Ledger,
    validator_keys: Sequence[SigningKey],
    signers: Sequence[SigningKey],
    *,
    extra_writes: Mapping[str, bytes] | None = None,
    claimed_state_root: Hash32 | None = None,
    time_step_ms: int = 1,
) -> Forged:
    """Execute an empty block on the head, optionally alter its state writes (or claim
    another state_root in the header than the one stored), certify it with signers (in
    the order given, duplicates kept) and commit it to the store."""
    previous = ledger.head()
    height, time_ms = previous.height + 1, previous.time_ms + time_step_ms
    overlay = ledger.store.begin()
    ctx = BlockContext(chain_id=ledger.chain_id, height=height, time_ms=time_ms)
    transition = execute_block(overlay.state, ctx, (), (), tree=None)
    writes = {**transition.writes, **(extra_writes or {})}
    overlay.state.apply(writes)
    state_root = update_state_tree(overlay.smt, height, writes)
    header = BlockHeader(
        protocol_version=PROTOCOL_VERSION,
        chain_id=ledger.chain_id,
        height=height,
        time_ms=time_ms,
        prev_hash=previous.block_hash(),
        history_root=MerkleLog(overlay.log).root(),
        tx_root=tx_root(()),
        results_root=transition.results_root,
        state_root=state_root if claimed_state_root is None else claimed_state_root,
        validators_hash=next_validator_set(ledger.store.state).hash(),
        next_validators_hash=next_validator_set(overlay.state).hash(),
        evidence_root=evidence_root(()),
        proposer=validator_keys[0].public_key,
    )
    block = Block(header=header, txs=(), evidence=())
    certificate = raw_certificate(ledger.chain_id, header, signers)
    MerkleLog(overlay.log).append(header.canonical_bytes())
    overlay.record_block(
        height=height,
        block=block.canonical_bytes(),
        certificate=encode(certificate),
        results=[r.canonical_bytes() for r in transition.results],
        tx_ids=[],
    )
    ledger.store.commit(overlay)
    return Forged(height=height, block_hash=header.block_hash())


def sorted_keys(keys: Sequence[SigningKey]) -> list[SigningKey]:
    return sorted(keys, key=lambda key: key.public_key)
