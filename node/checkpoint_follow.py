"""An observer's signed checkpoints, fetched from the validators it follows.

Only validators sign checkpoints, and they gossip their lines among themselves
(node/peering.py), so an observer never held a quorum note and could serve no receipt. It
asks its peers' public API for signed notes instead. Each answer is bounded as it streams
in, then parsed, and kept only if it is of a size this node has synced, signed by a quorum
of the set of that size (protocol.note.open_checkpoint, the check audits and witnesses
run) over this node's own history root at that size, and its witness lines verify. Its
lines then go into the checkpoint book (witness lines into the cosignature book) as a
validator keeps the lines gossiped to it, so every route serves it from this node's disk.
A refused answer is counted and logged once per peer and size; it never stops the loop.
"""

import asyncio
import enum
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

from client.audit.checkpoint import NOTE_LENGTH_MAX, note_verifiers
from node.cosignatures import (
    CheckpointUnknownError,
    CosignatureRefusedError,
    CosignatureThrottledError,
)
from node.ledger import Ledger
from node.service import NodeService
from node.sync_fetch import PeerAnswerError
from protocol.cosignature import cosignature_key_id, verified_cosigners
from protocol.encoding import decode
from protocol.errors import NoteError, NoteQuorumError, ProtocolError
from protocol.fields import read_list
from protocol.hashing import Hash32
from protocol.note import (
    Checkpoint,
    NoteSignature,
    checkpoint_origin,
    open_checkpoint,
    parse_signed_note,
)
from protocol.validators import ValidatorSet
from protocol.witnesses import WitnessSet

log = logging.getLogger("lantan.checkpoints")

NOTE_BYTES_MAX = NOTE_LENGTH_MAX
"""A checkpoint note as an auditor bounds it (a few hundred bytes per signature line)."""
WITNESSES_BYTES_MAX = 64 * 1024
"""GET /v1/witnesses: a line of JSON per witness of genesis."""
WITNESS_SIZES_MAX = 8
"""Cosigned sizes fetched per round (a size per witness; genesis names a few)."""
REFUSALS_REMEMBERED = 256
"""(peer, size, refusal) already logged; a peer asked again each round is logged once."""

Fetch = Callable[[str, int], Awaitable[tuple[int, bytes]]]
"""GET url with a byte bound: (status, body); raises past the bound (PeerClient.get_bounded)."""


