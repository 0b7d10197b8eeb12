"""The consensus engine: step(state, event) -> (state, actions), and start_replica. Pure.

etcd-raft's shape (STYLE.md §2): no clocks, sockets or threads; the node feeds events and
performs the actions in order. If the signer state changed during a step, the first action
is PersistSignerState with its final value, so it reaches disk before any message signed
in that step leaves (DESIGN.md §4).
"""

from collections.abc import Mapping
from dataclasses import replace

from consensus.actions import (
    Action,
    Broadcast,
    PersistPayload,
    PersistSignerState,
    PolVoteDropped,
)
from consensus.casting import cast_proposal, cast_vote
from consensus.config import EngineConfig
from consensus.decision import enter_next_height
from consensus.events import (
    CommitApplied,
    Event,
    MessageReceived,
    ProposalSubmitted,
    ProposalValidated,
    Tick,
)
from consensus.intake import on_message
from consensus.messages import (
    CertificatesMessage,
    CommitMessage,
    Message,
    ProposalMessage,
    StatusMessage,
)
from consensus.rounds import fire_due_timeouts, start_round
from consensus.rules import apply_rules
from consensus.signer_state import (
    SignedStep,
    SignerState,
    initial_signer_state,
    pol_kept,
    without_lock,
)
from consensus.state import ReplicaState, Step
from consensus.votes_tally import VoteTally
from protocol.hashing import Hash32
from protocol.validators import ValidatorSet
from protocol.votes import SignedVote, VoteType


def step(state: ReplicaState, event: Event) -> tuple[ReplicaState, list[Action]]:
    """Apply one event. Pure: the same (state, event) always gives the same result."""
    out: list[Action] = []
    signer_before = state.signer
    state = _dispatch(state, event, out)
    state = apply_rules(state, out)
    return state, _with_persist_first(state, signer_before, out)


def _dispatch(state: ReplicaState, event: Event, out: list[Action]) -> ReplicaState:
    if isinstance(event, Tick):
        state = replace(state, now_ms=_tick_now(state, event))
        return _fire_timeouts(state, out)
    if isinstance(event, MessageReceived):
        return on_message(state, event, out)
    if isinstance(event, ProposalSubmitted):
        return _on_proposal_submitted(state, event, out)
    if isinstance(event, ProposalValidated):
        return _on_proposal_validated(state, event)
    assert isinstance(event, CommitApplied)
    return enter_next_height(state, event, out)


def signatures_carried(state: ReplicaState, event: Event) -> int:
    """How many signatures the event brings for step to verify: a received message's, or
    those of the next height's messages held back (state.future) that CommitApplied
    replays. The node steps an event carrying few on its event loop and one carrying many
    on its worker thread, where the Ed25519 work does not hold up the loop."""
    if isinstance(event, MessageReceived):
        return _message_signatures(event.message)
    if isinstance(event, CommitApplied):
        return sum(_message_signatures(held.message) for held in state.future)
    return 0


def _message_signatures(message: Message) -> int:
    if isinstance(message, SignedVote):
        return 1
    if isinstance(message, ProposalMessage):
        return 1 + len(message.pol_votes)
    if isinstance(message, CommitMessage):
        return len(message.certificate.signatures)
    if isinstance(message, CertificatesMessage):
        return len(message.votes) + sum(len(c.signatures) for c in message.certificates)
    return 0


def _tick_now(state: ReplicaState, tick: Tick) -> int:
    # A clock that steps backwards must not un-fire or re-order timeouts.
    return max(state.now_ms, tick.now_ms)


def _has_due_timeout(state: ReplicaState, now_ms: int) -> bool:
    return any(t.deadline_ms <= now_ms for t in state.timeouts)


def _fire_timeouts(state: ReplicaState, out: list[Action]) -> ReplicaState:
    # Rules run between timeouts: a fired timeout may enable a rule that a later timeout
    # of the same tick assumes has already run.
    while _has_due_timeout(state, state.now_ms):
        state = apply_rules(fire_due_timeouts(state, out), out)
    return state


def _on_proposal_submitted(
    state: ReplicaState, event: ProposalSubmitted, out: list[Action]
) -> ReplicaState:
    current = (event.height, event.round) == (state.height, state.round)
    if not (current and state.awaiting_proposal and state.step is Step.PROPOSE):
        return state
    if state.config.hash_payload(event.payload) != event.block_hash:
        return state
    state = replace(state, awaiting_proposal=False)
    return cast_proposal(state, event.block_hash, event.payload, -1, out)


def _on_proposal_validated(state: ReplicaState, event: ProposalValidated) -> ReplicaState:
    if event.height != state.height or event.block_hash not in state.validation_requested:
        return state
    return replace(state, validity={**state.validity, event.block_hash: event.valid})


def _with_persist_first(
    state: ReplicaState, signer_before: SignerState, out: list[Action]
) -> list[Action]:
    """Payloads the new lock or valid value names, then the signer state, then the rest.

    A change that only drops the lock and valid value of an earlier height (line 53, on
    entering the next height) is not written on its own: a restart reads the older state
    and start_replica drops the same fields, and the next write (before anything is
    signed at the new height) carries the drop. That saves an fsync per height on the
    way to the proposal.
    """
    if state.signer == signer_before or _only_drops_old_lock(signer_before, state):
        return out
    first: list[Action] = [
        PersistPayload(height=state.height, block_hash=block, payload=state.blocks[block])
        for block in sorted(held_blocks(state.signer) - held_blocks(signer_before))
    ]
    return [*first, PersistSignerState(signer_state=state.signer), *out]


