"""Stop 47's per-validator bounds, against live honest `lantan node` processes (they were
measured in the unit harness and the simulator only).

One Byzantine validator floods, validly signed, what each bound limits: late votes of the
height just decided over thousands of rounds (consensus/intake.py _check_late_vote), votes
of rounds far below a replica's (PAST_ROUNDS_PER_VALIDATOR), the next height's buffer
(_buffer_future), evidence against itself (node/evidence_pool.py offender_items_max), and
its recorded traffic replayed at a validator restarted by kill -9 (last: it restarts one).
Through each the honest nodes commit a client tx, stay ready and agree, their resident
memory stays within a generous bound, and the flood shows in their metrics (the envelopes
received, and each bound's own count of what it dropped, so a test fails if a bound is
removed, not only if memory grows); an honest validator's real equivocation, sent while
the pool is flooded, is recorded.

n=3 only: the round-far-below test needs one honest validator stopped with the chain able
to go on once it returns, and one network keeps the module within its share of the tier.
"""

import functools
import os

import httpx
import pytest

from consensus import DropReason
from node.runtime_settings import RuntimeSettings
from tests.adversary.conftest import AdversaryNet
from tests.adversary.honest import (
    TX_SENDER,
    assert_agree,
    assert_evidence_sound,
    commit_client_tx,
    cpu_s,
    during_attack,
    rss_mib,
    wait_recorded,
)
from tests.integration.network import wait_for
from tests.integration.txs import submit_to, wire

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("adversary", [3], indirect=True, ids=["n3"]),
]
NODE_TOML_EXTRA = f"peer_bytes_per_s = {1 << 30}\n"
"""The byte budget per sender (test_byzantine_budget.py) raised out of the way: each test
here floods past it to reach the bound it tests, which must see the whole flood."""
LATE_VOTES = 3000
LOW_ROUND_PROPOSALS = 8
LOW_ROUND_PAYLOAD_KIB = 3 * 1024
"""8 blocks of 3 MiB, each counted as a stale-proposal drop: a replica that kept any of
them counts fewer (the count, not the RSS bound, is what catches one kept)."""
NEXT_HEIGHT_MESSAGES = 600
NEXT_HEIGHT_PAYLOAD_KIB = 256
SELF_EVIDENCE = 600
LEAD_ROUND = 1000
"""The round the Byzantine leads a lone honest replica to (within the round window)."""
LOW_ROUND_VOTES = 2 * LEAD_ROUND
"""A prevote and a precommit for each round below the lone replica's (low_round_votes)."""
OLD_PRECOMMIT_BEHIND = 3
OLD_PRECOMMIT_EVIDENCE = 'lantan_old_precommits_total{outcome="evidence"}'
REPLAY_S = 8.0
LISTEN_S = 60.0
RSS_GROWTH_MIB_MAX = 150
"""Generous: measured, each flood grew a node of ~76 MiB by 0 to 3 MiB."""
OFFENDER_ITEMS_MAX = RuntimeSettings().evidence_offender_max


def _rss(adversary: AdversaryNet) -> dict[str, int]:
    return {name: rss_mib(adversary, name) for name in adversary.honest}


def _assert_rss_bounded(adversary: AdversaryNet, before: dict[str, int]) -> None:
    grown = {name: rss_mib(adversary, name) - before[name] for name in adversary.honest}
    assert max(grown.values()) <= RSS_GROWTH_MIB_MAX, grown


def _counter(adversary: AdversaryNet, name: str, key: str) -> float:
    return adversary.net.metrics(name).get(key, 0.0)


RECEIVED_CONSENSUS = 'lantan_peer_messages_received_total{kind="consensus"}'
DROP_WAIT_S = 30.0
"""The node takes a post (202) before its consensus loop steps the message."""


def _dropped_key(reason: DropReason) -> str:
    return f'lantan_consensus_messages_dropped_total{{reason="{reason.value}"}}'


def _drops(adversary: AdversaryNet, reason: DropReason, names: list[str]) -> dict[str, float]:
    return {name: _counter(adversary, name, _dropped_key(reason)) for name in names}


def _assert_drops_rose(
    adversary: AdversaryNet, reason: DropReason, before: dict[str, float]
) -> dict[str, float]:
    """Each node in before counted drops for reason since: the bound fired there. Returns
    how many each counted (waited for: the loop may still be stepping the flood)."""

    def rose() -> dict[str, float] | None:
        now = _drops(adversary, reason, list(before))
        grown = {name: now[name] - before[name] for name in before}
        return grown if min(grown.values()) > 0 else None

    return wait_for(rose, DROP_WAIT_S, f"{reason.value} drops counted on {list(before)}")


def _assert_every_proposal_dropped(adversary: AdversaryNet, name: str, before: float) -> None:
    """Each of the LOW_ROUND_PROPOSALS sent was dropped as stale, none stored."""

    def counted() -> float | None:
        grown = _counter(adversary, name, _dropped_key(DropReason.STALE_PROPOSAL)) - before
        return grown if grown >= LOW_ROUND_PROPOSALS else None

    assert wait_for(counted, DROP_WAIT_S, f"{LOW_ROUND_PROPOSALS} stale drops on {name}") == (
        LOW_ROUND_PROPOSALS
    )


