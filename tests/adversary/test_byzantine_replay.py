"""A Byzantine validator replays its recorded traffic at an honest validator just restarted.

What the honest nodes sent it (their proposals, votes, checkpoint lines and tx
announcements, signatures untouched) and its own earlier envelopes, sent again and again
to the validator restarted by kill -9, from the moment it listens, as fast as eight
connections go: the restarted node catches up, commits a client tx, applies nothing twice
(every honest node holds the same blocks, head and state root), records no evidence that
proves nothing, answers no 5xx, and its memory stays bounded (CPU printed beside the load).
Each replayed checkpoint line cost an Ed25519 check and a LevelDB write on the event loop
before stop 52 (tests/unit/node/test_checkpoints.py). n=3 only: the rule is the receiving
node's, alike at n=4.
"""

import functools
import os

import httpx
import pytest

from tests.adversary.conftest import AdversaryNet
from tests.adversary.honest import (
    assert_agree,
    assert_evidence_sound,
    commit_client_tx,
    cpu_s,
    during_attack,
    rss_mib,
)
from tests.integration.network import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("adversary", [3], indirect=True, ids=["n3"]),
]
RECORDED_HEIGHTS = 4
"""Heights committed with a client tx each before the restart: the traffic replayed."""
REPLAY_S = 8.0
RSS_MIB_MAX = 400
LISTEN_S = 60.0


def _listening(adversary: AdversaryNet, name: str) -> bool:
    try:
        return adversary.net.get(name, "/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def test_a_restarted_validator_catches_up_through_a_replay_of_old_traffic(
    adversary: AdversaryNet,
) -> None:
    for index in range(RECORDED_HEIGHTS):
        commit_client_tx(adversary, f"recorded-{index}")
    restarted = adversary.honest[0]
    adversary.net.kill(restarted)
    adversary.net.start(restarted)
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
    # Opened, or refused past the sender's byte budget: never a server error.
    assert set(answer["answers"]) <= {"202", "429"}, answer["answers"]
    commit_client_tx(adversary, "after-replay")
    assert_agree(adversary)
    adversary.net.wait_synced(adversary.honest)  # one head and state root: nothing re-applied
    assert_evidence_sound(adversary)
    assert max(rss.values()) < RSS_MIB_MAX, rss
