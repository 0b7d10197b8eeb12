"""n=4 with one Byzantine validator in its own namespace while partitions come and go.

The Byzantine validator is the hardening issue's process (`python -m
tests.adversary.byzantine DIR NAME`, scripted by one JSON command per stdin line, one JSON
answer per stdout line); here it runs inside its namespace with the node.toml the harness
wrote for that validator. Where that module is absent, the scenario is skipped.
"""

import importlib.util
import os
import time
from typing import Any

from tests.adversary.byzantine_process import ByzantineProcess
from tests.chaos.cluster import REPO_ROOT, ChaosNet
from tests.chaos.load import Load
from tests.chaos.scenarios import Lengths, Record, Scenario, _top

MODULE = "tests.adversary.byzantine"
ANSWER_TIMEOUT_S = 240.0
ATTACKS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("equivocate", {"vote_type": "prevote"}),
    ("flood", {"count": 200}),
    ("equivocate", {"vote_type": "precommit"}),
    ("checkpoint_equivocation", {}),
    ("double_propose", {"timeout_s": 30}),
)


def available() -> bool:
    try:
        return importlib.util.find_spec(MODULE) is not None
    except ModuleNotFoundError:
        return False


class ByzantineInNamespace(ByzantineProcess):
    """The adversary tier's process, started inside the validator's namespace."""

    def __init__(self, net: ChaosNet, name: str) -> None:
        super().__init__(
            net.directory,
            name,
            launcher=("ip", "netns", "exec", net.hosts[name].namespace),
            log_file=f"{name}.byzantine.log",
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        self.wait_started(ANSWER_TIMEOUT_S)


def byzantine_with_partitions(
    net: ChaosNet, load: Load, lengths: Lengths, byzantine: ByzantineInNamespace
) -> Record:
    """Each attack runs while one honest validator is cut off from the other honest ones,
    then the network heals and must commit again before the next one. The Byzantine
    validator is in neither group: it reaches both sides, the worst case for equivocation
    (each side can be shown a different vote or block)."""
    with Scenario(net, load, "Byzantine validator, partitions come and go") as scenario:
        answers = []
        for index, (op, arguments) in enumerate(ATTACKS):
            victim = net.validators[index % len(net.validators)]
            others = [net.hosts[n] for n in net.validators if n != victim]
            net.fabric.split([[net.hosts[victim]], others])
            scenario.record.faults += 2
            answer = byzantine.ask(op, answer_timeout_s=ANSWER_TIMEOUT_S, **arguments)
            answers.append({"op": op, "ok": answer.get("ok"), "error": answer.get("error")})
            time.sleep(lengths.split_s / 2)
            net.fabric.heal()
            net.wait_heights(net.names, _top(net) + 1, timeout_s=120)
        scenario.record.notes["attacks"] = answers
        scenario.healed()
    return scenario.record
