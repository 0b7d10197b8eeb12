"""Checkpoint checks of an audit: each node's latest note, the saved one, consistency. Pure.

Runs after the blocks: every note is verified under the validator set of the height it
covers (>= q lines, PROTOCOL.md §10) and its root compared with the root the auditor
recomputed over the headers it verified. The saved checkpoint of the last audit must be
a prefix of today's chain (a fork otherwise); a node that serves another block under it
and less than it rolled back, while a node that is only behind it gets a warning.
"""

from collections.abc import Mapping

from client.audit.audited_chain import AuditedChain
from client.audit.checkpoint import SavedCheckpoint, checkpoint_size, open_note, saved_from
from client.audit.findings import FindingCode
from client.errors import NodeError
from protocol.encoding import JsonObject, JsonValue
from protocol.errors import NoteError, ProtocolError
from protocol.note import Checkpoint
from protocol.proofs import ConsistencyProof


class CheckpointBook:
    """The notes of one audit: verified ones by node, and which match the audited chain."""

    def __init__(self, audit: AuditedChain) -> None:
        self._audit = audit
        self._verified: dict[str, tuple[Checkpoint, str]] = {}
        # The nodes whose consistency proof from the saved checkpoint verified, so the
        # report can say the chain was proven to extend the last audit, not only that
        # nothing contradicted it.
        self.proven_from_saved: list[str] = []

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

    def check_saved(
        self, saved: SavedCheckpoint, node_heights: Mapping[str, int]
    ) -> SavedCheckpoint | None:
        """Check the saved checkpoint, then each node against it; returns it when it
        verified (the start of the consistency proofs), None when it did not.

        The file is checked first: its note must carry a quorum and sign the file's size
        and root. An edited file is the auditor's problem, never a node's, so an invalid
        one is one SAVED_CHECKPOINT_INVALID and is used for nothing after it."""
        problem = self._saved_problem(saved)
        if problem is not None:
            detail = f"{problem}; the file is not used: replace or remove it"
            height = saved.height if saved.height <= self._audit.height else None
            self._audit.add_finding(FindingCode.SAVED_CHECKPOINT_INVALID, height, [], detail)
            return None
        for node, height in sorted(node_heights.items()):
            self._check_node_against_saved(saved, node, height)
        if saved.height <= self._audit.height:
            self._check_saved_root(saved)
        return saved

    def _saved_problem(self, saved: SavedCheckpoint) -> str | None:
        """Why the saved checkpoint cannot be trusted, or None. A note beyond the audited
        chain is checked under the set in force at its head: the last set the audit knows."""
        audit = self._audit
        if saved.chain_id != audit.chain_id:
            return f"the saved checkpoint is for chain {saved.chain_id.hex()}"
        try:
            note_height = checkpoint_size(saved.note) - 1
            validators = audit.validators_at(min(note_height, audit.height))
            opened = open_note(saved.note, audit.chain_id, validators)
        except NoteError as error:
            return f"the saved note does not verify: {error}"
        if (opened.size, opened.root_hash) != (saved.size, saved.root):
            return (
                f"the file says size {saved.size}, root {saved.root.hex()}, but its signed "
                f"note says size {opened.size}, root {opened.root_hash.hex()}"
            )
        return None

    def _check_node_against_saved(self, saved: SavedCheckpoint, node: str, height: int) -> None:
        """A node contradicts the saved checkpoint only by serving another block under it.
        A head below it is no evidence by itself: the checkpoint may have come from a
        faster node, and a node catching up looks the same as one that lost blocks."""
        audit = self._audit
        diverged = audit.diverged.get(node)
        if diverged is not None and diverged <= saved.height:
            if height < saved.height:
                detail = (
                    f"the node serves another block at height {diverged} and its head, "
                    f"height {height}, is below the saved checkpoint (size {saved.size}): "
                    "it dropped blocks the validators had signed"
                )
                audit.add_finding(FindingCode.ROLLBACK, saved.height, [node], detail)
            else:
                detail = f"the node serves another block at height {diverged}"
                audit.add_finding(
                    FindingCode.SAVED_CHECKPOINT_NOT_EXTENDED, saved.height, [node], detail
                )
        elif height < saved.height:
            detail = (
                f"the node's head is height {height}, behind the saved checkpoint (size "
                f"{saved.size}): cannot check its consistency with it yet"
            )
            audit.add_finding(FindingCode.NODE_BEHIND_SAVED_CHECKPOINT, height, [node], detail)

    def _check_saved_root(self, saved: SavedCheckpoint) -> None:
        """The audited chain's root at the saved size is the one the saved note signs.
        Requires the saved checkpoint verified (_saved_problem) and saved.height <= height."""
        audit = self._audit
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
        """(node, first, second) for each node whose verified checkpoint is >= saved.
        Requires saved to be what check_saved returned (verified)."""
        return [
            (node, saved.size, checkpoint.size)
            for node, (checkpoint, _note) in sorted(self._verified.items())
            if checkpoint.size >= saved.size
        ]

    def check_consistency(
        self, node: str, saved: SavedCheckpoint, proof: JsonValue | NodeError
    ) -> None:
        """A node's consistency proof from the saved checkpoint to its latest (None or the
        error that fetching it met: the node serves no proof; the auditor's own
        recomputation stands in for it)."""
        audit = self._audit
        checkpoint, note = self._verified[node]
        if proof is None or isinstance(proof, NodeError):
            detail = "the node serves no consistency proof"
            if isinstance(proof, NodeError):
                detail += f" ({proof.message})"
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
            return
        self.proven_from_saved.append(node)

    def newest_verified(self) -> SavedCheckpoint | None:
        """The largest verified checkpoint whose root matches the audited chain."""
        matching = self._matching()
        if not matching:
            return None
        checkpoint, note = max(matching.values(), key=lambda entry: entry[0].size)
        return saved_from(note, checkpoint, self._audit.chain_id)
