"""The one read port of a node's committed chain: what web pages and API routes may read.

Routes and pages never reach the store or the ledger: they ask a ChainView, which reads
committed data only (the LevelDB store, the checkpoint book, the serial history index),
never the mempool, and answers in the typed values of protocol/ and contracts/ (Block,
TxResult, Project, Retirement, ...). The API's generic record routes get the stored JSON
as it is (state_json, state_page); proofs and receipts come from node/proofs.py; a
receipt's PDF from the renderer the node was assembled with. One ChainView per node, made
in node/assembly.py with the node's SerialHistory and receipt renderer. Blocking reads:
routes run off the event loop.
"""

from dataclasses import dataclass

from contracts.records import KeyRecord, NodeAddress
from node import proofs
from node.proofs import SignedCheckpoint
from node.receipt_pdfs import ReceiptPdfError, ReceiptPdfs
from node.registry_records import RegistryRecords
from node.service import NodeService
from node.web.serial_history import SerialEvent, SerialHistory
from protocol.block import Block, BlockHeader
from protocol.encoding import JsonObject, JsonValue, decode
from protocol.hashing import Hash32
from protocol.results import TxResult
from protocol.tx import SignedTx
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate
from protocol.witnesses import Witness

__all__ = [
    "BlockJson",
    "ChainView",
    "CommittedTx",
    "ReceiptPdfError",
    "SignedCheckpointView",
    "WitnessPolicyView",
    "WitnessView",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class CommittedTx:
    """A committed tx: where it is, the signed tx and its result."""

    tx_id: str
    height: int
    index: int
    time_ms: int
    signed: SignedTx
    result: TxResult | None
    """None only if the store lost the result of a committed tx."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockJson:
    """A committed block, its certificate and its results as the stored JSON (the API
    serves them as stored: canonical key order, no parse and re-encode)."""

    block: JsonValue
    certificate: JsonValue | None
    results: list[JsonValue]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedCheckpointView:
    size: int
    root_b64: str
    lines: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessView:
    """A witness of genesis as this node sees it (ADR 0025)."""

    witness: Witness
    key: KeyRecord | None
    """The committed `key/` record of its cosigning key: its institution and status."""
    announced: NodeAddress | None
    """Its last node.announce, or None."""
    cosigned_size: int | None
    """The newest checkpoint size whose cosignature of it this node keeps, or None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessPolicyView:
    quorum: int
    witnesses: list[WitnessView]


class ChainView:
    """Read-only, typed views of one node's committed chain."""

    def __init__(
        self,
        service: NodeService,
        *,
        serial_history: SerialHistory,
        receipt_pdfs: ReceiptPdfs | None,
    ) -> None:
        self._service = service
        self._ledger = service.ledger
        self._store = service.ledger.store
        self._history = serial_history
        self._pdfs = receipt_pdfs
        store = self._store
        self.records = RegistryRecords(
            store.state,
            lambda prefix, limit: store.list_state(prefix, after=None, limit=limit),
            head=lambda: self._ledger.height,
        )

    # --- this node and its chain ---------------------------------------------------------

    @property
    def node_name(self) -> str:
        return self._service.name

    @property
    def node_role(self) -> str:
        return self._service.role

    @property
    def height(self) -> int:
        return self._ledger.height

    @property
    def chain_id(self) -> str:
        return self._ledger.chain_id.hex()

    @property
    def chain_name(self) -> str:
        return self._ledger.genesis.document.chain_name

    def genesis_json(self) -> JsonObject:
        return self._ledger.genesis.document.to_json()

    def block(self, height: int) -> Block | None:
        return self._ledger.block(height)

    def header(self, height: int) -> BlockHeader | None:
        return self._ledger.header(height)

    def certificate(self, height: int) -> CommitCertificate | None:
        return self._ledger.certificate(height)

    def results(self, height: int) -> list[TxResult]:
        return [TxResult.from_json(decode(stored)) for stored in self._store.get_results(height)]

    def block_json(self, height: int) -> BlockJson | None:
        stored = self._store.get_block(height)
        if stored is None:
            return None
        certificate = self._store.get_certificate(height)
        return BlockJson(
            block=decode(stored),
            certificate=None if certificate is None else decode(certificate),
            results=[decode(result) for result in self._store.get_results(height)],
        )

    def block_range_json(self, first: int, limit: int, bytes_max: int) -> bytes:
        """{"blocks":[{"block":..,"certificate":..},..]}: committed blocks first, first+1, ..
        as stored (canonical JSON, no parse), at most limit of them, and no more than
        bytes_max of stored block and certificate bytes unless one block alone is larger
        (then that block only). A height past the head ends the list. Requires first >= 1."""
        parts: list[bytes] = []
        total = 0
        for height in range(first, first + limit):
            stored = self._store.get_block(height)
            certificate = self._store.get_certificate(height)
            if stored is None or certificate is None:
                break
            total += len(stored) + len(certificate)
            if parts and total > bytes_max:
                break
            parts.append(b'{"block":' + stored + b',"certificate":' + certificate + b"}")
        return b'{"blocks":[' + b",".join(parts) + b"]}"

    def tx_ids_with_prefix(self, prefix_hex: str, limit: int) -> list[str]:
        """Up to limit committed tx ids (hex) starting with prefix_hex, in id order."""
        return [tx_id.hex() for tx_id in self._store.tx_ids_with_prefix(prefix_hex, limit)]

    def find_tx(self, tx_id_hex: str) -> CommittedTx | None:
        """The committed tx with this id (64 lowercase hex digits), or None."""
        try:
            tx_id = bytes.fromhex(tx_id_hex)
        except ValueError:
            return None
        location = self._store.find_tx(tx_id) if len(tx_id) == 32 else None
        block = None if location is None else self.block(location.height)
        if location is None or block is None or location.index >= len(block.txs):
            return None
        stored = self._store.get_result(location.height, location.index)
        return CommittedTx(
            tx_id=tx_id_hex,
            height=location.height,
            index=location.index,
            time_ms=block.header.time_ms,
            signed=block.txs[location.index],
            result=None if stored is None else TxResult.from_json(decode(stored)),
        )

    # --- validators ----------------------------------------------------------------------

    def current_validators(self) -> ValidatorSet:
        return self._ledger.validators_for_next_height()

    def known_sets(self) -> list[ValidatorSet]:
        """The head's, the next and the genesis validator sets (for naming and counting); the
        ledger decodes the first two once per committed height."""
        ledger = self._ledger
        return [
            ledger.validators_of_head(),
            ledger.validators_for_next_height(),
            ledger.genesis.document.validators,
        ]

    def set_for_hash(self, validators_hash: bytes) -> ValidatorSet | None:
        for candidate in self.known_sets():
            if candidate.hash() == validators_hash:
                return candidate
        return None

    def validator_name(self, public_key: bytes) -> str | None:
        for candidate in self.known_sets():
            validator = candidate.by_key(public_key)
            if validator is not None:
                return validator.name
        return None

    # --- checkpoints ---------------------------------------------------------------------

    def checkpoint_note(self, size: int) -> str | None:
        """The signed note of a history size once it has >= q lines, else None."""
        return self._service.checkpoint_note(size)

    def signed_checkpoint(self, size: int | None = None) -> SignedCheckpoint | None:
        """The checkpoint of size, or the newest one with a quorum when size is None."""
        if size is None:
            latest = self._service.latest_checkpoint()
            return None if latest is None else SignedCheckpoint(size=latest[0], note=latest[1])
        note = self.checkpoint_note(size)
        return None if note is None else SignedCheckpoint(size=size, note=note)

    def receipt_checkpoint(self) -> SignedCheckpoint | None:
        """The newest checkpoint with the witness cosignatures genesis asks for (ADR 0021)."""
        found = self._service.receipt_checkpoint()
        return None if found is None else SignedCheckpoint(size=found[0], note=found[1])

    def receipt_checkpoint_of_size(self, size: int) -> SignedCheckpoint | str:
        """The checkpoint of size a receipt may carry, or why not (NodeService's)."""
        found = self._service.receipt_checkpoint_of_size(size)
        return found if isinstance(found, str) else SignedCheckpoint(size=found[0], note=found[1])

    def witness_quorum(self) -> int | None:
        """The cosignatures genesis asks of a receipt's checkpoint; None: no witnesses."""
        policy = self._ledger.genesis.document.witnesses
        return None if policy is None else policy.quorum

    def witness_policy(self) -> WitnessPolicyView | None:
        """Genesis's witnesses with their keys' records, announced addresses and newest kept
        cosignatures; None when genesis names no witnesses."""
        policy = self._ledger.genesis.document.witnesses
        if policy is None:
            return None
        sizes = self._service.newest_cosigned_sizes()
        return WitnessPolicyView(
            quorum=policy.quorum,
            witnesses=[
                WitnessView(
                    witness=witness,
                    key=self.records.key_owner(witness.public_key.hex()),
                    announced=self.records.node_address(witness.public_key),
                    cosigned_size=sizes.get(witness.name),
                )
                for witness in policy.witnesses
            ],
        )

    def latest_checkpoints(self, count: int, scan_max: int = 64) -> list[SignedCheckpointView]:
        """Up to count signed checkpoints (>= q lines), newest first."""
        found: list[SignedCheckpointView] = []
        for size in range(self.height + 1, max(0, self.height + 1 - scan_max), -1):
            note = self.checkpoint_note(size)
            if note is not None:
                found.append(_checkpoint_view(size, note))
                if len(found) >= count:
                    break
        return found

    # --- state records as stored (the API's generic record routes) -----------------------

    def state_json(self, key: str) -> JsonValue | None:
        """The committed record at a state key as JSON, or None."""
        stored = self._store.state.get(key)
        return None if stored is None else decode(stored)

    def state_page(self, prefix: str, after: str | None, limit: int) -> list[tuple[str, JsonValue]]:
        """Up to limit (key, record) pairs under prefix in key order, after the key `after`."""
        found = self._store.list_state(prefix, after=after, limit=limit)
        return [(key, decode(value)) for key, value in found]

    # --- proofs and receipts (node/proofs.py; they raise ProofUnavailableError) ----------

    def header_proof(self, height: int, size: int) -> JsonObject:
        return proofs.header_inclusion(self._ledger, height, size)

    def consistency_proof(self, first: int, second: int) -> JsonObject:
        return proofs.consistency(self._ledger, first, second)

    def tx_proof(self, tx_id: Hash32) -> JsonObject:
        return proofs.tx_inclusion(self._ledger, tx_id)

    def state_proof(self, key: str, height: int) -> JsonObject:
        return proofs.state_entry(self._ledger, key, height)

    def validator_set_changes(self) -> list[JsonValue]:
        return proofs.validator_set_changes(self._ledger, self._ledger.height)

    def genesis_validators(self) -> ValidatorSet:
        return self._ledger.genesis.document.validators

    def receipt(self, retirement_id: Hash32, checkpoint: SignedCheckpoint) -> JsonObject:
        """The retirement receipt of PROTOCOL.md §14 against checkpoint."""
        return proofs.build_receipt(self._ledger, retirement_id, checkpoint)

    def retirement_height(self, retirement_id: Hash32) -> int:
        """The height of a committed retirement (ProofUnavailableError when it is none)."""
        return proofs.retirement_height(self._ledger, retirement_id)

    def receipt_digest(self, retirement_id: Hash32) -> Hash32:
        """The receipt digest every copy of the retirement's receipt shows (§14.6)."""
        return proofs.retirement_receipt_digest(self._ledger, retirement_id)

    @property
    def renders_receipt_pdfs(self) -> bool:
        return self._pdfs is not None

    def receipt_pdf(self, receipt: bytes, digest: bytes) -> bytes:
        """The printable PDF of a receipt (its canonical bytes and digest). Raises
        ReceiptPdfError, or ReceiptPdfBusyError while another one is being rendered."""
        if self._pdfs is None:
            raise ReceiptPdfError("this node has no receipt PDF renderer")
        return self._pdfs.render(receipt, digest)

    # --- history of serials --------------------------------------------------------------

    def serial_events(self, batch_id: str, first: int, last: int) -> list[SerialEvent]:
        """Committed txs that wrote serial blocks of batch_id within [first, last].

        Raises HistoryUnavailableError when the replay disagrees with the stored results."""
        return self._history.events(batch_id, first, last)


def _checkpoint_view(size: int, note: str) -> SignedCheckpointView:
    text, _, signatures = note.partition("\n\n")
    lines = text.split("\n")
    root = lines[2] if len(lines) > 2 else ""
    count = sum(1 for line in signatures.split("\n") if line.startswith("\u2014 "))
    return SignedCheckpointView(size=size, root_b64=root, lines=count)
