"""Starting the engine's replica at the ledger's head: at node start, and again after block
sync moved the ledger on or a commit failed (node/runtime.py queues what it returns).

Reads the ledger and the signer state file; the caller performs the returned actions.
"""

import logging

from consensus import (
    Action,
    CommitMessage,
    EngineConfig,
    PolVoteDropped,
    ReplicaState,
    start_replica,
)
from consensus.signer_state import SignerState
from node.ledger import Ledger
from node.signer_file import SignerStateFile
from protocol.validators import ValidatorSet
from protocol.votes import SignedVote

log = logging.getLogger("lantan.replica_start")


def start_at_head(
    config: EngineConfig,
    ledger: Ledger,
    signer_file: SignerStateFile,
    *,
    validators: ValidatorSet,
    signer_state: SignerState | None,
    now_ms: int,
    highest_reported_height: int,
) -> tuple[ReplicaState, list[Action]]:
    """The replica for the height above the ledger's head, validators being its set.

    It gets the stored decisions of the last heights the engine keeps, so it can push them
    to a peer still working on one of them (a peer stopped one block behind had waited
    forever: block sync leaves that height to consensus), and the payloads its signer state
    may name. start_replica checks the POL its signer state holds, and is the only one
    that does; each vote it drops is logged here.
    """
    stored = ledger.recent_commits(config.decisions_kept)
    replica, actions = start_replica(
        config,
        height=ledger.height + 1,
        validators=validators,
        signer_state=signer_state,
        now_ms=now_ms,
        highest_reported_height=highest_reported_height,
        recent_commits={h: CommitMessage(certificate=c, payload=p) for h, (p, c) in stored.items()},
        held_payloads=signer_file.load_payloads(),
    )
    for action in actions:
        if isinstance(action, PolVoteDropped):
            _log_dropped(signer_file, action.vote)
    return replica, [a for a in actions if not isinstance(a, PolVoteDropped)]


def _log_dropped(signer_file: SignerStateFile, signed: SignedVote) -> None:
    """The file is trusted no more than a peer: a bad vote costs the POL, never the start."""
    log.warning(
        "%s: dropped a POL vote that does not hold (validator %s, height %d, round %d)",
        signer_file.path,
        signed.validator.hex()[:16],
        signed.vote.height,
        signed.vote.round,
    )


def signed_so_far(signer: SignerState | None) -> str:
    """The restart-recovery line: what the persisted signer state says this key signed."""
    if signer is None:
        return "no signer state: signing nothing until a commit above the peers' heights"
    if signer.step is None:
        return "this key has signed nothing yet"
    locked = "" if signer.locked_block is None else f", locked in round {signer.locked_round}"
    return f"last signed {signer.step.value} at {signer.height}/{signer.round}{locked}"
