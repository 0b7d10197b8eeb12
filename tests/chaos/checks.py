"""What must hold after every fault: nothing acknowledged is lost, nobody diverges.

After the network heals: every node (validators and observer) reaches one head (height,
head hash, state root); every tx in the ledger sits at the acknowledged height and index on
every node; the block hashes of every node agree at every height; and `lantan audit
--replay`, run from the observer's own namespace against every node, exits 0.
"""

import json
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

from genesis.network import GENESIS_FILE
from tests.chaos.cluster import OBSERVER, REPO_ROOT, ChaosNet
from tests.chaos.load import Ack
from tests.integration.network import wait_for

SYNC_TIMEOUT_S = 180.0
AUDIT_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    height: int
    recover_s: float
    """From the heal (the call) until every node is on one head."""
    acknowledged: int
    lost: list[str]
    """Acknowledged tx ids missing or elsewhere on some node: must be empty."""
    divergent_heights: list[int]
    audit_exit: int
    audit_findings: list[str]

    @property
    def clean(self) -> bool:
        return not self.lost and not self.divergent_heights and self.audit_exit == 0


def converge(net: ChaosNet, *, timeout_s: float = SYNC_TIMEOUT_S) -> tuple[int, float]:
    """Wait until every node is on one head that is past every validator's height at the
    call (so a stalled side has really caught up); returns (height, seconds it took)."""
    started = time.monotonic()

    def agreed() -> int | None:
        statuses = [net.status(name) for name in net.names]
        heads = {(s["height"], s["head_hash"], s["state_root"]) for s in statuses}
        return statuses[0]["height"] if len(heads) == 1 else None

    height = wait_for(agreed, timeout_s, f"{net.names} on one head")
    return height, time.monotonic() - started


def verify(net: ChaosNet, ledger: dict[str, Ack], *, recover_s: float, height: int) -> Verdict:
    lost = _misplaced(net, ledger)
    divergent = _divergent_heights(net, height)
    audit_exit, findings = audit_from_observer(net)
    return Verdict(
        height=height,
        recover_s=recover_s,
        acknowledged=len(ledger),
        lost=lost,
        divergent_heights=divergent,
        audit_exit=audit_exit,
        audit_findings=findings,
    )


def _misplaced(net: ChaosNet, ledger: dict[str, Ack]) -> list[str]:
    by_height: dict[int, list[Ack]] = defaultdict(list)
    for ack in ledger.values():
        by_height[ack.height].append(ack)
    misplaced: set[str] = set()
    for name in net.names:
        for height, acks in sorted(by_height.items()):
            results = net.block(name, height)["results"]
            ids = [result["tx_id"] for result in results]
            for ack in acks:
                if ack.index >= len(ids) or ids[ack.index] != ack.tx_id:
                    misplaced.add(ack.tx_id)
    return sorted(misplaced)


def _divergent_heights(net: ChaosNet, height: int) -> list[int]:
    hashes = {name: net.block_hashes(name, 1, height) for name in net.names}
    divergent = []
    for level in range(1, height + 1):
        if len({hashes[name].get(level) for name in net.names}) != 1:
            divergent.append(level)
    return divergent


def audit_from_observer(net: ChaosNet) -> tuple[int, list[str]]:
    """`lantan audit --replay --json` inside the observer's namespace, every node's URL."""
    urls = ",".join(net.url(name) for name in net.names)
    command = [
        "ip", "netns", "exec", net.hosts[OBSERVER].namespace,
        sys.executable, "-m", "client.cli.main", "audit", "--nodes", urls,
        "--genesis", str(net.directory / GENESIS_FILE), "--replay", "--json",
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=AUDIT_TIMEOUT_S, cwd=REPO_ROOT, check=False
    )
    findings: list[str] = []
    try:
        report = json.loads(done.stdout)
        findings = [f"{f.get('code')}@{f.get('height')}" for f in report.get("findings", [])]
        if "error" in report:  # the audit could not run: --json's failure document
            findings.append(str(report["error"]))
    except (ValueError, AttributeError):
        findings = [done.stdout[-300:] + done.stderr[-300:]]
    return done.returncode, findings
