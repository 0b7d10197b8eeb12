"""One witness round: read each node's newest checkpoint, check it, persist, cosign, post.

The order is etcd's (DESIGN.md §2): the checkpoint about to be cosigned is written durably
as the witness's last cosigned checkpoint BEFORE any cosignature leaves, so a crash can
never let it cosign, after restart, a tree that does not extend one it already vouched for.
A refused checkpoint leaves an evidence file with both signed notes. File and HTTP I/O.
"""

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from client.api import NodeClient
from client.errors import NodeError, NodeRejectedError
from client.witness.check import Refusal, WitnessRefusedError, check_offered, checkpoint_of
from client.witness.node_reads import read_offered
from genesis.document import GenesisDocument
from genesis.durable import write_durably
from protocol.cosignature import cosign
from protocol.note import Checkpoint
from protocol.signing import SigningKey
from protocol.witnesses import Witness

INTERVAL_S_DEFAULT: Final = 5.0
"""Seconds between a witness's rounds unless --interval-s says otherwise (a node's 409
CHECKPOINT_PENDING suggests retrying after half of it)."""
STATE_FILE: Final = "last-cosigned.note"
"""The last checkpoint note this witness cosigned, as the node served it."""
EVIDENCE_PREFIX: Final = "evidence-"


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundOutcome:
    """What one round did at each node: cosigned sizes, refusals, unreachable nodes."""

    cosigned: tuple[int, ...]
    refused: tuple[str, ...]
    """One line per refusal (INVALID or INCONSISTENT), each naming its evidence file."""
    errors: tuple[str, ...]
    """Nodes that could not be read (not evidence: a down node proves nothing)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessIdentity:
    """The witness's genesis entry and its unlocked key."""

    witness: Witness
    key: SigningKey


def find_identity(document: GenesisDocument, key: SigningKey) -> WitnessIdentity | None:
    """The genesis witness whose public key is key's; None when genesis names no such
    witness (the caller says why, with the file it read)."""
    if document.witnesses is not None:
        for witness in document.witnesses.witnesses:
            if witness.public_key == key.public_key:
                return WitnessIdentity(witness=witness, key=key)
    return None


def run_round(
    nodes: Sequence[NodeClient],
    *,
    document: GenesisDocument,
    identity: WitnessIdentity,
    state_dir: Path,
    now_s: Callable[[], int] = lambda: int(time.time()),
) -> RoundOutcome:
    """Check and cosign each node's newest checkpoint in turn (a later node is checked
    against what an earlier one made this witness cosign)."""
    cosigned: list[int] = []
    refused: list[str] = []
    errors: list[str] = []
    for node in nodes:
        previous_note = read_state(state_dir)
        previous = None if previous_note is None else checkpoint_of(previous_note)
        try:
            offered = read_offered(node, previous)
        except NodeError as error:
            errors.append(str(error))
            continue
        try:
            checkpoint = check_offered(
                offered,
                chain_id=document.chain_id(),
                genesis_set=document.validators,
                previous=previous,
            )
        except WitnessRefusedError as error:
            if error.kind is not Refusal.STALE:
                evidence = write_evidence(state_dir, node.url, error, previous_note, offered.note)
                refused.append(f"{node.url}: {error} (evidence: {evidence})")
            continue
        write_durably(state_dir / STATE_FILE, offered.note.encode(), overwrite=True, mode=None)
        _post_everywhere(
            nodes,
            checkpoint,
            note=offered.note,
            identity=identity,
            timestamp_s=now_s(),
            errors=errors,
        )
        cosigned.append(checkpoint.size)
    return RoundOutcome(cosigned=tuple(cosigned), refused=tuple(refused), errors=tuple(errors))


def read_state(state_dir: Path) -> str | None:
    path = state_dir / STATE_FILE
    return path.read_text("utf-8") if path.exists() else None


def write_evidence(
    state_dir: Path,
    url: str,
    error: WitnessRefusedError,
    previous_note: str | None,
    offered_note: str,
) -> Path:
    """Both signed notes and why they conflict, kept durably for whoever must judge them."""
    record = {
        "refusal": error.kind.value,
        "detail": error.detail,
        "node": url,
        "last_cosigned_note": previous_note,
        "offered_note": offered_note,
    }
    # Milliseconds first so a listing sorts by time; a random part so that two refusals in
    # one millisecond (one per node) never collide.
    path = state_dir / f"{EVIDENCE_PREFIX}{int(time.time() * 1000)}-{secrets.token_hex(4)}.json"
    data = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    write_durably(path, data, overwrite=False, mode=None)
    return path


def _post_everywhere(
    nodes: Sequence[NodeClient],
    checkpoint: Checkpoint,
    *,
    note: str,
    identity: WitnessIdentity,
    timestamp_s: int,
    errors: list[str],
) -> None:
    text = checkpoint_of(note).body()
    assert text == checkpoint.body()
    line = cosign(text, identity.witness.name, identity.key, timestamp_s).note_signature().line()
    for node in nodes:
        try:
            node.post_text(f"/v1/checkpoints/{checkpoint.size}/cosignatures", line)
        except NodeRejectedError as error:
            # A node that lags (404) takes the line of a later round instead.
            if error.status_code != 404:
                errors.append(str(error))
        except NodeError as error:
            errors.append(str(error))
