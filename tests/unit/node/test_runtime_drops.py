"""node/runtime.py counts what a bound of the consensus engine dropped
(lantan_consensus_messages_dropped_total{reason}): an operator under a flood sees it. What
only a forged or hostile message makes the engine drop it also logs, naming the sender."""

import logging
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

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


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_bounds_drop_is_counted_without_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        replica = runtime.replica
        assert replica is not None
        far = replica.round + replica.config.round_window + 1
        vote = Vote(
            type=VoteType.PREVOTE,
            chain_id=CHAIN_ID,
            height=replica.height,
            round=far,
            block_hash=None,
        )
        sender = VALIDATOR_KEYS[1]
        runtime.submit(MessageReceived(sender=sender.public_key, message=sign_vote(vote, sender)))
        dropped = runtime.metrics.messages_dropped
        await until(lambda: by_reason(dropped)["outside_window"] == 1, "the drop counted")

    with caplog.at_level(logging.WARNING, logger="lantan.runtime"):
        run_single(tmp_path, body)
    assert _warnings(caplog) == []


def test_a_vote_forged_by_a_peer_is_counted_and_logged_naming_the_peer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A validator (VALIDATOR_KEYS[2]) seals a vote in another's name (VALIDATOR_KEYS[1])
    # with a signature that key never made: the hostile validator pass (h56 F3).
    sender = VALIDATOR_KEYS[2].public_key

    async def body(runtime: NodeRuntime) -> None:
        await runtime.start()
        replica = runtime.replica
        assert replica is not None
        vote = Vote(
            type=VoteType.PREVOTE,
            chain_id=CHAIN_ID,
            height=replica.height,
            round=0,
            block_hash=None,
        )
        forged = replace(sign_vote(vote, VALIDATOR_KEYS[1]), signature=bytes(64))
        runtime.submit(MessageReceived(sender=sender, message=forged))
        dropped = runtime.metrics.messages_dropped
        await until(lambda: by_reason(dropped)["bad_vote_signature"] == 1, "the drop counted")

    with caplog.at_level(logging.WARNING, logger="lantan.runtime"):
        run_single(tmp_path, body)
    assert _warnings(caplog) == [
        f"dropped consensus message (bad_vote_signature) of height 1 sent by peer "
        f"{sender.hex()[:16]}"
    ]
