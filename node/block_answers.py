"""How often one peer is sent one block in answer to its asks (no I/O).

The engine answers asks with blocks: a status or a vote naming an old height with up to
catchup_batch commits from there (consensus/catchup.py push_commits, which holds back a
repeat only for the same height), a BlockRequest with the whole proposal or payload
(consensus/intake.py). Each ask is a few hundred bytes and one signature check; each answer
is a block encoded and signed on the event loop. A Byzantine validator naming each of the
last 15 heights in turn got ~2,500 commits (690 MB) out of two honest nodes in 10 s. A peer
is now sent a given block at most once per ANSWER_INTERVAL_S: what an honest laggard needs
(each block once; asked again a round later), never more than the blocks this node holds.
"""

from consensus import BlockPayload, CommitMessage, Message, ProposalMessage
from protocol.hashing import Hash32
from protocol.signing import PublicKey

ANSWER_INTERVAL_S = 1.0
TRACKED_MAX = 1024
"""(peer, block) pairs remembered: peers are validators and blocks the ones this node holds
(decisions_kept decisions and a height's proposals), far fewer; the bound only guards it."""


def answered_block(message: Message) -> Hash32 | None:
    """The block a message to one peer carries whole, or None for the other kinds."""
    if isinstance(message, CommitMessage):
        return message.certificate.block_hash
    if isinstance(message, ProposalMessage):
        return message.signed.proposal.block_hash
    if isinstance(message, BlockPayload):
        return message.block_hash
    return None


class BlockAnswers:
    """When each block was last sent to each peer; whether it may be sent again now."""

    def __init__(self, interval_s: float = ANSWER_INTERVAL_S) -> None:
        self._interval_s = interval_s
        self._sent: dict[tuple[PublicKey, Hash32], float] = {}
        self.held = 0
        """Answers not sent because the same block went to the same peer just before."""

    def allow(self, to: PublicKey, message: Message, now_s: float) -> bool:
        """True (and remembered) unless message carries a block sent to `to` less than
        interval_s ago."""
        block = answered_block(message)
        if block is None:
            return True
        key = (to, block)
        last = self._sent.get(key)
        if last is not None and now_s - last < self._interval_s:
            self.held += 1
            return False
        if len(self._sent) >= TRACKED_MAX:
            self._sent = {k: t for k, t in self._sent.items() if now_s - t < self._interval_s}
            if len(self._sent) >= TRACKED_MAX:
                self._sent.clear()
        self._sent[key] = now_s
        return True
