"""The chaos scenarios: each injects its faults under steady load, heals, then verifies.

Every scenario returns a Record (faults, txs acknowledged, lost, divergent heights, time to
recover, RSS and LevelDB size of every node before and after). `Lengths` holds the fault
durations: the issue's (`FULL`) or the scaled ones of `scripts/chaos --quick` (`QUICK`),
which must fit 4 minutes with two networks on a shared 2-core box.
"""

import contextlib
import os
import random
import signal
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from tests.chaos import disk
from tests.chaos.checks import converge, verify
from tests.chaos.cluster import ChaosNet
from tests.chaos.load import Load
from tests.integration.network import wait_for

FILLER = "filler"
LOAD_FLOWS_S = 30.0
"""How long a scenario may wait for its load's first acknowledged tx before the fault."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Lengths:
    isolate_s: float
    split_s: float
    sigstop_s: float
    skew_s: float
    disk_full_s: float
    kills: int
    delay_loss_s: float
    skew_offsets_s: tuple[int, ...]
    """Clock offsets a validator restarts under in turn. The quick run keeps the two that
    lie far outside the drift bound, where proposals are refused; each restart under
    libfaketime costs ~20 s on a loaded box."""
    byzantine_hold_s: float
    """How long each split of the Byzantine scenario holds after its attacks were sent (the
    round timeouts of both sides fire meanwhile)."""
    kill_all_rounds: int
    """Times every validator is killed at once and restarted (tests/chaos/churn.py); 0:
    not in this run."""
    flap_s: float
    """How long partitions flap (tests/chaos/churn.py); 0: not in this run."""
    long_partition_heights: int
    """Heights the others commit while one validator is cut off, before the heal
    (tests/chaos/recovery.py); 0: not in this run. The same 0 leaves out the other
    recovery.py scenarios (flip_s, catch_up_heights, rolling_rounds)."""
    flip_s: float
    catch_up_heights: int
    sync_server_down_s: float
    rolling_rounds: int
    clock_jump_s: float
    """How long one validator's wall clock stays an hour back after jumping there while it
    runs (tests/chaos/churn.py); 0: not in this run."""


FULL = Lengths(
    isolate_s=30,
    split_s=30,
    sigstop_s=20,
    skew_s=20,
    disk_full_s=20,
    kills=20,
    delay_loss_s=60,
    skew_offsets_s=(5, -5, 300, -300),
    byzantine_hold_s=15,
    kill_all_rounds=10,
    flap_s=60,
    long_partition_heights=300,
    flip_s=60,
    catch_up_heights=80,
    sync_server_down_s=8,
    rolling_rounds=3,
    clock_jump_s=30,
)
QUICK = Lengths(
    isolate_s=10,
    split_s=12,
    sigstop_s=8,
    skew_s=5,
    disk_full_s=6,
    kills=3,
    delay_loss_s=20,
    skew_offsets_s=(300, -300),
    byzantine_hold_s=3,
    kill_all_rounds=0,
    flap_s=0,
    long_partition_heights=0,
    flip_s=0,
    catch_up_heights=0,
    sync_server_down_s=0,
    rolling_rounds=0,
    clock_jump_s=0,
)


@dataclass(slots=True)
class Record:
    name: str
    faults: int = 0
    acknowledged: int = 0
    lost: int = 0
    divergent: int = 0
    recover_s: float = 0.0
    audit_exit: int = -1
    audit_findings: list[str] = field(default_factory=list)
    rss_kib_before: dict[str, int] = field(default_factory=dict)
    rss_kib_after: dict[str, int] = field(default_factory=dict)
    leveldb_bytes_before: dict[str, int] = field(default_factory=dict)
    leveldb_bytes_after: dict[str, int] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.divergent == 0 and self.audit_exit == 0

    def to_json(self) -> dict[str, Any]:
        """Every field, in field order, with the seconds rounded to tenths."""
        rounded = {"recover_s": round(self.recover_s, 1), "wall_s": round(self.wall_s, 1)}
        return asdict(self) | rounded


class Scenario:
    """One scenario's bookkeeping around the load and the checks."""

    def __init__(self, net: ChaosNet, load: Load, name: str, *, rate_per_s: float = 0) -> None:
        self.net, self.load = net, load
        self.record = Record(name=name)
        self.rate_per_s = rate_per_s
        self._started = 0.0
        self._acked_before = 0
        self._given_up_before = 0
        self._refused_before: Counter[str] = Counter()

    def __enter__(self) -> "Scenario":
        """Start the load; return once it flows (a tx of this scenario acknowledged), so the
        fault hits txs in flight. The record counts the acknowledgements from then on."""
        self._started = time.monotonic()
        self.record.rss_kib_before = {n: self.net.rss_kib(n) for n in self.net.names}
        self.record.leveldb_bytes_before = {n: self.net.data_bytes(n) for n in self.net.names}
        before = self.load.stats.acknowledged
        self._given_up_before = len(self.load.stats.given_up_txs)
        self._refused_before = Counter(self.load.stats.refused)
        self.load.start(self.rate_per_s)
        wait_for(
            lambda: self.load.stats.acknowledged > before,
            LOAD_FLOWS_S,
            f"{self.record.name}: a tx of the load acknowledged before the fault",
        )
        self._acked_before = self.load.stats.acknowledged
        return self

    def __exit__(self, *exc: object) -> None:
        self.load.stop()

    def healed(self) -> None:
        """Call right after the last fault is lifted: measures the recovery, then checks."""
        heal = time.monotonic()
        target = max(self._heights().values(), default=0) + 1
        with contextlib.suppress(AssertionError):
            self.net.wait_heights(self.net.names, target, timeout_s=180)
        self.record.recover_s = time.monotonic() - heal
        self.load.stop()
        height, _ = converge(self.net)
        verdict = verify(
            self.net, self.load.stats.ledger, recover_s=self.record.recover_s, height=height
        )
        self.record.acknowledged = self.load.stats.acknowledged - self._acked_before
        self.record.lost = len(verdict.lost)
        self.record.divergent = len(verdict.divergent_heights)
        self.record.audit_exit = verdict.audit_exit
        self.record.audit_findings = verdict.audit_findings[:10]
        self.record.notes["height"] = height
        self.record.notes["unacknowledged"] = self.load.stats.unacknowledged_since(
            self._given_up_before, self._refused_before
        )
        self.record.notes["ledger_total"] = verdict.acknowledged
        self.record.rss_kib_after = {n: self.net.rss_kib(n) for n in self.net.names}
        self.record.leveldb_bytes_after = {n: self.net.data_bytes(n) for n in self.net.names}
        self.record.wall_s = time.monotonic() - self._started

    def _heights(self) -> dict[str, int]:
        heights = {}
        for name in self.net.names:
            with contextlib.suppress(httpx.HTTPError, AssertionError):
                heights[name] = self.net.height(name)
        return heights


