"""One Byzantine validator against honest `lantan node` processes (issue 10 acceptance).

n=3 (the two honest validators form q=2) and n=4 (the court as fourth validator, q=3):
the Byzantine process holds a real validator key and sends, in sequence, every attack of
issue 10 Deliver 2. Through each one the honest validators commit a client tx submitted
during the attack, never disagree on a block, stay ready, and record only sound evidence;
the real equivocation is recorded and shows in /v1/evidence and in `lantan audit`.

Tests run in file order on one network per n and leave it running; the attacks that carry
bogus evidence (the flood includes some) come last because on the unfixed code they freeze
the chain (issue 10 finding 1), and every later test then fails on its client tx.
"""

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from node.net_processes import read_pid
from tests.adversary.conftest import AdversaryNet
from tests.adversary.honest import (
    READY_WITHIN_S,
    assert_agree,
    assert_evidence_sound,
    assert_healthy,
    assert_never_recorded,
    audit_text,
    during_attack,
    recorded_evidence,
    wait_more_blocks,
    wait_recorded,
)
from tests.integration.network import wait_for

pytestmark = pytest.mark.slow
NETWORK_PER_PARAM = True
"""One network per parameter (n3, n4): under xdist they run side by side (tests/conftest.py)."""
PEER_ENVELOPE_BYTES_MAX = 8 * 1024 * 1024
"""Issue 10 Deliver 4: no peer envelope above 8 MiB is read, signed or not."""
OVERSIZED_MIB = [9, 60]
FLOOD_MESSAGES = 2000
BLOCKS_FOR_POOLED_EVIDENCE = 2
RESTART_READY_S = 20.0
"""A restarted validator is ready within this while a peer drips its ranges (the body
deadline alone, 30 s, held it before)."""


def test_real_equivocation_is_recorded(adversary: AdversaryNet) -> None:
    """Two conflicting prevotes, then two conflicting precommits, then two checkpoint
    signatures over different roots for one size, all really signed: each honest node sees
    both statements, proves the offence, and the chain records each offence once."""
    byzantine = adversary.byzantine
    hashes: list[str] = []
    for vote_type in ("prevote", "precommit"):
        answer = during_attack(adversary, vote_type, "equivocate", vote_type=vote_type)
        hashes.append(answer["evidence_hash"])
    hashes.append(
        during_attack(adversary, "checkpoint", "checkpoint_equivocation")["evidence_hash"]
    )
    for evidence_hash in hashes:
        wait_recorded(adversary, evidence_hash)
    recorded = assert_evidence_sound(adversary)
    offender = byzantine.hello["public_key"]
    for evidence_hash in hashes:
        assert recorded[evidence_hash]["offender"] == offender
    assert_agree(adversary)


def test_audit_shows_recorded_equivocation(adversary: AdversaryNet) -> None:
    """`lantan audit` over the honest validators is clean and names every recorded offence
    (at least the first 16 hex digits of its evidence hash) and its offender."""
    recorded = assert_evidence_sound(adversary)
    assert recorded, "no evidence recorded (the equivocation test runs first)"
    code, text = audit_text(adversary)
    assert code == 0, text
    for evidence_hash in recorded:
        assert evidence_hash[:16] in text, f"audit does not show evidence {evidence_hash[:16]}"
    assert adversary.byzantine.name in text, "audit does not name the offender"


def test_two_proposals_in_one_round(adversary: AdversaryNet) -> None:
    """As round-0 proposer the Byzantine sends two valid blocks; the honest nodes each get
    another one first. They still agree on one block at that height and go on."""
    answer = during_attack(adversary, "double-proposal", "double_propose", timeout_s=30)
    height = int(answer["height"])
    # The honest prevotes of that round, as the Byzantine process received them: every
    # honest validator took one of the two blocks (the attack reached it, and it is valid).
    prevotes = answer["honest_prevotes"]
    assert len(prevotes) == len(adversary.honest), prevotes
    assert set(prevotes.values()) <= set(answer["blocks"]), (prevotes, answer["blocks"])
    adversary.net.wait_heights(adversary.honest, height)
    assert assert_agree(adversary) >= height
    assert_evidence_sound(adversary)


