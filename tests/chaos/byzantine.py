"""n=4 with one Byzantine validator in its own namespace while partitions come and go.

The Byzantine validator is the hardening issue's process (`python -m
tests.adversary.byzantine DIR NAME`, scripted by one JSON command per stdin line, one JSON
answer per stdout line); here it runs inside its namespace with the node.toml the harness
wrote for that validator. Where that module is absent, the scenario is skipped.

The schedule is fixed: three splits, each honest validator cut off from the other two once,
the attacks of each split sent while it holds, then a heal that must commit again. Every
wait has a bound and says what it waited for, so the scenario's time is steady.
"""

import contextlib
import importlib.util
import os
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.adversary.byzantine_process import ByzantineProcess
from tests.chaos.cluster import REPO_ROOT, ChaosNet
from tests.chaos.load import Load
from tests.chaos.scenarios import Lengths, Record, Scenario, _top
from tests.integration.network import wait_for

MODULE = "tests.adversary.byzantine"
ANSWER_TIMEOUT_S = 60.0
"""The longest a command's answer may take (the double proposal waits up to its own
timeout_s inside the process, then for the honest prevotes)."""
START_TIMEOUT_S = 120.0
COMMIT_AGAIN_S = 60.0
"""After a heal, the honest validators and the observer pass the highest height seen."""
SLOT_WAIT_S = 40.0
"""Until the honest validators sit in round 0 of a height the Byzantine one proposes (every
fourth height; each time the honest ones wait out their 3 s propose timeout)."""
EVIDENCE_WAIT_S = 60.0
"""Until every honest validator recorded the evidence of every real equivocation."""
DOUBLE_PROPOSE_S = 10
"""The double proposal's own wait for its slot: it is asked once the slot has come."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Split:
    """The honest validator cut off from the other two (by index), and what the Byzantine
    one sends while the split holds; at_own_slot: split only once the honest validators
    wait in round 0 of a height the Byzantine validator proposes."""

    victim: int
    attacks: tuple[tuple[str, dict[str, Any]], ...]
    at_own_slot: bool = False


SCHEDULE: tuple[Split, ...] = (
    Split(
        victim=0,
        attacks=(("equivocate", {"vote_type": "prevote"}), ("checkpoint_equivocation", {})),
    ),
    Split(
        victim=1,
        attacks=(("flood", {"count": 200}), ("equivocate", {"vote_type": "precommit"})),
    ),
    Split(
        victim=2,
        attacks=(("double_propose", {"timeout_s": DOUBLE_PROPOSE_S}),),
        at_own_slot=True,
    ),
)
PROVES_OFFENCE = ("equivocate", "checkpoint_equivocation")
"""Attacks whose answer names evidence every honest validator must record."""


def available() -> bool:
    try:
        return importlib.util.find_spec(MODULE) is not None
    except ModuleNotFoundError:
        return False


class ByzantineInNamespace(ByzantineProcess):
    """The adversary tier's process, started inside the validator's namespace; call
    wait_started before scripting it (it may start while the honest nodes do)."""

    def __init__(self, net: ChaosNet, name: str) -> None:
        super().__init__(
            net.directory,
            name,
            launcher=("ip", "netns", "exec", net.hosts[name].namespace),
            log_file=f"{name}.byzantine.log",
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )


@dataclass(slots=True)
class _Progress:
    answers: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)
    """evidence hash hex -> the attack that produced it."""
    commit_again_s: list[float] = field(default_factory=list)


def byzantine_with_partitions(
    net: ChaosNet, load: Load, lengths: Lengths, byzantine: ByzantineInNamespace
) -> Record:
    """SCHEDULE under load: each split holds lengths.byzantine_hold_s after its attacks,
    then heals and the chain must commit again. The Byzantine validator is in neither group:
    it reaches both sides, the worst case for equivocation (each side can be shown a
    different vote or block). Every attack must be answered ok, and every real equivocation
    ends up recorded (same evidence, the Byzantine key as offender) on every honest node."""
    liar = byzantine.name
    progress = _Progress()
    with Scenario(net, load, "Byzantine validator, partitions come and go") as scenario:
        for number, split in enumerate(SCHEDULE, start=1):
            victim = net.validators[split.victim]
            label = f"split {number} ({victim} cut off)"
            if split.at_own_slot:
                _wait_own_slot(net, liar, label)
            others = [net.hosts[n] for n in net.validators if n != victim]
            net.fabric.split([[net.hosts[victim]], others])
            scenario.record.faults += 1
            try:
                for op, arguments in split.attacks:
                    _attack(byzantine, progress, label, op, arguments)
                    scenario.record.faults += 1
                time.sleep(lengths.byzantine_hold_s)
            finally:
                net.fabric.heal()
            progress.commit_again_s.append(_commit_again(net, label))
        scenario.record.notes |= {
            "attacks": progress.answers,
            "commit_again_s": progress.commit_again_s,
        }
        scenario.healed()
    offender = byzantine.hello["public_key"]
    scenario.record.notes["evidence_recorded"] = _wait_evidence(net, progress.evidence, offender)
    return scenario.record


def _attack(
    byzantine: ByzantineInNamespace,
    progress: _Progress,
    label: str,
    op: str,
    arguments: dict[str, Any],
) -> None:
    answer = byzantine.ask(op, answer_timeout_s=ANSWER_TIMEOUT_S, **arguments)
    progress.answers.append({"split": label, "op": op, "ok": answer.get("ok")})
    assert answer.get("ok") is True, f"{label}: the Byzantine process failed {op}: {answer}"
    if op in PROVES_OFFENCE:
        progress.evidence[str(answer["evidence_hash"])] = f"{op} {arguments} in {label}"
    if op == "double_propose":
        # Each honest prevote of that round reached the Byzantine validator (it reaches
        # both sides): the honest validators really were in the attacked round.
        prevotes = answer["honest_prevotes"]
        assert len(prevotes) == answer["validators"] - 1, f"{label}: prevotes seen {prevotes}"


def _wait_own_slot(net: ChaosNet, liar: str, label: str) -> None:
    def in_slot() -> bool:
        statuses = [net.status(name) for name in net.validators]
        heights = {status["height"] for status in statuses}
        return len(heights) == 1 and all(
            status["round"] == 0 and status["proposer"] == liar for status in statuses
        )

    wait_for(
        in_slot,
        SLOT_WAIT_S,
        f"before {label}: the honest validators at one height, in round 0 of a height "
        f"{liar} proposes",
    )


def _commit_again(net: ChaosNet, label: str) -> float:
    """Seconds from the heal until every node passed the highest height seen at the heal."""
    healed_at = time.monotonic()
    target = _top(net) + 1

    def reached() -> bool:
        return min(net.height(name) for name in net.names) >= target

    wait_for(reached, COMMIT_AGAIN_S, f"after {label} healed: {net.names} at height >= {target}")
    return round(time.monotonic() - healed_at, 1)


def _wait_evidence(net: ChaosNet, evidence: dict[str, str], offender: str) -> int:
    """Wait until every honest validator recorded every evidence hash (a pooled item starts
    a height of its own); each record names the Byzantine key. Returns how many."""
    assert evidence, "no attack produced evidence"
    missing: list[str] = []

    def recorded() -> dict[tuple[str, str], dict[str, Any]] | None:
        found = {
            (name, evidence_hash): _evidence_record(net, name, evidence_hash)
            for name in net.validators
            for evidence_hash in evidence
        }
        missing[:] = [
            f"{evidence_hash[:16]} ({evidence[evidence_hash]}) on {name}"
            for (name, evidence_hash), record in found.items()
            if record is None
        ]
        return None if missing else {key: r for key, r in found.items() if r is not None}

    try:
        found = wait_for(recorded, EVIDENCE_WAIT_S, "the equivocations recorded on every node")
    except AssertionError as error:
        raise AssertionError(f"{error}; not recorded: {missing}") from None
    wrong = {key: r["offender"] for key, r in found.items() if r["offender"] != offender}
    assert not wrong, f"evidence recorded against another key than {offender}: {wrong}"
    return len(evidence)


def _evidence_record(net: ChaosNet, name: str, evidence_hash: str) -> dict[str, Any] | None:
    with contextlib.suppress(httpx.HTTPError):
        response = net.get(name, f"/v1/evidence/{evidence_hash}")
        if response.status_code == 200:
            record: dict[str, Any] = response.json()
            return record
    return None