def _height_or_none(net: ChaosNet, name: str) -> int | None:
    with contextlib.suppress(httpx.HTTPError, AssertionError):
        return net.height(name)
    return None


def _round_or_none(net: ChaosNet, name: str) -> int | None:
    with contextlib.suppress(httpx.HTTPError, AssertionError):
        value = net.status(name)["round"]
        return None if value is None else int(value)
    return None


def isolate_proposer(net: ChaosNet, load: Load, lengths: Lengths) -> Record:
    with Scenario(net, load, "isolate the proposer") as scenario:
        victim = net.proposer()
        others = [n for n in net.validators if n != victim]
        before = {n: net.height(n) for n in net.validators}
        net.fabric.isolate(net.hosts[victim])
        scenario.record.faults += 1
        time.sleep(lengths.isolate_s)
        during = {n: _height_or_none(net, n) for n in net.validators}
        net.fabric.heal()
        scenario.record.notes |= {
            "victim": victim,
            "others_advanced": min((during[n] or 0) - before[n] for n in others),
        }
        scenario.healed()
    return scenario.record


def split(net: ChaosNet, load: Load, lengths: Lengths, groups: list[list[str]]) -> Record:
    label = "|".join(str(len(group)) for group in groups)
    with Scenario(net, load, f"split {label}") as scenario:
        net.fabric.split([[net.hosts[n] for n in group] for group in groups])
        scenario.record.faults += 1
        time.sleep(1.0)  # a certificate already in flight may still land
        start = {n: _height_or_none(net, n) for n in net.validators}
        time.sleep(lengths.split_s)
        end = {n: _height_or_none(net, n) for n in net.validators}
        rounds = {n: _round_or_none(net, n) for n in net.validators}
        net.fabric.heal()
        quorum = int(net.status(net.validators[0])["quorum"])
        advanced = {
            "+".join(group): min((end[n] or 0) - (start[n] or 0) for n in group) for group in groups
        }
        scenario.record.notes |= {
            "quorum": quorum,
            "advanced_per_side": advanced,
            "rounds_at_heal": rounds,
        }
        scenario.healed()
    for group in groups:
        side = "+".join(group)
        if len(group) < quorum:
            assert advanced[side] == 0, f"side {side} without a quorum committed"
    return scenario.record


def sigstop(net: ChaosNet, load: Load, lengths: Lengths) -> Record:
    with Scenario(net, load, "SIGSTOP one validator") as scenario:
        victim = net.validators[-1]
        pid = net.pid(victim)
        os.kill(pid, signal.SIGSTOP)
        scenario.record.faults += 1
        try:
            time.sleep(lengths.sigstop_s)
        finally:
            os.kill(pid, signal.SIGCONT)
        scenario.record.notes["victim"] = victim
        scenario.healed()
    return scenario.record


