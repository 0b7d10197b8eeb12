"""Starting the engine's replica at the ledger's head: at node start, and again after block
sync moved the ledger on or a commit failed (node/runtime.py queues what it returns).

Reads the ledger and the signer state file; the caller performs the returned actions.
"""

from consensus import Action, CommitMessage, EngineConfig, ReplicaState, start_replica
from consensus.signer_state import SignerState
from node.ledger import Ledger
from node.signer_file import SignerStateFile
from protocol.validators import ValidatorSet


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
    may name. The POL its signer state holds is checked first (SignerStateFile.pol_checked:
    a vote that does not hold is dropped and logged).
    """
    if signer_state is not None and signer_state.height == ledger.height + 1:
        # The POL of the height we resume (start_replica drops any other lock with it).
        signer_state = signer_file.pol_checked(
            signer_state, config.chain_id, validators, config.verify
        )
    stored = ledger.recent_commits(config.decisions_kept)
    return start_replica(
        config,
        height=ledger.height + 1,
        validators=validators,
        signer_state=signer_state,
        now_ms=now_ms,
        highest_reported_height=highest_reported_height,
        recent_commits={h: CommitMessage(certificate=c, payload=p) for h, (p, c) in stored.items()},
        held_payloads=signer_file.load_payloads(),
    )


def signed_so_far(signer: SignerState | None) -> str:
    """The restart-recovery line: what the persisted signer state says this key signed."""
    if signer is None:
        return "no signer state: signing nothing until a commit above the peers' heights"
    if signer.step is None:
        return "this key has signed nothing yet"
    locked = "" if signer.locked_block is None else f", locked in round {signer.locked_round}"
    return f"last signed {signer.step.value} at {signer.height}/{signer.round}{locked}"
