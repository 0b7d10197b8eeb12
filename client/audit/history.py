"""Checkpoint checks of an audit: each node's latest note, the saved one, consistency. Pure.

Runs after the blocks: every note is verified under the validator set of the height it
covers (>= q lines, PROTOCOL.md §10) and its root compared with the root the auditor
recomputed over the headers it verified. The saved checkpoint of the last audit must be
a prefix of today's chain (a fork otherwise), and no node may serve less (a rollback).
"""

from collections.abc import Mapping

from client.audit.audited_chain import AuditedChain
from client.audit.checkpoint import SavedCheckpoint, checkpoint_size, open_note, saved_from
from client.audit.findings import FindingCode
from protocol.encoding import JsonObject, JsonValue
from protocol.errors import NoteError, ProtocolError
from protocol.note import Checkpoint
from protocol.proofs import ConsistencyProof


class CheckpointBook:
    """The notes of one audit: verified ones by node, and which match the audited chain."""

    def __init__(self, audit: AuditedChain) -> None:
        self._audit = audit
        self._verified: dict[str, tuple[Checkpoint, str]] = {}

    def check_nodes(self, notes: Mapping[str, str | None]) -> None:
        """Verify each node's latest checkpoint note (None: the node served none)."""
        for node, note in notes.items():
            self._open(node, note)
        matching = self._matching()
        for node, (checkpoint, note) in self._verified.items():
            if node not in matching:
                self._mismatch(node, checkpoint, note, matching)

    def _open(self, node: str, note: str | None) -> None:
        audit = self._audit
        if note is None:
            detail = "the node serves no checkpoint with a quorum of signatures"
            audit.add_finding(FindingCode.CHECKPOINT_UNAVAILABLE, None, [node], detail)
            return
        try:
            size = checkpoint_size(note)
        except NoteError as error:
            audit.add_finding(FindingCode.CHECKPOINT_INVALID, None, [node], str(error))
            return
        if size - 1 > audit.height:
            detail = (
                f"checkpoint of size {size} is beyond the audited chain (height {audit.height})"
            )
            audit.add_finding(FindingCode.CHECKPOINT_INVALID, size - 1, [node], detail)
            return
        try:
            checkpoint = open_note(note, audit.chain_id, audit.validators_at(size - 1))
        except NoteError as error:
            audit.add_finding(FindingCode.CHECKPOINT_INVALID, size - 1, [node], str(error))
            return
        self._verified[node] = (checkpoint, note)

    def _matching(self) -> dict[str, tuple[Checkpoint, str]]:
        audit = self._audit
        return {
            node: entry
            for node, entry in self._verified.items()
            if entry[0].root_hash == audit.history_root(entry[0].size)
        }

    def _mismatch(
        self,
        node: str,
        checkpoint: Checkpoint,
        note: str,
        matching: Mapping[str, tuple[Checkpoint, str]],
    ) -> None:
        audit = self._audit
        ours = audit.history_root(checkpoint.size)
        detail = (
            f"signed checkpoint of size {checkpoint.size} has root "
            f"{checkpoint.root_hash.hex()}; the audited chain's is {ours.hex()}"
        )
        evidence: JsonObject = {
            "checkpoint": {"node": node, "note": note},
            "other_checkpoints": [
                {"node": other, "note": other_note}
                for other, (_checkpoint, other_note) in sorted(matching.items())
            ],
        }
        height = checkpoint.size - 1
        audit.add_finding(FindingCode.CHECKPOINT_ROOT_MISMATCH, height, [node], detail, evidence)

    def check_saved(self, saved: SavedCheckpoint, node_heights: Mapping[str, int]) -> None:
        """The saved checkpoint is still a prefix of the chain, and no node serves less."""
        audit = self._audit
        if saved.chain_id != audit.chain_id:
            detail = f"the saved checkpoint is for chain {saved.chain_id.hex()}"
            audit.add_finding(FindingCode.SAVED_CHECKPOINT_INVALID, None, [], detail)
            return
        for node, height in sorted(node_heights.items()):
            if height < saved.height:
                detail = (
                    f"the node's head is height {height}, below the saved checkpoint "
                    f"(size {saved.size}, height {saved.height}) it had already reached"
                )
                audit.add_finding(FindingCode.ROLLBACK, saved.height, [node], detail)
            elif audit.diverged.get(node, saved.size) <= saved.height:
                detail = f"the node serves another block at height {audit.diverged[node]}"
                audit.add_finding(
                    FindingCode.SAVED_CHECKPOINT_NOT_EXTENDED, saved.height, [node], detail
                )
        if saved.height <= audit.height:
            self._check_saved_root(saved)

    def _check_saved_root(self, saved: SavedCheckpoint) -> None:
        audit = self._audit
        try:
            opened = open_note(saved.note, audit.chain_id, audit.validators_at(saved.height))
            if (opened.size, opened.root_hash) != (saved.size, saved.root):
                raise NoteError("the note does not sign the saved size and root")
        except NoteError as error:
            audit.add_finding(FindingCode.SAVED_CHECKPOINT_INVALID, saved.height, [], str(error))
            return
        ours = audit.history_root(saved.size)
        if ours != saved.root:
            detail = (
                f"the audited chain's root at size {saved.size} is {ours.hex()}, "
                f"the saved checkpoint signs {saved.root.hex()}: a fork since the last audit"
            )
            evidence: JsonObject = {
                "saved_checkpoint": saved.note,
                "node_checkpoints": [
                    {"node": node, "note": note}
                    for node, (_checkpoint, note) in sorted(self._verified.items())
                ],
            }
            audit.add_finding(
                FindingCode.SAVED_CHECKPOINT_NOT_EXTENDED, saved.height, [], detail, evidence
            )

    def consistency_requests(self, saved: SavedCheckpoint) -> list[tuple[str, int, int]]:
        """(node, first, second) for each node whose verified checkpoint is >= saved."""
        return [
            (node, saved.size, checkpoint.size)
            for node, (checkpoint, _note) in sorted(self._verified.items())
            if checkpoint.size >= saved.size
        ]

    def check_consistency(self, node: str, saved: SavedCheckpoint, proof: JsonValue) -> None:
        """A node's consistency proof from the saved checkpoint to its latest (None: the
        node serves no proof; the auditor's own recomputation stands in for it)."""
        audit = self._audit
        checkpoint, note = self._verified[node]
        if proof is None:
            detail = "the node serves no consistency proof"
            audit.add_finding(FindingCode.CONSISTENCY_PROOF_UNAVAILABLE, None, [node], detail)
            return
        try:
            parsed = ConsistencyProof.from_json(proof)
            if (parsed.size1, parsed.size2) != (saved.size, checkpoint.size):
                raise ProtocolError(f"proof is for sizes {parsed.size1} -> {parsed.size2}")
            parsed.verify(saved.root, checkpoint.root_hash)
        except ProtocolError as error:
            detail = (
                f"checkpoint of size {checkpoint.size} does not extend the saved one of size "
                f"{saved.size}: {error}"
            )
            evidence: JsonObject = {"saved_checkpoint": saved.note, "node_checkpoint": note}
            height = checkpoint.size - 1
            audit.add_finding(
                FindingCode.CONSISTENCY_PROOF_INVALID, height, [node], detail, evidence
            )

    def newest_verified(self) -> SavedCheckpoint | None:
        """The largest verified checkpoint whose root matches the audited chain."""
        matching = self._matching()
        if not matching:
            return None
        checkpoint, note = max(matching.values(), key=lambda entry: entry[0].size)
        return saved_from(note, checkpoint, self._audit.chain_id)
