"""node/runtime.py: a restarted replica holds the decisions of its last stored heights, so a
peer stopped one block behind is pushed the block it missed (consensus/catchup.py). Before,
the decisions lived only in memory: the peer, one height behind (which block sync leaves to
consensus), and the restarted replicas, which no longer held the decision, waited on each
other forever (one run in five of the one-at-a-time restart test)."""

import asyncio
import logging
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from consensus import CommitMessage
from protocol.hashing import Hash32, sha256
from protocol.votes import SignedVote, Vote, VoteType, sign_vote
from tests.kit.signer_states import locked_with_pol
from tests.unit.node.chain_kit import VALIDATOR_KEYS, VALIDATOR_NAMES, build_and_commit
from tests.unit.node.runtime_kit import FakeClock, make_runtime


def test_a_restarted_replica_holds_its_last_decisions_to_push(tmp_path: Path) -> None:
    async def main() -> tuple[dict[int, CommitMessage], dict[int, bytes | None]]:
        runtime = make_runtime(tmp_path / VALIDATOR_NAMES[0], VALIDATOR_KEYS[0], FakeClock())
        hashes = {build_and_commit(runtime.ledger).block_hash for _ in range(3)}
        stored = {height: runtime.ledger.store.get_block(height) for height in (1, 2, 3)}
        try:
            await runtime.start()
            assert runtime.replica is not None and runtime.replica.height == 4
            decisions = dict(runtime.replica.decisions)
        finally:
            await runtime.stop()
            runtime.ledger.store.close()
        assert {d.certificate.block_hash for d in decisions.values()} == hashes
        return decisions, stored

    decisions, stored = asyncio.run(main())
    assert sorted(decisions) == [1, 2, 3]
    for height, decision in decisions.items():
        assert decision.certificate.height == height
        assert decision.payload == stored[height]  # the stored block, as it was decided


def test_a_fresh_chain_has_no_decisions_to_push(tmp_path: Path) -> None:
    async def main() -> int:
        runtime = make_runtime(tmp_path / VALIDATOR_NAMES[1], VALIDATOR_KEYS[1], FakeClock())
        try:
            await runtime.start()
            assert runtime.replica is not None
            return len(runtime.replica.decisions)
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    assert asyncio.run(main()) == 0


def test_a_restart_puts_back_the_pol_on_disk_and_drops_a_tampered_vote(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The signer state's POL re-enters the tally through start_at_head, checked like a
    peer's votes: a vote whose signature fails is dropped with a warning, the rest kept."""
    directory = tmp_path / VALIDATOR_NAMES[0]
    runtime = make_runtime(directory, VALIDATOR_KEYS[0], FakeClock())
    block = Hash32(sha256(b"a block none of them holds"))
    chain_id = runtime.ledger.chain_id
    vote = Vote(type=VoteType.PREVOTE, chain_id=chain_id, height=1, round=0, block_hash=block)
    good = tuple(sign_vote(vote, key) for key in VALIDATOR_KEYS[:2])
    forged = replace(sign_vote(vote, VALIDATOR_KEYS[2]), signature=good[0].signature)
    on_disk = locked_with_pol((*good, forged))
    runtime.signer_file.write(on_disk)

    async def main() -> tuple[tuple[SignedVote, ...], int]:
        try:
            await runtime.start()
            assert runtime.replica is not None and runtime.replica.height == 1
            return runtime.replica.signer.valid_pol, runtime.replica.votes.count(
                0, VoteType.PREVOTE, block
            )
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    with caplog.at_level(logging.WARNING, logger="lantan.replica_start"):
        kept, counted = asyncio.run(main())
    assert kept == good and counted == 2
    assert caplog.text.count("dropped a POL vote") == 1


def test_a_restart_verifies_each_pol_vote_once(tmp_path: Path) -> None:
    """The POL on disk is checked by start_replica alone: the node checked it too before
    (SignerStateFile.pol_checked), so each vote's signature was verified twice."""
    directory = tmp_path / VALIDATOR_NAMES[0]
    runtime = make_runtime(directory, VALIDATOR_KEYS[0], FakeClock())
    block = Hash32(sha256(b"a block none of them holds"))
    vote = Vote(
        type=VoteType.PREVOTE, chain_id=runtime.ledger.chain_id, height=1, round=0, block_hash=block
    )
    pol = tuple(sign_vote(vote, key) for key in VALIDATOR_KEYS[:3])
    runtime.signer_file.write(locked_with_pol(pol))
    verified: Counter[bytes] = Counter()
    verify = runtime.config.verify

    def counting(public_key: bytes, message: bytes, signature: bytes) -> bool:
        verified[signature] += 1
        return verify(public_key, message, signature)

    runtime.config = replace(runtime.config, verify=counting)

    async def main() -> tuple[SignedVote, ...]:
        try:
            await runtime.start()
            assert runtime.replica is not None and runtime.replica.height == 1
            return runtime.replica.signer.valid_pol
        finally:
            await runtime.stop()
            runtime.ledger.store.close()

    assert asyncio.run(main()) == pol
    assert {signed.signature: verified[signed.signature] for signed in pol} == {
        signed.signature: 1 for signed in pol
    }
