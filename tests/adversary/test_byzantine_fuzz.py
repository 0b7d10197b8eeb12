"""Signed structural fuzzing of every peer message kind, against live honest nodes (hostile
pass of stop 51).

The Byzantine validator takes a valid body of each kind it can send (tests/adversary/
byzantine_fuzz.py KINDS), changes one field at a time (tests/adversary/fuzz_cases.py),
seals each case with its real key and posts it to every honest node; votes and proposals
also go re-signed over edge heights and rounds. After each batch the honest nodes still
commit a client tx and agree, none restarted, their resident memory and open files stay
bounded, every line of their logs is JSON, and no case was answered 5xx (a refused
envelope is a 202 with accepted false: node/api/routes/peer.py) or left unanswered.

Seeded: the cases and their order come from SEED alone (heights follow the live chain).
The CI case sends the first CI_CASES of them and the re-signed votes and proposals;
LANTAN_ADVERSARY_FULL=1 sends every case, in batches of FULL_BATCH_CASES.
"""

import json
import os
from pathlib import Path

import pytest

from node.net_processes import read_pid
from tests.adversary.conftest import AdversaryNet
from tests.adversary.honest import assert_agree, commit_client_tx, rss_mib

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("adversary", [3], indirect=True, ids=["n3"]),
]
NODE_TOML_EXTRA = f"peer_bytes_per_s = {1 << 30}\n"
"""The byte budget per sender (test_byzantine_budget.py) raised out of the way: a case it
answers 429 never reaches the code it fuzzes."""
SEED = 51
CI_CASES = 300
FULL_BATCH_CASES = 600
FUZZ_TIMEOUT_S = 600.0
FULL = os.environ.get("LANTAN_ADVERSARY_FULL") == "1"
RSS_GROWTH_MIB_MAX = 150
OPEN_FILES_GROWTH_MAX = 64


def _open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _snapshot(adversary: AdversaryNet) -> dict[str, tuple[int, int, int]]:
    """name -> (pid, RSS MiB, open files) of each honest node."""
    snapshot = {}
    for name in adversary.honest:
        pid = read_pid(adversary.net.directory / name)
        assert pid is not None, name
        snapshot[name] = (pid, rss_mib(adversary, name), _open_files(pid))
    return snapshot


def _assert_logs_json(adversary: AdversaryNet) -> None:
    for name in adversary.honest:
        path: Path = adversary.net.directory / name / "node.log"
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            try:
                json.loads(line)
            except ValueError:
                raise AssertionError(f"{name} node.log line {number}: {line[:300]!r}") from None


def _assert_still_sound(adversary: AdversaryNet, before: dict[str, tuple[int, int, int]]) -> None:
    commit_client_tx(adversary, "fuzz")
    assert_agree(adversary)
    after = _snapshot(adversary)
    for name, (pid, rss, files) in before.items():
        assert after[name][0] == pid, f"{name} restarted: pid {pid} -> {after[name][0]}"
        assert after[name][1] - rss <= RSS_GROWTH_MIB_MAX, (name, rss, after[name][1])
        assert after[name][2] - files <= OPEN_FILES_GROWTH_MAX, (name, files, after[name][2])
    _assert_logs_json(adversary)


def _fuzz(adversary: AdversaryNet, first: int, count: int) -> dict[str, int]:
    """Cases first to first + count of SEED's order, sent; returns the answer. The txs
    kind carries a tx of the Byzantine's own institution: the client txs' sender keeps
    its nonces (the fuzzed copies never commit)."""
    tx = adversary.builder.attest(adversary.byzantine.name, f"fuzz-{first}").to_json()
    answer = adversary.byzantine.command(
        "fuzz", seed=SEED, first=first, count=count, tx=tx, timeout_s=FUZZ_TIMEOUT_S
    )
    assert answer["failed_count"] == 0, answer["failed"]
    return answer


def _dropped(adversary: AdversaryNet) -> dict[str, tuple[float, float]]:
    """name -> envelopes dropped as malformed and as a bad body (opened, then refused)."""
    keys = [
        f'lantan_peer_messages_dropped_total{{reason="{r}"}}' for r in ("malformed", "bad_body")
    ]
    dropped = {}
    for name in adversary.honest:
        metrics = adversary.net.metrics(name)
        dropped[name] = (metrics.get(keys[0], 0.0), metrics.get(keys[1], 0.0))
    return dropped


def test_every_kind_fuzzed_leaves_honest_nodes_sound(adversary: AdversaryNet) -> None:
    before, dropped_before = _snapshot(adversary), _dropped(adversary)
    first, count = 0, FULL_BATCH_CASES if FULL else CI_CASES
    while True:
        answer = _fuzz(adversary, first, count)
        _assert_still_sound(adversary, before)
        # The cases got past the envelope's signature to the decoders they are aimed at.
        for name, (malformed, bad_body) in _dropped(adversary).items():
            assert malformed > dropped_before[name][0], name
            assert bad_body > dropped_before[name][1], name
        first += count
        if not FULL or first >= answer["total"]:
            return
