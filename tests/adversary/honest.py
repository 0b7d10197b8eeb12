"""What the honest validators must keep doing through every attack (issue 10 acceptance).

They commit a client tx submitted during the attack, never disagree on a block, stay ready
(not halted), and record only evidence that proves a real offence on this chain.
"""

import argparse
import contextlib
import io
import itertools
import os
import threading
from pathlib import Path
from typing import Any

from client.cli.audit import register_audit
from genesis.network import GENESIS_FILE
from node.net_processes import read_pid
from protocol.evidence import ConflictingCheckpointEvidence, evidence_from_json
from protocol.hashing import Hash32
from protocol.lock_violation import LockViolationEvidence
from protocol.note import Checkpoint, checkpoint_origin, parse_signed_note
from tests.adversary.conftest import AdversaryNet
from tests.integration.network import LocalNet, wait_for
from tests.integration.txs import submit_to, wait_committed, wire

TX_SENDER = "xiangshan-county"
"""An honest institution (never the Byzantine validator) that sends the client txs."""
COMMIT_TIMEOUT_S = 30.0
_policy_numbers = itertools.count()


def commit_client_tx(adversary: AdversaryNet, label: str) -> int:
    """Submit one tx to every honest validator and wait until each has committed it;
    returns the height it committed at."""
    net, builder = adversary.net, adversary.builder
    signed = builder.attest(TX_SENDER, f"adversary-{label}-{next(_policy_numbers)}")
    answers = submit_to(net, adversary.honest, wire(signed))
    assert any(r.status_code == 202 for r in answers.values()), {
        name: r.text[:200] for name, r in answers.items()
    }
    heights = set()
    for name in adversary.honest:
        status = wait_committed(net, name, signed.tx_id, timeout_s=COMMIT_TIMEOUT_S)
        heights.add(int(status["height"]))
    assert len(heights) == 1, f"the tx committed at different heights: {heights}"
    return heights.pop()


def during_attack(adversary: AdversaryNet, label: str, op: str, **arguments: Any) -> Any:
    """Run one Byzantine command while a client tx is submitted and committed; returns the
    command's answer once both are done (the tx must commit while the attack goes on)."""
    failures: list[BaseException] = []

    def commit() -> None:
        try:
            commit_client_tx(adversary, label)
        except BaseException as error:  # re-raised in the test's thread below
            failures.append(error)

    adversary.byzantine.send(op, **arguments)
    committer = threading.Thread(target=commit, name=f"client-tx-{label}")
    committer.start()
    try:
        answer = adversary.byzantine.receive()
    finally:
        committer.join()
    if failures:
        raise failures[0]
    return answer


def commits_during(
    adversary: AdversaryNet, label: str, op: str, **arguments: Any
) -> tuple[Any, list[int]]:
    """Run one Byzantine command while client txs are committed one after another; its
    answer and the heights they committed at (an exception in a commit ends the commits
    and is raised once the command has answered)."""
    committed: list[int] = []
    failures: list[BaseException] = []
    attacking = threading.Event()
    attacking.set()

    def client() -> None:
        try:
            while attacking.is_set():
                committed.append(commit_client_tx(adversary, label))
        except BaseException as error:  # re-raised in the test's thread below
            failures.append(error)

    adversary.byzantine.send(op, **arguments)
    committer = threading.Thread(target=client, name=f"client-txs-{label}")
    committer.start()
    try:
        answer = adversary.byzantine.receive()
    finally:
        attacking.clear()
        committer.join()
    if failures:
        raise failures[0]
    return answer, committed


def assert_agree(adversary: AdversaryNet) -> int:
    """Every honest validator holds the same block hash at every height both hold; each is
    ready (not halted, no fork). Returns the lowest head height."""
    net, honest = adversary.net, adversary.honest
    heights = {name: net.height(name) for name in honest}
    last = min(heights.values())
    hashes = {name: net.block_hashes(name, 1, last) for name in honest}
    reference = hashes[honest[0]]
    assert sorted(reference) == list(range(1, last + 1)), f"{honest[0]} lacks blocks"
    for name in honest[1:]:
        differing = [h for h in reference if hashes[name].get(h) != reference[h]]
        assert not differing, f"{name} differs from {honest[0]} at heights {differing[:10]}"
    for name in honest:
        status = net.status(name)
        assert status.get("halted") is None, f"{name} halted: {status.get('halted')}"
        net.wait_ready(name, timeout_s=READY_WITHIN_S)
    return last


READY_WITHIN_S = 10.0
"""How long assert_agree waits for an honest node's /readyz: on a loaded box one may be
more than SYNC_LAG_ALLOWED blocks behind its peers for a moment, a lag readiness rightly
reports; one that stays not ready (halted, a fork, a hostile claim believed) fails."""


