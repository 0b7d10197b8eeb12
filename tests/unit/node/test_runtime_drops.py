"""node/runtime.py counts what a bound of the consensus engine dropped
(lantan_consensus_messages_dropped_total{reason}): an operator under a flood sees it."""

from collections import Counter
from pathlib import Path

from consensus import DropReason, MessageReceived
from node.runtime import NodeRuntime
from protocol.votes import Vote, VoteType, sign_vote
from tests.unit.node.chain_kit import CHAIN_ID, VALIDATOR_KEYS
from tests.unit.node.runtime_kit import by_reason, run_single, until


def test_every_reason_is_exported_at_zero_from_the_start(tmp_path: Path) -> None:
    async def body(runtime: NodeRuntime) -> None:
        assert by_reason(runtime.metrics.messages_dropped) == Counter(
            {reason.value: 0 for reason in DropReason}
        )

    run_single(tmp_path, body)


def test_messages_past_a_validators_share_of_the_next_heights_buffer_are_counted(
    tmp_path: Path,
) -> None:
    # One validator's distinct messages for the height after ours, past its share of the
    # buffer: each one past it drops its oldest, and the runtime counts each drop.
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        flooder = VALIDATOR_KEYS[1]
        replica = runtime.replica
        assert replica is not None
        share = replica.config.future_buffer_max // replica.validators.size
        for round_number in range(share + 3):
            vote = Vote(
                type=VoteType.PREVOTE,
                chain_id=CHAIN_ID,
                height=replica.height + 1,
                round=round_number,
                block_hash=None,
            )
            message = sign_vote(vote, flooder)
            runtime.submit(MessageReceived(sender=flooder.public_key, message=message))
        await until(
            lambda: by_reason(runtime.metrics.messages_dropped)["next_height_share"] == 3,
            "three drops counted",
        )
        assert sum(by_reason(runtime.metrics.messages_dropped).values()) == 3

    run_single(tmp_path, body)
