"""node/runtime.py when the signer state cannot be written (a full disk under the node's
directory, an I/O error): nothing it signed but did not record may leave, ever.

The replica holds a vote as soon as the engine signs it; only the write of its signer state
makes it safe to send (DESIGN.md §4). A vote sent without that write is one a restart may
sign the other way: with n = 3 and q = 2 one such double vote can fork the chain.
"""

import asyncio
import errno
from collections.abc import Sequence
from pathlib import Path

from consensus import Action, message_from_json
from consensus.signer_state import SignedStep, may_sign
from node.peer_envelope import PeerKind
from node.runtime import NodeRuntime
from protocol.encoding import decode, encode
from protocol.votes import SignedVote, VoteType
from tests.unit.node.chain_kit import account_open
from tests.unit.node.runtime_kit import (
    TIMEOUTS,
    FakeClock,
    Router,
    give_work,
    heights,
    proposer_of,
    run_network,
    until,
)

RETRANSMITS_WAITED = 4
"""Retransmit intervals the victim is given after the failure to send what it holds."""


def _votes_sent(router: Router, runtime: NodeRuntime, since: int) -> list[SignedVote]:
    votes = []
    for sender, _, kind, body in router.sent[since:]:
        if sender != runtime.key.public_key or kind is not PeerKind.CONSENSUS:
            continue
        message = message_from_json(decode(encode(body)))
        if isinstance(message, SignedVote):
            votes.append(message)
    return votes


def test_a_vote_whose_signer_state_was_not_written_never_leaves(tmp_path: Path) -> None:
    async def scenario(runtimes: list[NodeRuntime], router: Router, clock: FakeClock) -> None:
        await until(lambda: heights(runtimes) == [1, 1, 1], "height 1 everywhere")
        proposer = proposer_of(runtimes, 2)
        victim, third = [r for r in runtimes if r is not proposer]
        # Without the third validator, height 2 needs the victim's votes (q = 2).
        router.cut.add(third.key.public_key)
        on_disk = victim.signer_file.load()
        assert on_disk is not None
        refused: list[int] = []

        def disk_full(writes: Sequence[Action]) -> None:
            refused.append(len(writes))
            raise OSError(errno.ENOSPC, "No space left on device")

        victim.signer_file.perform = disk_full  # type: ignore[method-assign]
        since = len(router.sent)
        for runtime in runtimes:
            give_work(runtime, account_open(1))
        await until(lambda: bool(refused), "the victim's signer state write refused")

        def unrecorded() -> list[SignedVote]:
            steps = {VoteType.PREVOTE: SignedStep.PREVOTE, VoteType.PRECOMMIT: SignedStep.PRECOMMIT}
            return [
                signed
                for signed in _votes_sent(router, victim, since)
                if may_sign(
                    on_disk,
                    signed.vote.height,
                    signed.vote.round,
                    steps[signed.vote.type],
                    signed.vote.block_hash,
                )
            ]

        loop = asyncio.get_running_loop()
        waited_until = loop.time() + RETRANSMITS_WAITED * TIMEOUTS.retransmit_ms / 1000
        await until(lambda: bool(unrecorded()) or loop.time() > waited_until, "a retransmit")
        assert unrecorded() == [], "votes left whose signer state is on no disk"
        assert victim.halted is not None and "signer state" in victim.halted

    run_network(tmp_path, scenario)