def _only_drops_old_lock(before: SignerState, state: ReplicaState) -> bool:
    """The signer state changed from before only by dropping a lock and valid value that
    belong to a height below the replica's (what start_replica drops on a restart too)."""
    return state.signer == without_lock(before) and before.height < state.height


def held_blocks(signer: SignerState) -> frozenset[Hash32]:
    """The blocks whose payloads must be durable while this signer state is: lock and valid.

    Lines 36-43 lock only on a proposal we hold, so the payload is always in state.blocks
    when the signer state first names it (docs/adr/0010-persist-locked-payload.md).
    """
    return frozenset(b for b in (signer.locked_block, signer.valid_block) if b is not None)


def start_replica(
    config: EngineConfig,
    *,
    height: int,
    validators: ValidatorSet,
    signer_state: SignerState | None,
    now_ms: int,
    highest_reported_height: int = 0,
    recent_commits: Mapping[int, CommitMessage] | None = None,
    held_payloads: Mapping[Hash32, bytes] | None = None,
) -> tuple[ReplicaState, list[Action]]:
    """Start (or restart) at height, the node's last committed height + 1. Line 10.

    Without a signer state the replica casts nothing until it has seen a commit above
    highest_reported_height (the highest height any peer reported working on), i.e. it
    signs only from highest_reported_height + 2 on (DESIGN.md §4). recent_commits are the
    node's stored blocks and certificates of the last heights, to push to lagging peers.
    held_payloads are the payloads the node persisted on PersistPayload: the ones the
    resumed lock and valid value name are kept, so the replica can re-propose its valid
    value (line 16) and serve it to peers. The POL votes of the resumed valid value are
    checked once, here: each one that does not hold is dropped and reported
    (PolVoteDropped), for the node to log.
    """
    sign_from = 0
    if signer_state is None:
        signer_state, sign_from = initial_signer_state(), highest_reported_height + 2
    resumes = signer_state.height == height
    if not resumes:
        signer_state = without_lock(signer_state)
    signer_state, dropped = pol_kept(signer_state, config.chain_id, validators, config.verify)
    state = ReplicaState(
        config=config,
        height=height,
        round=0,
        step=Step.PROPOSE,
        validators=validators,
        signer=signer_state,
        now_ms=now_ms,
        sign_from_height=sign_from,
        decisions=_recent(recent_commits or {}, height, config.decisions_kept),
        blocks=_held(config, held_payloads or {}, held_blocks(signer_state)),
        own_votes_forgotten=_forgotten(signer_state, height),
        votes=_pol_tally(signer_state),
    )
    out: list[Action] = [PolVoteDropped(vote=signed) for signed in dropped]
    out.append(Broadcast(message=StatusMessage(height=height)))
    state = start_round(state, signer_state.round if resumes else 0, out)
    if resumes:
        state = _resend_last_vote(state, out)
    state = apply_rules(state, out)
    return state, _with_persist_first(state, signer_state, out)


def _pol_tally(signer: SignerState) -> VoteTally:
    """The tally a restart starts from: the POL of the valid value the signer state kept,
    so start_round re-proposes it with pol_round = valid_round (lines 15-16) and the
    others can take it at line 28."""
    tally = VoteTally()
    for signed in signer.valid_pol:
        tally, _ = tally.add(signed)
    return tally


def _forgotten(signer: SignerState, height: int) -> tuple[int, int] | None:
    """Rounds of height whose own votes a restart forgot: up to the last signed round, or
    all of them when the signer state is ahead of the ledger (restored data)."""
    if signer.height == height:
        return (height, signer.round)
    return (height, ROUND_FORGOTTEN_ALL) if signer.height > height else None


ROUND_FORGOTTEN_ALL = 1 << 53


def _recent(
    commits: Mapping[int, CommitMessage], height: int, kept: int
) -> dict[int, CommitMessage]:
    return {h: c for h, c in commits.items() if height - kept <= h < height}


def _held(
    config: EngineConfig, payloads: Mapping[Hash32, bytes], wanted: frozenset[Hash32]
) -> dict[Hash32, bytes]:
    """The reloaded payloads the signer state names and whose bytes hash right."""
    return {b: p for b, p in payloads.items() if b in wanted and config.hash_payload(p) == b}


def _resend_last_vote(state: ReplicaState, out: list[Action]) -> ReplicaState:
    """After a restart in the same round, sign our last vote again (identical bytes)."""
    signer = state.signer
    if signer.step is SignedStep.PREVOTE:
        state = cast_vote(state, VoteType.PREVOTE, signer.block_hash, out)
        return replace(state, step=Step.PREVOTE)
    if signer.step is SignedStep.PRECOMMIT:
        state = cast_vote(state, VoteType.PRECOMMIT, signer.block_hash, out)
        return replace(state, step=Step.PRECOMMIT)
    return state