def clock_skew(net: ChaosNet, load: Load, lengths: Lengths, offsets_s: tuple[int, ...]) -> Record:
    """Restart one validator under libfaketime with its wall clock off by each offset in turn
    (held skew_s each), then with the true clock; one verification at the end."""
    label = ", ".join(f"{offset:+d} s" for offset in offsets_s)
    with Scenario(net, load, f"clock skew {label}") as scenario:
        victim = net.validators[0]
        per_offset: dict[str, Any] = {}
        try:
            for offset in offsets_s:
                # kill -9, not a clean stop: faster, and a host whose clock jumps may well crash.
                net.kill(victim)
                rejected_before = _log_count(net, "ms ahead")
                net.start(victim, clock_offset_s=offset)
                scenario.record.faults += 1
                net.wait_ready(victim, timeout_s=120)
                before = _top(net)
                time.sleep(lengths.skew_s)
                after = _top(net)
                victim_height = _height_or_none(net, victim)
                per_offset[f"{offset:+d}"] = {
                    "heights_during_skew": after - before,
                    "victim_height_lag": None if victim_height is None else after - victim_height,
                    "proposals_rejected_as_ahead": _log_count(net, "ms ahead") - rejected_before,
                }
        finally:
            # Back to the true clock even when a wait above failed: a victim left under
            # libfaketime is a slow node, and every later scenario on this network failed
            # with it (stop 48's quick run at load average ~25).
            net.kill(victim)
            net.start(victim)
        net.wait_ready(victim, timeout_s=120)
        scenario.record.notes |= {"victim": victim, "per_offset": per_offset}
        scenario.healed()
    halted = [offset for offset, seen in per_offset.items() if seen["heights_during_skew"] <= 0]
    assert not halted, f"the chain halted under clock skew {halted}"
    return scenario.record


def _top(net: ChaosNet) -> int:
    """The highest height any validator reports (a skewed or stopped one may not answer)."""
    return max((h for n in net.validators if (h := _height_or_none(net, n)) is not None), default=0)


def _log_count(net: ChaosNet, needle: str) -> int:
    count = 0
    for name in net.validators:
        path = net.directory / name / "node.log"
        with contextlib.suppress(OSError):
            count += path.read_text(errors="replace").count(needle)
    return count


def full_disk(
    net: ChaosNet, load: Load, lengths: Lengths, victim: str, *, whole_node: bool = False
) -> Record:
    """Fill the tmpfs under victim's data directory (whole_node: under its node directory,
    signer state included), hold, free it, let it recover."""
    name = "full disk, whole node directory" if whole_node else "full disk"
    with Scenario(net, load, name) as scenario:
        filler = (net.directory / victim if whole_node else net.data_dir(victim)) / FILLER
        start = net.height(victim)
        others_start = _top(net)
        try:
            filled = disk.fill_data_dir(filler, victim)
            scenario.record.faults += 1
            time.sleep(lengths.disk_full_s)
            alive = net.exited(victim) is None
            victim_height = _height_or_none(net, victim)  # it may have stopped itself
            others_end = _top(net)
        finally:
            filler.unlink(missing_ok=True)
            restarted = _restart_if_exited(net, victim)
        net.wait_ready(victim, timeout_s=120)
        scenario.record.notes |= {
            "victim": victim,
            "filled_bytes": filled,
            "alive_while_full": alive,
            "victim_advanced_while_full": None if victim_height is None else victim_height - start,
            "others_advanced_while_full": others_end - others_start,
            "restarted_by_harness": restarted,
            "log_lines_no_space": _log_count(net, "No space left"),
            "log_lines_signer_state_halt": _log_count(net, "signer state not written"),
        }
        scenario.healed()
    return scenario.record


def _restart_if_exited(net: ChaosNet, name: str) -> bool:
    """What a supervisor (systemd Restart=on-failure) does for a node that stopped itself;
    no file of its data directory is touched by hand."""
    if net.exited(name) is None:
        return False
    (net.directory / name / "node.pid").unlink(missing_ok=True)
    net.start(name)
    return True


def kill_mid_commit(net: ChaosNet, load: Load, lengths: Lengths, *, seed: int = 11) -> Record:
    """kill -9 a validator right after the chain moved (inside the next commit's window)."""
    chooser = random.Random(seed)
    with Scenario(net, load, f"kill -9 mid-commit x{lengths.kills}") as scenario:
        victim = net.validators[1]
        catch_up: list[float] = []
        for _ in range(lengths.kills):
            net.wait_heights([victim], net.height(victim) + 1, timeout_s=60)
            time.sleep(chooser.uniform(0.0, 0.3))
            net.kill(victim)
            scenario.record.faults += 1
            started = time.monotonic()
            net.start(victim)
            target = _top(net)
            net.wait_ready(victim, timeout_s=120)
            net.wait_heights([victim], target, timeout_s=120)
            catch_up.append(round(time.monotonic() - started, 1))
        scenario.record.notes |= {"victim": victim, "restart_to_caught_up_s": catch_up}
        scenario.healed()
    return scenario.record