def _assert_flood_counted(
    adversary: AdversaryNet, received_before: dict[str, float], answer: dict[str, object]
) -> None:
    """Every post was taken (202) and each honest node counted the envelopes it accepted."""
    sent = int(str(answer["sent"]))
    assert answer["answers"] == {"202": sent * len(adversary.honest)}, answer
    for name in adversary.honest:
        counted = _counter(adversary, name, RECEIVED_CONSENSUS) - received_before[name]
        assert counted >= sent, (name, counted, sent)


def test_late_votes_of_the_decided_height(adversary: AdversaryNet) -> None:
    """Votes of the height just decided, each for a new round: a tx commits meanwhile."""
    before = _rss(adversary)
    received = {n: _counter(adversary, n, RECEIVED_CONSENSUS) for n in adversary.honest}
    height = max(adversary.net.height(name) for name in adversary.honest)
    dropped = _drops(adversary, DropReason.LATE_VOTE_BUDGET, adversary.honest)
    answer = during_attack(adversary, "late-votes", "late_votes", count=LATE_VOTES)
    _assert_flood_counted(adversary, received, answer)
    _assert_drops_rose(adversary, DropReason.LATE_VOTE_BUDGET, dropped)
    assert assert_agree(adversary) > height
    _assert_rss_bounded(adversary, before)


def test_a_full_next_height_buffer_from_one_key(adversary: AdversaryNet) -> None:
    """Proposals (256 KiB each) and votes for the next height, far more than the whole
    buffer holds, renewed as the heights go: the others' next proposal and votes still get
    in, and the buffered payloads stay within the Byzantine's share."""
    before = _rss(adversary)
    received = {n: _counter(adversary, n, RECEIVED_CONSENSUS) for n in adversary.honest}
    height = max(adversary.net.height(name) for name in adversary.honest)
    dropped = _drops(adversary, DropReason.NEXT_HEIGHT_SHARE, adversary.honest)
    answer = during_attack(
        adversary,
        "next-height",
        "next_height_flood",
        count=NEXT_HEIGHT_MESSAGES,
        payload_kib=NEXT_HEIGHT_PAYLOAD_KIB,
    )
    _assert_flood_counted(adversary, received, answer)
    _assert_drops_rose(adversary, DropReason.NEXT_HEIGHT_SHARE, dropped)
    commit_client_tx(adversary, "after-next-height")
    assert assert_agree(adversary) > height
    _assert_rss_bounded(adversary, before)


