"""Catch-up: push recent commits to peers that are behind, ask peers that are ahead. Pure.

A replica learns a peer is behind from any message of a lower height and answers with the
certificates and payloads of the heights it missed (CommitMessage), which that peer can
check against its own validator set. Both directions are rate-limited per peer, resending
only after the retransmit interval, because a push may be lost before GST. Heights older
than the kept decisions need the node's block sync. A peer whose vote for the very block
just decided merely came late gets that decision's certificate alone (push_certificate).
"""

from dataclasses import replace

from consensus.actions import Action, Send
from consensus.messages import CertificatesMessage, StatusMessage
from consensus.state import ReplicaState
from protocol.signing import PublicKey


def push_commits(
    state: ReplicaState, peer: PublicKey, peer_height: int, out: list[Action]
) -> ReplicaState:
    """Send peer our decisions from peer_height on. Requires peer_height < state.height."""
    if peer == state.public_key:
        return state
    last = state.pushed.get(peer)
    if last is not None and last[0] == peer_height and state.now_ms < _resend_at(state, last[1]):
        return state
    end = min(peer_height + state.config.catchup_batch, state.height)
    sent = False
    for height in range(peer_height, end):
        decision = state.decisions.get(height)
        if decision is not None:
            out.append(Send(to=peer, message=decision))
            sent = True
    if not sent:
        return state
    return replace(state, pushed={**state.pushed, peer: (peer_height, state.now_ms)})


def push_certificate(state: ReplicaState, peer: PublicKey, out: list[Action]) -> ReplicaState:
    """Send a peer whose vote or proposal for the block we just decided came late that
    decision's certificate alone: it holds the block (it voted on it or proposed it) and
    commits it at once (intake.on_certificates). Pushing every late peer the block was ~20
    commits of ~1.5 MB from each validator per 20,000 txs under `lantan bench`
    (docs/PERFORMANCE.md); a peer that votes for another block still gets the whole commit.

    Not rate-limited: a late peer sends a few votes of a height, each costing it a
    signature and us its check, and the answer is one certificate."""
    decision = state.decisions.get(state.height - 1)
    if peer == state.public_key or decision is None:
        return state
    out.append(Send(to=peer, message=CertificatesMessage(certificates=(decision.certificate,))))
    return state


def ask_for_commits(state: ReplicaState, peer: PublicKey, out: list[Action]) -> ReplicaState:
    """Tell a peer that is ahead which height we are on, so it pushes commits to us."""
    if peer == state.public_key:
        return state
    last = state.asked.get(peer)
    if last is not None and last[0] == state.height and state.now_ms < _resend_at(state, last[1]):
        return state
    out.append(Send(to=peer, message=StatusMessage(height=state.height)))
    return replace(state, asked={**state.asked, peer: (state.height, state.now_ms)})


def _resend_at(state: ReplicaState, sent_ms: int) -> int:
    return sent_ms + state.config.timeouts.retransmit_ms