class Refusal(enum.Enum):
    """Why a peer's checkpoint note was not kept."""

    NOT_SYNCED = "not_synced"
    """Of a size beyond this node's log: asked again once the blocks are synced."""
    BAD_NOTE = "bad_note"
    WRONG_CHAIN = "wrong_chain"
    SET_CHANGED = "set_changed"
    """Signed by a set other than the head's: the book checks lines against the head's."""
    QUORUM = "quorum"
    ROOT_MISMATCH = "root_mismatch"
    BAD_COSIGNATURE = "bad_cosignature"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointProblem:
    refusal: Refusal
    size: int | None
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifiedCheckpoint:
    """A note that passed check_note: its validator lines and its witness lines."""

    checkpoint: Checkpoint
    validator_lines: tuple[NoteSignature, ...]
    witness_lines: tuple[NoteSignature, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalLog:
    """What this node holds that a peer's note must agree with."""

    chain_id: Hash32
    synced_size: int
    """Leaves in this node's history log (height + 1)."""
    validators: ValidatorSet
    """The head's set, the one the checkpoint book checks lines against."""
    signer_set_hash: Callable[[int], Hash32 | None]
    """validators_hash of the header at size - 1: the set that signed that checkpoint."""
    root_at: Callable[[int], Hash32]
    """This node's history root at a size <= synced_size."""
    witnesses: WitnessSet | None


def local_log(ledger: Ledger, witnesses: WitnessSet | None) -> LocalLog:
    """What ledger holds now that a peer's note must agree with."""

    def signer_set_hash(size: int) -> Hash32 | None:
        header = ledger.header(size - 1)
        return None if header is None else header.validators_hash

    return LocalLog(
        chain_id=ledger.chain_id,
        synced_size=ledger.height + 1,
        validators=ledger.validators_of_head(),
        signer_set_hash=signer_set_hash,
        root_at=ledger.history_root,
        witnesses=witnesses,
    )


def check_note(data: bytes, local: LocalLog) -> VerifiedCheckpoint | CheckpointProblem:
    """Verify a peer's note against this node's own log; requires data already bounded.

    The size is read before the signatures only to pick the set that must have signed it
    (as client/audit/checkpoint.py checkpoint_size does)."""
    try:
        note = parse_signed_note(data)
        claimed = Checkpoint.parse(note.text)
    except NoteError as error:
        return CheckpointProblem(refusal=Refusal.BAD_NOTE, size=None, detail=str(error))
    size = claimed.size
    if claimed.origin != checkpoint_origin(local.chain_id):
        detail = f"origin {claimed.origin[:80]!r} is not this chain's"
        return CheckpointProblem(refusal=Refusal.WRONG_CHAIN, size=size, detail=detail)
    if not 0 < size <= local.synced_size:
        detail = f"size {size}; this node's log has {local.synced_size} leaves"
        return CheckpointProblem(refusal=Refusal.NOT_SYNCED, size=size, detail=detail)
    if local.signer_set_hash(size) != local.validators.hash():
        detail = "signed by a validator set other than the head's"
        return CheckpointProblem(refusal=Refusal.SET_CHANGED, size=size, detail=detail)
    try:
        checkpoint, _ = open_checkpoint(
            data,
            chain_id=local.chain_id,
            verifiers=note_verifiers(local.validators),
            quorum=local.validators.quorum,
        )
    except NoteQuorumError as error:
        return CheckpointProblem(refusal=Refusal.QUORUM, size=size, detail=str(error))
    except NoteError as error:
        return CheckpointProblem(refusal=Refusal.BAD_NOTE, size=size, detail=str(error))
    ours = local.root_at(size)
    if checkpoint.root_hash != ours:
        detail = f"root {checkpoint.root_hash.hex()}; this node's log has {ours.hex()}"
        return CheckpointProblem(refusal=Refusal.ROOT_MISMATCH, size=size, detail=detail)
    witness_lines: tuple[NoteSignature, ...] = ()
    if local.witnesses is not None:
        try:
            verified_cosigners(note, local.witnesses)
        except NoteError as error:
            return CheckpointProblem(refusal=Refusal.BAD_COSIGNATURE, size=size, detail=str(error))
        witness_lines = _lines_of_witnesses(note.signatures, local.witnesses)
    return VerifiedCheckpoint(
        checkpoint=checkpoint,
        validator_lines=_lines_of_validators(note.signatures, local.validators),
        witness_lines=witness_lines,
    )


def _lines_of_validators(
    lines: Sequence[NoteSignature], validators: ValidatorSet
) -> tuple[NoteSignature, ...]:
    known = {(v.name, v.key_id) for v in note_verifiers(validators)}
    return tuple(line for line in lines if (line.name, line.key_id) in known)


def _lines_of_witnesses(
    lines: Sequence[NoteSignature], witnesses: WitnessSet
) -> tuple[NoteSignature, ...]:
    known = {(w.name, cosignature_key_id(w.name, w.public_key)) for w in witnesses.witnesses}
    return tuple(line for line in lines if (line.name, line.key_id) in known)


class CheckpointFollower:
    """Fetches, verifies and keeps the peers' signed checkpoints (an observer's, each round)."""

    def __init__(self, service: NodeService, peers: Callable[[], list[str]], fetch: Fetch) -> None:
        """peers(): the base URLs to ask, best first (the reachable ones, highest first)."""
        self._service = service
        self._peers = peers
        self._fetch = fetch
        self._logged: OrderedDict[tuple[str, int | None, Refusal], None] = OrderedDict()
        self.synced = asyncio.Event()
        """Set by the sync loop when it applied blocks: a new head whose note to fetch."""

    async def follow(self) -> int:
        """One round: the note of this node's head (or the newest below it), and with
        witnesses the sizes peers hold cosignatures of; how many notes were kept."""
        kept = 0
        if self._service.checkpoint_note(self._service.ledger.height + 1) is None:
            kept += await self._follow_head()
        if self._service.cosignatures is not None:
            kept += await self._follow_cosigned()
        return kept

    async def _follow_head(self) -> int:
        size = self._service.ledger.height + 1
        for url in self._peers():
            data = await self._get(url, "/v1/checkpoints/latest", NOTE_BYTES_MAX)
            if data is not None and _claimed_size(data) not in range(1, size + 1):
                # The peer is ahead (or answered nonsense): ask for the size synced here.
                data = await self._get(url, f"/v1/checkpoints/{size}", NOTE_BYTES_MAX)
            if data is not None and self._keep(url, data):
                return 1
        return 0

    async def _follow_cosigned(self) -> int:
        """Witnesses post their cosignatures to validators only: fetch the notes of the
        sizes a peer holds cosignatures of and this node does not."""
        kept = 0
        ours = self._service.newest_cosigned_sizes()
        for url in self._peers()[:1]:
            for size in await self._cosigned_sizes(url, ours):
                data = await self._get(url, f"/v1/checkpoints/{size}", NOTE_BYTES_MAX)
                kept += 1 if data is not None and self._keep(url, data) else 0
        return kept

    async def _cosigned_sizes(self, url: str, ours: dict[str, int]) -> list[int]:
        """The sizes the peer's GET /v1/witnesses names that are newer than this node's
        cosigned ones and synced here, newest first (at most one per witness)."""
        data = await self._get(url, "/v1/witnesses", WITNESSES_BYTES_MAX)
        try:
            value = None if data is None else decode(data)
            listed = read_list(value, "witnesses", max_items=256) if isinstance(value, dict) else []
        except ProtocolError:
            return []
        head, sizes = self._service.ledger.height + 1, set()
        for witness in listed:
            if not isinstance(witness, dict):
                continue
            size, name = witness.get("cosigned_size"), witness.get("name")
            newer = isinstance(size, int) and size > ours.get(str(name), 0)
            if newer and isinstance(size, int) and 0 < size <= head:
                sizes.add(size)
        return sorted(sizes, reverse=True)[:WITNESS_SIZES_MAX]

    async def _get(self, url: str, path: str, limit: int) -> bytes | None:
        try:
            status, data = await self._fetch(f"{url}{path}", limit)
        except (httpx.HTTPError, PeerAnswerError) as error:
            log.info("fetching %s from %s failed: %s", path, url, error)
            return None
        return data if status == 200 else None

    def _keep(self, url: str, data: bytes) -> bool:
        """Verify the note against this node's log, then keep its lines; False if refused."""
        checked = check_note(data, self._local())
        if isinstance(checked, CheckpointProblem):
            self._refused(url, checked)
            return False
        size, root = checked.checkpoint.size, checked.checkpoint.root_hash
        book, validators = self._service.checkpoints, self._service.ledger.validators_of_head()
        book.set_committed_root(size, root)
        for line in checked.validator_lines:
            # Verified above; the book checks each line again as it does a gossiped one.
            book.add(size=size, root=root, line=line.line(), validators=validators)
        for line in checked.witness_lines:
            try:
                self._service.add_cosignature(size, line.line().encode(), sender=url)
            except (CosignatureRefusedError, CheckpointUnknownError) as error:
                problem = CheckpointProblem(
                    refusal=Refusal.BAD_COSIGNATURE, size=size, detail=str(error)
                )
                self._refused(url, problem)
            except CosignatureThrottledError:
                # The witness is past its line budget here (node/cosignatures.py): not the
                # peer's fault. Its lines come again with a later note of this size.
                break
        self._service.metrics.checkpoints_followed.labels(outcome="kept").inc()
        return True

    def _local(self) -> LocalLog:
        cosignatures = self._service.cosignatures
        witnesses = None if cosignatures is None else cosignatures.witnesses
        return local_log(self._service.ledger, witnesses)

    def _refused(self, url: str, problem: CheckpointProblem) -> None:
        self._service.metrics.checkpoints_followed.labels(outcome=problem.refusal.value).inc()
        if problem.refusal is Refusal.NOT_SYNCED:
            return  # not a fault: the blocks come by block sync, then the note is asked again
        key = (url, problem.size, problem.refusal)
        if key in self._logged:
            return
        self._logged[key] = None
        while len(self._logged) > REFUSALS_REMEMBERED:
            self._logged.popitem(last=False)
        size = problem.size
        log.warning(
            "checkpoint of size %s from %s refused (%s): %s",
            size,
            url,
            problem.refusal.value,
            problem.detail[:300],
            extra={
                "peer": url,
                "size": size,
                "height": None if size is None else size - 1,
                "reason": problem.refusal.value,
            },
        )


def _claimed_size(data: bytes) -> int | None:
    """The size a note claims, unverified: only to choose which size to ask for."""
    try:
        return Checkpoint.parse(parse_signed_note(data).text).size
    except NoteError:
        return None
