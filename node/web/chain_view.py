"""What the web registry reads from a node's committed chain: records, blocks, names.

A thin read model over NodeService: every method reads committed data only (the LevelDB
store and the checkpoint book), never the mempool. Records come back as decoded JSON
objects; pages display them and never write. Blocking reads: routes run off the event loop.
"""

import contextlib
from dataclasses import dataclass
from typing import Any

from node.service import NodeService
from protocol.block import Block, BlockHeader
from protocol.encoding import decode
from protocol.errors import ProtocolError
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate

Record = dict[str, Any]
LIST_LIMIT = 500
"""Most records a list page or search scans per kind (a registry of this size pages)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommittedTx:
    """A committed tx: where it is, its signed JSON and its TxResult JSON."""

    tx_id: str
    height: int
    index: int
    time_ms: int
    signed: Record
    result: Record


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedCheckpointView:
    size: int
    root_b64: str
    lines: int


class ChainView:
    """Read-only views of one node's committed chain for the HTML pages."""

    def __init__(self, service: NodeService) -> None:
        self.service = service
        self.ledger = service.ledger
        self.store = service.ledger.store

    # --- chain ---------------------------------------------------------------------------

    @property
    def height(self) -> int:
        return self.ledger.height

    @property
    def chain_id(self) -> str:
        return self.ledger.chain_id.hex()

    @property
    def chain_name(self) -> str:
        return self.ledger.genesis.document.chain_name

    def genesis_json(self) -> Record:
        return self.ledger.genesis.document.to_json()

    def block(self, height: int) -> Block | None:
        if not 0 <= height <= self.height:
            return None
        return self.ledger.block(height)

    def header(self, height: int) -> BlockHeader | None:
        block = self.block(height)
        return None if block is None else block.header

    def certificate(self, height: int) -> CommitCertificate | None:
        if not 0 <= height <= self.height:
            return None
        return self.ledger.certificate(height)

    def results(self, height: int) -> list[Record]:
        return [_object(decode(stored)) for stored in self.store.get_results(height)]

    def find_tx(self, tx_id_hex: str) -> CommittedTx | None:
        """The committed tx with this id (64 lowercase hex digits), or None."""
        try:
            tx_id = bytes.fromhex(tx_id_hex)
        except ValueError:
            return None
        location = self.store.find_tx(tx_id) if len(tx_id) == 32 else None
        block = None if location is None else self.block(location.height)
        if location is None or block is None or location.index >= len(block.txs):
            return None
        stored = self.store.get_result(location.height, location.index)
        return CommittedTx(
            tx_id=tx_id_hex,
            height=location.height,
            index=location.index,
            time_ms=block.header.time_ms,
            signed=block.txs[location.index].to_json(),
            result={} if stored is None else _object(decode(stored)),
        )

    # --- validators and checkpoints ------------------------------------------------------

    def current_validators(self) -> ValidatorSet:
        return self.ledger.validators_for_next_height()

    def known_sets(self) -> list[ValidatorSet]:
        """The current, the next and the genesis validator sets (for naming and counting)."""
        sets = [self.current_validators(), self.ledger.genesis.document.validators]
        stored = self.store.state.get("validators/current")
        if stored is not None:
            with contextlib.suppress(ProtocolError):
                sets.insert(0, ValidatorSet.from_json(decode(stored)))
        return sets

    def set_for_hash(self, validators_hash: bytes) -> ValidatorSet | None:
        for candidate in self.known_sets():
            if candidate.hash() == validators_hash:
                return candidate
        return None

    def latest_checkpoints(self, count: int, scan_max: int = 64) -> list[SignedCheckpointView]:
        """Up to count signed checkpoints (>= q lines), newest first."""
        found: list[SignedCheckpointView] = []
        for size in range(self.height + 1, max(0, self.height + 1 - scan_max), -1):
            note = self.service.checkpoint_note(size)
            if note is not None:
                found.append(_checkpoint_view(size, note))
                if len(found) >= count:
                    break
        return found

    # --- state records -------------------------------------------------------------------

    def record(self, key: str) -> Record | None:
        stored = self.store.state.get(key)
        return None if stored is None else _object(decode(stored))

    def records(self, prefix: str, limit: int = LIST_LIMIT) -> tuple[list[Record], bool]:
        """Up to limit records whose key starts with prefix, in key order; True if more."""
        found = self.store.list_state(prefix, after=None, limit=limit + 1)
        return [_object(decode(value)) for _, value in found[:limit]], len(found) > limit

    def validator_name(self, public_key: bytes) -> str | None:
        for candidate in self.known_sets():
            validator = candidate.by_key(public_key)
            if validator is not None:
                return validator.name
        return None


def _checkpoint_view(size: int, note: str) -> SignedCheckpointView:
    text, _, signatures = note.partition("\n\n")
    lines = text.split("\n")
    root = lines[2] if len(lines) > 2 else ""
    count = sum(1 for line in signatures.split("\n") if line.startswith("\u2014 "))
    return SignedCheckpointView(size=size, root_b64=root, lines=count)


def _object(value: object) -> Record:
    return value if isinstance(value, dict) else {"value": value}