def test_votes_for_far_future_heights_and_rounds(adversary: AdversaryNet) -> None:
    before = max(adversary.net.height(name) for name in adversary.honest)
    during_attack(adversary, "future-votes", "future_votes")
    last = assert_agree(adversary)
    assert last < before + 100, "a far-future vote moved the honest nodes' height"
    assert_evidence_sound(adversary)


def test_replayed_messages(adversary: AdversaryNet) -> None:
    """Honest validators' own captured messages and the Byzantine's earlier ones, sent
    again to every honest node, plus old-height votes re-signed now."""
    answer = during_attack(adversary, "replay", "replay")
    assert answer["captured"] > 0, "the Byzantine process captured no honest message"
    assert_agree(adversary)
    assert_evidence_sound(adversary)


def test_garbage_truncated_and_oversized_envelopes(adversary: AdversaryNet) -> None:
    answer = during_attack(adversary, "garbage", "garbage", oversized_mib=OVERSIZED_MIB)
    answers: dict[str, dict[str, Any]] = answer["answers"]
    wrong = []
    for label, by_node in answers.items():
        for name, status in by_node.items():
            if label.startswith("oversized_"):
                # Refused by size (413), or the connection is cut before it is read whole.
                refused = status == 413 or isinstance(status, str)
            else:
                refused = isinstance(status, int) and status < 500
            if not refused:
                wrong.append((label, name, status))
    assert not wrong, f"answered (message, node, status): {wrong}"
    assert_healthy(adversary)
    assert_agree(adversary)
    assert_evidence_sound(adversary)


def test_cross_chain_evidence_is_never_recorded(adversary: AdversaryNet) -> None:
    """Duplicate votes really signed, but for another chain_id; conflicting checkpoints whose
    second note has another chain's origin (issue 10 finding 6)."""
    _send_bogus_evidence(adversary, "cross_chain_votes", "cross_chain_checkpoint")


def test_stale_evidence(adversary: AdversaryNet) -> None:
    """Evidence already recorded, sent again, and an offence at height 1: the chain never
    tries to record anything twice (that would make the proposer's block invalid)."""
    recorded = recorded_evidence(adversary.net, adversary.honest[0])
    bodies = [record["evidence"] for record in recorded.values()]
    during_attack(adversary, "stale-evidence", "stale_evidence", recorded=bodies)
    wait_more_blocks(adversary, BLOCKS_FOR_POOLED_EVIDENCE)
    assert_agree(adversary)
    assert_evidence_sound(adversary)


def test_proposed_block_with_bogus_evidence_is_refused(adversary: AdversaryNet) -> None:
    """As round-0 proposer the Byzantine proposes (and votes for) a block whose evidence is
    another chain's votes and another chain's checkpoint note, both signed with its real key.
    No honest validator prevotes it, so it never commits, even with the Byzantine's votes."""
    answer = during_attack(adversary, "bogus-block", "propose_bogus_evidence", timeout_s=30)
    prevotes = answer["honest_prevotes"]
    assert len(prevotes) == len(adversary.honest), prevotes
    assert answer["block"] not in prevotes.values(), f"honest prevotes for the block: {prevotes}"
    wait_more_blocks(adversary, BLOCKS_FOR_POOLED_EVIDENCE)
    assert_never_recorded(adversary, answer["hashes"])
    assert_agree(adversary)
    assert_evidence_sound(adversary)