def wait_more_blocks(adversary: AdversaryNet, count: int) -> None:
    """Let count more heights commit (a client tx per height), so pooled evidence that a
    proposer would include has had its chance to land in a block."""
    for index in range(count):
        commit_client_tx(adversary, f"more-{index}")


def recorded_evidence(net: LocalNet, name: str) -> dict[str, dict[str, Any]]:
    """evidence_hash hex -> record, from every page of GET /v1/evidence."""
    records: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if cursor is not None:
            params["cursor"] = cursor
        page = net.get_json(name, "/v1/evidence", **params)
        for item in page["items"]:
            records[item["evidence_hash"]] = item
        cursor = page["next_cursor"]
        if cursor is None:
            return records


def assert_evidence_sound(adversary: AdversaryNet) -> dict[str, dict[str, Any]]:
    """The honest validators recorded the same evidence, and every item proves an offence
    on this chain: both statements verify, are this chain's, and conflict. Returns it."""
    net = adversary.net
    chain_id = net.chain_id

    def same_everywhere() -> dict[str, dict[str, Any]] | None:
        # One node may be a block behind the other for a moment: ask again until they agree.
        by_node = {name: recorded_evidence(net, name) for name in adversary.honest}
        first = by_node[adversary.honest[0]]
        return first if all(set(r) == set(first) for r in by_node.values()) else None

    reference = wait_for(same_everywhere, 15.0, "the same evidence on every honest node")
    for evidence_hash, record in reference.items():
        problem = _evidence_problem(record["evidence"], chain_id)
        assert problem is None, f"recorded evidence {evidence_hash[:16]} is bogus: {problem}"
    return reference


def _evidence_problem(value: Any, chain_id: Hash32) -> str | None:
    evidence = evidence_from_json(value)
    if isinstance(evidence, ConflictingCheckpointEvidence):
        origin = checkpoint_origin(chain_id)
        for note_text in (evidence.note_a, evidence.note_b):
            checkpoint = Checkpoint.parse(parse_signed_note(note_text).text)
            if checkpoint.origin != origin:
                return f"a note of another log: {checkpoint.origin[:80]}"
        return None
    if isinstance(evidence, LockViolationEvidence):
        signed_votes = (evidence.precommit, evidence.prevote, *evidence.window_prevotes)
    else:
        signed_votes = (evidence.vote_a, evidence.vote_b)
    for signed in signed_votes:
        if signed.vote.chain_id != chain_id:
            return f"a vote of chain {signed.vote.chain_id.hex()[:16]}"
    if not evidence.is_valid():
        return "a vote signature does not verify"
    return None


def assert_never_recorded(adversary: AdversaryNet, hashes: list[str]) -> None:
    for name in adversary.honest:
        recorded = set(recorded_evidence(adversary.net, name))
        found = sorted(h[:16] for h in recorded.intersection(hashes))
        assert not found, f"{name} recorded evidence it must refuse: {found}"


def wait_recorded(adversary: AdversaryNet, evidence_hash: str) -> None:
    """Wait until every honest validator has recorded the evidence (client txs keep
    heights coming meanwhile)."""

    def everywhere() -> bool:
        if all(
            evidence_hash in recorded_evidence(adversary.net, name) for name in adversary.honest
        ):
            return True
        commit_client_tx(adversary, "evidence-wait")
        return False

    wait_for(everywhere, 60.0, f"evidence {evidence_hash[:16]} recorded on every honest node")


def audit_text(adversary: AdversaryNet) -> tuple[int, str]:
    """`lantan audit` (in-process, human output) against the honest validators."""
    net = adversary.net
    parser = argparse.ArgumentParser(prog="lantan")
    register_audit(parser.add_subparsers(dest="group", required=True))
    nodes = ",".join(net.url(name) for name in adversary.honest)
    args = parser.parse_args(
        ["audit", "--nodes", nodes, "--genesis", str(net.directory / GENESIS_FILE)]
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = args.handler(args)
    return code, out.getvalue()


def assert_healthy(adversary: AdversaryNet) -> None:
    """/healthz answers on every honest validator."""
    for name in adversary.honest:
        assert adversary.net.get(name, "/healthz").status_code == 200, name


def rss_mib(adversary: AdversaryNet, name: str) -> int:
    """The honest node's resident memory (VmRSS of /proc/PID/status), in MiB."""
    pid = read_pid(adversary.net.directory / name)
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError(f"no VmRSS for {name}")


def cpu_s(adversary: AdversaryNet, name: str) -> float:
    """The honest node process's CPU time (user + system) since it started, in seconds."""
    pid = read_pid(adversary.net.directory / name)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