def test_evidence_against_itself_leaves_room_for_another(adversary: AdversaryNet) -> None:
    """Hundreds of real offences of its own, each valid evidence: the pool keeps its share
    (offender_share_full counted, never pool_full), and an equivocation signed with an
    honest validator's key, sent in the middle of the flood, is recorded on every node."""
    byzantine = adversary.byzantine
    before = _rss(adversary)
    during_attack(adversary, "self-evidence", "self_evidence", count=SELF_EVIDENCE)
    other = byzantine.command("foreign_equivocation", name=adversary.honest[0])
    during_attack(adversary, "self-evidence-2", "self_evidence", count=SELF_EVIDENCE // 2)
    wait_recorded(adversary, other["evidence_hash"])
    recorded = assert_evidence_sound(adversary)
    assert recorded[other["evidence_hash"]]["offender"] == other["offender"]
    for name in adversary.honest:
        metrics = adversary.net.metrics(name)
        share_full = metrics.get('lantan_evidence_refused_total{reason="offender_share_full"}', 0.0)
        assert share_full > 0, (name, "no evidence refused for the offender's share")
        assert metrics.get('lantan_evidence_refused_total{reason="pool_full"}', 0.0) == 0, name
        assert metrics["lantan_evidence_pending"] <= OFFENDER_ITEMS_MAX + 1, name
    assert_agree(adversary)
    _assert_rss_bounded(adversary, before)


def test_a_second_precommit_for_an_old_height_is_recorded(adversary: AdversaryNet) -> None:
    """A precommit signed with an honest validator's key (its key run twice, say) for a
    height three below the head, conflicting with its precommit in that height's
    certificate: each honest node forms the evidence from its stored certificate, and it is
    recorded (before stop 50 such a vote was dropped as old and nobody was named)."""
    name = adversary.honest[-1]
    adversary.net.wait_heights(adversary.honest, OLD_PRECOMMIT_BEHIND + 2)
    sent = adversary.byzantine.command("old_precommit", name=name, behind=OLD_PRECOMMIT_BEHIND)
    wait_recorded(adversary, sent["evidence_hash"])
    recorded = assert_evidence_sound(adversary)
    assert recorded[sent["evidence_hash"]]["offender"] == adversary.builder.keys.public(name).hex()
    formed = [_counter(adversary, n, OLD_PRECOMMIT_EVIDENCE) for n in adversary.honest]
    assert min(formed) >= 1, formed
    assert_agree(adversary)


def _round_of(adversary: AdversaryNet, name: str, at_least: int) -> int | None:
    round_number = adversary.net.status(name)["round"]
    return round_number if round_number is not None and round_number >= at_least else None


def test_votes_of_rounds_far_below(adversary: AdversaryNet) -> None:
    """One honest validator stopped: the Byzantine leads the other one, alone, a thousand
    rounds up (rounds.catch_up follows a lone validator ahead), then sends it votes for
    every round below and its own proposals of 3 MiB blocks for rounds below. It keeps
    four rounds of the votes and none of the blocks, stays within its memory bound, and
    once the stopped validator is back the two decide the height and go on."""
    net, byzantine = adversary.net, adversary.byzantine
    lone, stopped = adversary.honest
    net.kill(stopped)
    byzantine.command("status_head")  # counted reachable: the lone one's rounds go on
    try:
        height = net.height(lone) + 1
        # Work for the height, so the lone replica runs its rounds (idle, it waits).
        signed = adversary.builder.attest(TX_SENDER, "far-below-start")
        assert submit_to(net, [lone], wire(signed))[lone].status_code == 202

        def led() -> int | None:
            target = byzantine.command("lead_round", peer=lone, height=height, round=LEAD_ROUND)
            return _round_of(adversary, lone, int(target["round"]))

        top = wait_for(led, 60.0, f"{lone} led to round {LEAD_ROUND}")
        before = {lone: rss_mib(adversary, lone)}
        received = _counter(adversary, lone, RECEIVED_CONSENSUS)
        past = _drops(adversary, DropReason.PAST_ROUND_BUDGET, [lone])
        stale = _drops(adversary, DropReason.STALE_PROPOSAL, [lone])
        answer = byzantine.command(
            "low_round_votes", peer=lone, height=height, top_round=top, count=LOW_ROUND_VOTES
        )
        assert answer["answers"] == {"202": LOW_ROUND_VOTES}, answer
        assert _counter(adversary, lone, RECEIVED_CONSENSUS) - received >= LOW_ROUND_VOTES
        proposals = byzantine.command(
            "low_round_proposals",
            peer=lone,
            height=height,
            top_round=top,
            count=LOW_ROUND_PROPOSALS,
            payload_kib=LOW_ROUND_PAYLOAD_KIB,
        )
        assert proposals["answers"] == {"202": LOW_ROUND_PROPOSALS}, proposals
        _assert_drops_rose(adversary, DropReason.PAST_ROUND_BUDGET, past)
        _assert_every_proposal_dropped(adversary, lone, stale[lone])
        assert net.status(lone)["round"] >= top
        assert net.get(lone, "/healthz").status_code == 200
        grown = rss_mib(adversary, lone) - before[lone]
        assert grown <= RSS_GROWTH_MIB_MAX, grown
    finally:
        byzantine.command("status_mode", mode="none")
        net.start(stopped)
    net.wait_ready(stopped)
    net.wait_heights(adversary.honest, height, timeout_s=60.0)
    commit_client_tx(adversary, "after-low-rounds")
    assert assert_agree(adversary) >= height


def test_a_restarted_validator_catches_up_through_a_replay_of_old_traffic(
    adversary: AdversaryNet,
) -> None:
    """What the honest nodes sent the Byzantine (proposals, votes, checkpoint lines, tx
    announcements; their signatures untouched) and its own earlier envelopes, sent again and
    again to a validator restarted by kill -9, from the moment it listens, on eight
    connections: it catches up and commits, applies nothing twice (one head and state root
    on every honest node), records no evidence that proves nothing, answers no 5xx, and its
    memory stays bounded (CPU printed beside the load). Each replayed checkpoint line cost an
    Ed25519 check and a LevelDB write, and each replayed compact proposal of its head asked
    the Byzantine for that block, before stop 52 (the unit tests of both)."""
    net = adversary.net
    restarted, other = adversary.honest
    reference_mib = rss_mib(adversary, other)
    net.kill(restarted)
    net.start(restarted)
    wait_for(functools.partial(_listening, adversary, restarted), LISTEN_S, f"{restarted} up")
    before_s = {name: cpu_s(adversary, name) for name in adversary.honest}
    answer = during_attack(
        adversary, "replay-restart", "replay_at", peer=restarted, seconds=REPLAY_S
    )
    spent_s = {name: cpu_s(adversary, name) - before_s[name] for name in adversary.honest}
    rss = {name: rss_mib(adversary, name) for name in adversary.honest}
    print(
        f"replay: {answer['sent']} posts {answer['answers']} of {answer['kinds']} in"
        f" {REPLAY_S:.0f} s; cpu {spent_s} s; rss {rss} MiB; load {os.getloadavg()[0]:.1f}"
    )
    assert set(answer["answers"]) == {"202"}, answer["answers"]
    commit_client_tx(adversary, "after-replay")
    assert_agree(adversary)
    net.wait_synced(adversary.honest)
    assert_evidence_sound(adversary)
    assert max(rss.values()) - reference_mib <= RSS_GROWTH_MIB_MAX, (reference_mib, rss)


def _listening(adversary: AdversaryNet, name: str) -> bool:
    try:
        return adversary.net.get(name, "/healthz").status_code == 200
    except httpx.HTTPError:
        return False