def test_bounded_flood(adversary: AdversaryNet) -> None:
    """A few thousand messages (valid votes over many rounds, bogus evidence, garbage,
    status spam) while a client tx is submitted: it commits during the flood."""
    answer = during_attack(adversary, "flood", "flood", count=FLOOD_MESSAGES)
    assert answer["sent"] == FLOOD_MESSAGES
    assert_healthy(adversary)
    wait_more_blocks(adversary, BLOCKS_FOR_POOLED_EVIDENCE)
    assert_agree(adversary)
    assert_evidence_sound(adversary)


def test_a_dripping_status_stalls_no_restart(adversary: AdversaryNet) -> None:
    """Its /v1/status answered a byte a second: every honest node's block sync waited on it
    (httpx bounds each read, not the answer), and an honest validator restarted meanwhile
    never finished its first catch-up, never started consensus, and the chain stopped. Now
    the restarted validator is ready again and the chain goes on while it drips."""
    adversary.byzantine.command("status_mode", mode="drip")
    try:
        restarted = adversary.honest[0]
        adversary.net.kill(restarted)
        adversary.net.start(restarted)
        adversary.net.wait_ready(restarted)
        wait_more_blocks(adversary, 2)
        assert_agree(adversary)
    finally:
        adversary.byzantine.command("status_mode", mode="none")


def test_a_height_it_cannot_back_holds_nothing_up(adversary: AdversaryNet) -> None:
    """Its /v1/status claimed a height a million blocks ahead and it served no block: every
    honest node started a verifying process twice a second (22 a node, load 62) and said it
    was not ready for as long as the claim stood. Now they stay ready, start no process, and
    commit."""
    before = {name: _children(adversary, name) for name in adversary.honest}
    adversary.byzantine.command("status_mode", mode="ahead")
    try:
        wait_more_blocks(adversary, 2)
        for name in adversary.honest:
            # Ready within a few seconds, not at the instant asked: on a loaded box an honest
            # node may be a block or two behind its peers for a moment (a lag readiness
            # rightly reports); the claim used to keep it "syncing" as long as it stood.
            adversary.net.wait_ready(name, timeout_s=READY_WITHIN_S)
            started = _children(adversary, name) - before[name]
            assert not started, (name, started)  # no verifying process
        assert_agree(adversary)
    finally:
        adversary.byzantine.command("status_mode", mode="none")


def test_a_range_dripped_at_a_restart_holds_it_up_briefly(adversary: AdversaryNet) -> None:
    """Its /v1/status claimed a few blocks above the honest head and every range it served
    dripped: a restarted validator asks the highest peer first, and waited for it the whole
    body deadline (30 s) before it asked the honest one and started consensus, the chain
    stopped meanwhile. Now the drip is cut within seconds."""
    head = max(adversary.net.height(name) for name in adversary.honest)
    adversary.byzantine.command("status_mode", mode="drip-range", height=head)
    try:
        restarted = adversary.honest[0]
        adversary.net.kill(restarted)
        adversary.net.start(restarted)
        started = time.monotonic()
        adversary.net.wait_ready(restarted)
        took_s = time.monotonic() - started
        wait_more_blocks(adversary, 2)
        assert_agree(adversary)
    finally:
        adversary.byzantine.command("status_mode", mode="none")
    assert took_s < RESTART_READY_S, f"ready {took_s:.1f} s after its start"


def _children(adversary: AdversaryNet, name: str) -> set[int]:
    """The pids of the node's child processes (any thread's), from /proc."""
    pid = read_pid(adversary.net.directory / name)
    assert pid is not None, f"{name} is not running"
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def test_announced_ids_it_never_serves_stall_nothing(adversary: AdversaryNet) -> None:
    """40,000 tx ids announced to each honest node (twice its table's share for one peer)
    and never served, requests for ids nobody holds, malformed id lists: each envelope is
    answered 202, a client tx commits meanwhile, and the chain goes on."""
    answer = during_attack(adversary, "announce-flood", "announce_flood", messages=12)
    assert set(answer["answers"]) == {"202"}, answer["answers"]
    assert_healthy(adversary)
    wait_more_blocks(adversary, 2)
    assert_agree(adversary)


def test_bogus_evidence_is_never_recorded(adversary: AdversaryNet) -> None:
    """Duplicate-vote evidence with zero-byte or garbage signatures, and evidence framing an
    honest validator: sent once in a validly signed envelope it froze the proposer
    (issue 10 finding 1). Now it is refused and the chain goes on."""
    _send_bogus_evidence(adversary, "zero_signatures", "garbage_signatures", "framed_honest")


def test_unsigned_evidence_is_never_recorded(adversary: AdversaryNet) -> None:
    """Evidence with empty or missing vote signatures, and real evidence in envelopes with a
    zero or missing envelope signature."""
    during_attack(adversary, "unsigned", "bogus_evidence", variant="unsigned")
    hashes = during_attack(adversary, "unsigned-envelope", "unsigned_envelope")["hashes"]
    _never_recorded_and_chain_whole(adversary, hashes)


def _send_bogus_evidence(adversary: AdversaryNet, *variants: str) -> None:
    """Each variant of bogus evidence in turn; none is recorded and the chain goes on."""
    hashes: list[str] = []
    for variant in variants:
        hashes += during_attack(adversary, variant, "bogus_evidence", variant=variant)["hashes"]
    _never_recorded_and_chain_whole(adversary, hashes)


def _never_recorded_and_chain_whole(adversary: AdversaryNet, hashes: list[str]) -> None:
    """Once the pool had blocks enough to propose it, no node recorded any of hashes, the
    honest nodes agree, and every recorded evidence is sound."""
    wait_more_blocks(adversary, BLOCKS_FOR_POOLED_EVIDENCE)
    assert_never_recorded(adversary, hashes)
    assert_agree(adversary)
    assert_evidence_sound(adversary)


CAUGHT_UP_S = 60.0
"""From the start of a validator without data to the honest head: its start (~10 s on a
loaded box) and a catch-up of ~4 s (~29 s through the slow peer, before stop 50)."""
SLOW_RANGES_MAX = 3
CATCH_UP_BLOCKS = 12


def test_a_range_served_slowly_a_block_at_a_time_holds_no_catch_up(
    adversary: AdversaryNet,
) -> None:
    """Its /v1/status claims a few blocks above the honest head and every range it serves
    is sound but slow: one block, after SLOW_RANGE_S (under every deadline). A validator
    whose data is gone asks the highest peer first and, each answer being sound, kept
    asking it, a block every ~2.4 s (two asked at a time). Now a range short of the height
    its server claims (and of the byte bound) puts that server after the others."""
    if adversary.validator_count == 4 and os.environ.get("LANTAN_ADVERSARY_FULL") != "1":
        # The rule is the syncing node's, alike at n=4: the tier is over its time budget.
        pytest.skip("n=3 only unless LANTAN_ADVERSARY_FULL=1")
    restarted = adversary.honest[0]
    other = adversary.honest[1]
    adversary.net.wait_heights(adversary.honest, CATCH_UP_BLOCKS)
    adversary.net.kill(restarted)
    shutil.rmtree(adversary.net.directory / restarted / "data")
    head = adversary.net.height(other)
    adversary.byzantine.command("status_mode", mode="slow-range", height=head)
    try:
        adversary.net.start(restarted)
        started = time.monotonic()
        wait_for(
            lambda: adversary.net.height(restarted) >= head or None,
            CAUGHT_UP_S,
            f"{restarted} caught up to {head}",
        )
        took_s = time.monotonic() - started
    finally:
        answer = adversary.byzantine.command("status_mode", mode="none")
    served = int(answer["ranges_served"])
    print(f"{restarted}: {head} blocks caught up in {took_s:.1f} s; {served} ranges from it")
    # One range and the one fetched ahead of it, then the honest peer first: before, a
    # range per block (12 of 12, ~2.4 s each).
    assert served <= SLOW_RANGES_MAX, served
    wait_more_blocks(adversary, 2)
    assert_agree(adversary)
