"""Chaos scenarios of stop 49 (scripts/chaos --full only): long partitions and catch-up,
one-way cuts that flip direction, a full disk at restart, kill -9 of the node serving a
catch-up, rolling restarts under load.

Each returns a Record like tests/chaos/scenarios.py's and is checked the same way after
its last fault: no acknowledged tx lost or moved, no divergent height, the audit clean.
"""

import contextlib
import json
import random
import re
import time
from collections.abc import Sequence
from typing import Any

import httpx

from tests.chaos import disk
from tests.chaos.cluster import ChaosNet
from tests.chaos.load import Load
from tests.chaos.scenarios import (
    FILLER,
    Lengths,
    Record,
    Scenario,
    _height_or_none,
    _restart_if_exited,
    _top,
)
from tests.integration.lantan_cli import lantan
from tests.integration.network import wait_for
from tests.integration.test_validator_key_rotation import pending_key
from tests.integration.txs import certificate_signers, submit_to, wire

POLL_S = 0.5
CATCH_UP_WAIT_S = 600.0
"""How long a node may take to reach the others after a long partition (hundreds of blocks
on a shared 2-core box)."""


def _readyz(net: ChaosNet, name: str) -> tuple[int, str] | None:
    with contextlib.suppress(httpx.HTTPError):
        answer = net.get(name, "/readyz")
        return answer.status_code, answer.text
    return None


def _problem_kinds(answer: str) -> list[str]:
    """The kinds of /readyz's problems ("catching up", "no progress", ...): each one's words
    before its colon."""
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return [str(p).split(":")[0] for p in json.loads(answer)["problems"]]
    return [answer[:80]]


def _stalled_reasons(net: ChaosNet, name: str) -> list[str] | None:
    """The reasons lantan_consensus_stalled reads 1 for on the node, or None (no answer)."""
    with contextlib.suppress(httpx.HTTPError, AssertionError):
        values = net.metrics(name)
        return sorted(
            key.split('reason="', 1)[1].split('"', 1)[0]
            for key, value in values.items()
            if key.startswith("lantan_consensus_stalled{") and value == 1
        )
    return None


def _net_status_line(net: ChaosNet, name: str) -> str:
    """What `lantan net status` prints about the node (its line), or why it printed none."""
    done = lantan("net", "status", "--dir", str(net.directory), timeout=60)
    lines = [line.strip() for line in done.stdout.splitlines() if name in line]
    return " | ".join(lines) or f"exit {done.returncode}: {done.stdout[-120:]}{done.stderr[-120:]}"


def _count(seen: dict[str, int], key: str) -> None:
    seen[key] = seen.get(key, 0) + 1


def _others_top(net: ChaosNet, victim: str) -> int:
    heights = [_height_or_none(net, n) for n in net.validators if n != victim]
    return max((h for h in heights if h is not None), default=0)


def _follow_catch_up(net: ChaosNet, victim: str, *, timeout_s: float) -> dict[str, Any]:
    """Poll the victim and the others until the victim is at the others' height and ready;
    what /readyz said on the way, and how far the others went meanwhile."""
    started = time.monotonic()
    others_at_start = _others_top(net, victim)
    reasons: dict[str, int] = {}
    stalled: dict[str, int] = {}
    net_status: dict[str, int] = {}
    polls = 0
    while time.monotonic() - started < timeout_s:
        seen = _readyz(net, victim)
        height = _height_or_none(net, victim)
        top = _others_top(net, victim)
        behind = height is not None and height < top - 1
        if seen is not None and seen[0] != 200:
            kinds = _problem_kinds(seen[1])
            if "no progress" in kinds and "catching up" in kinds:
                kinds.append("no progress while catching up")  # stop 49's finding
            for key in kinds:
                _count(reasons, key)
        if behind:
            # What an operator's other two views say while it catches up: the stalled gauge
            # (each reason at 1) on every poll, `lantan net status` on every 10th.
            for reason in _stalled_reasons(net, victim) or ["(none)"]:
                _count(stalled, reason)
            if polls % 10 == 0:
                _count(net_status, re.sub(r"\d+", "N", _net_status_line(net, victim)))
            polls += 1
        if seen is not None and seen[0] == 200 and height is not None and height >= top - 1:
            return {
                "catch_up_s": round(time.monotonic() - started, 1),
                "others_advanced_during_catch_up": top - others_at_start,
                "readyz_not_ready_polls": reasons,
                "stalled_gauge_polls_behind": stalled,
                "net_status_while_behind": net_status,
                "caught_up": True,
            }
        time.sleep(POLL_S)
    return {
        "catch_up_s": None,
        "caught_up": False,
        "victim_height": _height_or_none(net, victim),
        "others_height": _others_top(net, victim),
        "readyz_not_ready_polls": reasons,
        "stalled_gauge_polls_behind": stalled,
        "net_status_while_behind": net_status,
        "readyz_last": _readyz(net, victim),
    }


def _wait_above(net: ChaosNet, name: str, height: int) -> None:
    def above() -> bool | None:
        seen = _height_or_none(net, name)
        return (seen is not None and seen > height) or None

    wait_for(above, 120, f"{name} above height {height}")


def long_partition(net: ChaosNet, load: Load, lengths: Lengths) -> Record:
    """Cut one validator off until the others have committed long_partition_heights more,
    heal: it must catch up by block sync while the others keep committing, /readyz saying
    "catching up" meanwhile."""
    with Scenario(net, load, f"partition for {lengths.long_partition_heights} heights") as s:
        victim = net.validators[-1]
        start = _top(net)
        net.fabric.isolate(net.hosts[victim])
        s.record.faults += 1
        partitioned = time.monotonic()
        others = [n for n in net.validators if n != victim]
        net.wait_heights(others, start + lengths.long_partition_heights, timeout_s=1200)
        held_s = time.monotonic() - partitioned
        victim_at_heal = _height_or_none(net, victim)
        net.fabric.heal()
        catch_up = _follow_catch_up(net, victim, timeout_s=CATCH_UP_WAIT_S)
        s.record.notes |= {
            "victim": victim,
            "held_s": round(held_s, 1),
            "behind_at_heal": _others_top(net, victim) - (victim_at_heal or 0),
            **catch_up,
        }
        s.healed()
    return s.record


def flipping_one_way(net: ChaosNet, load: Load, lengths: Lengths, *, seed: int = 491) -> Record:
    """For flip_s: cut a validator's messages to another one way, then flip the cut to the
    other direction after 2-5 s, then pick another pair; two cuts at once now and then."""
    chooser = random.Random(seed)
    with Scenario(net, load, "one-way cuts flipping direction") as s:
        before = _top(net)
        ends = time.monotonic() + lengths.flip_s
        flips = 0
        while time.monotonic() < ends:
            a, b = chooser.sample(net.validators, 2)
            for source, target in ((a, b), (b, a)):
                net.fabric.heal()
                net.fabric.cut_one_way(net.hosts[source], net.hosts[target])
                third = [n for n in net.validators if n not in (source, target)]
                if third and chooser.random() < 0.3:
                    net.fabric.cut_one_way(net.hosts[target], net.hosts[third[0]])
                    s.record.faults += 1
                s.record.faults += 1
                flips += 1
                time.sleep(chooser.uniform(2.0, 5.0))
        net.fabric.heal()
        s.record.notes |= {"flips": flips, "advanced_while_flipping": _top(net) - before}
        s.healed()
    return s.record


def full_disk_at_restart(net: ChaosNet, load: Load, lengths: Lengths, victim: str) -> Record:
    """kill -9 the victim, fill its data directory's disk, start it on the full disk, hold;
    free the disk; a node that stopped itself is restarted as a supervisor would; it must
    then catch up by itself."""
    with Scenario(net, load, "full disk at restart") as s:
        filler = net.data_dir(victim) / FILLER
        net.kill(victim)
        try:
            filled = disk.fill_data_dir(filler, victim)
            others_start = _top(net)
            net.start(victim)
            s.record.faults += 1
            # The hold counts from when the process stopped or answers: a Python start on a
            # busy box can outlast the hold, and the disk was then freed before it wrote.
            started = time.monotonic()
            wait_for(
                lambda: net.exited(victim) is not None or _readyz(net, victim) is not None or None,
                180,
                f"{victim} answering or stopped on its full disk",
            )
            start_s = time.monotonic() - started
            exit_code = net.exited(victim)
            held = time.monotonic()
            while time.monotonic() - held < lengths.disk_full_s and exit_code is None:
                time.sleep(POLL_S)
                exit_code = net.exited(victim)
            readyz_while_full = _readyz(net, victim)
            others_end = _top(net)
        finally:
            filler.unlink(missing_ok=True)
        freed = time.monotonic()
        restarted = _restart_if_exited(net, victim)
        net.wait_ready(victim, timeout_s=120)
        s.record.notes |= {
            "victim": victim,
            "filled_bytes": filled,
            "start_to_answer_or_exit_s": round(start_s, 1),
            "exit_code_while_full": exit_code,
            "readyz_while_full": readyz_while_full,
            "others_advanced_while_full": others_end - others_start,
            "restarted_by_harness": restarted,
            "freed_to_ready_s": round(time.monotonic() - freed, 1),
        }
        s.healed()
    return s.record


def kill_sync_server(net: ChaosNet, load: Load, lengths: Lengths) -> Record:
    """Cut one validator off for catch_up_heights, heal, and once its block sync runs, kill
    -9 each of the others in turn (the one serving its ranges among them) and restart it
    a few seconds later; the victim must finish its catch-up from whoever is left, and the
    chain must commit again by itself."""
    with Scenario(net, load, "kill -9 a block-sync server mid catch-up") as s:
        victim = net.validators[0]
        servers = [n for n in net.validators if n != victim]
        rounds: list[dict[str, Any]] = []
        for server in servers:
            start = _top(net)
            net.fabric.isolate(net.hosts[victim])
            net.wait_heights(servers, start + lengths.catch_up_heights, timeout_s=900)
            at_heal = _height_or_none(net, victim) or 0
            net.fabric.heal()
            s.record.faults += 1
            _wait_above(net, victim, at_heal)
            net.kill(server)
            killed_at = _height_or_none(net, victim)
            s.record.faults += 1
            down = time.monotonic()
            time.sleep(lengths.sync_server_down_s)
            during = _height_or_none(net, victim)
            net.start(server)
            catch_up = _follow_catch_up(net, victim, timeout_s=CATCH_UP_WAIT_S)
            net.wait_ready(server, timeout_s=180)
            rounds.append(
                {
                    "killed": server,
                    "victim_at_heal": at_heal,
                    "victim_at_kill": killed_at,
                    "victim_after_server_down": during,
                    "down_s": round(time.monotonic() - down, 1),
                    **catch_up,
                }
            )
        s.record.notes |= {"victim": victim, "rounds": rounds}
        s.healed()
    return s.record


def rolling_restart(net: ChaosNet, load: Load, lengths: Lengths) -> Record:
    """Restart every validator in turn (SIGTERM, start, ready, then the next), rolling_rounds
    times under load, as an operator upgrading one node at a time would."""
    with Scenario(net, load, f"rolling restart x{lengths.rolling_rounds}") as s:
        per_restart: list[float] = []
        heights_per_round: list[int] = []
        for _ in range(lengths.rolling_rounds):
            before = _top(net)
            per_restart += _roll(net, s.record)
            heights_per_round.append(_top(net) - before)
        s.record.notes |= {
            "restart_to_caught_up_s": per_restart,
            "heights_per_round": heights_per_round,
        }
        s.healed()
    return s.record


def rotation_between_restarts(net: ChaosNet, load: Load, lengths: Lengths) -> Record:
    """A rolling restart, then a validator's key rotation with that validator killed -9 the
    moment the first node reports the rotation committed (its restart lands in the first
    height the new key signs), then another rolling restart; the new key must sign, and
    the chain advance through all of it."""
    with Scenario(net, load, "rolling restarts around a key rotation") as s:
        per_restart: list[float] = []
        per_restart += _roll(net, s.record)
        victim = net.validators[1]
        completed = lantan("keys", "rotate", str(net.directory / victim), "--kdf", "interactive")
        assert completed.returncode == 0, completed.stderr
        old, new = load.keys[victim], pending_key(net.directory / victim)
        load.stop()  # the rotation's nonce is the old key's next: none of the load in flight
        signed = load.builder.build(
            "key.rotate",
            victim,
            {"public_key": old.public_key.hex(), "new_public_key": new.public_key.hex()},
            cosigners=[new],
        )
        load.start(s.rate_per_s)
        answers = submit_to(net, net.validators, wire(signed))
        assert any(a.status_code == 202 for a in answers.values()), answers
        rotated_at = _first_committed(net, signed.tx_id.hex())
        net.kill(victim)
        s.record.faults += 1
        time.sleep(0.5)
        restarted = time.monotonic()
        net.start(victim)
        net.wait_ready(victim, timeout_s=180)
        ready_s = time.monotonic() - restarted

        def new_key_signed() -> int | None:
            last = _top(net)
            for height in range(rotated_at + 1, last + 1):
                if new.public_key.hex() in certificate_signers(net, net.validators[0], height):
                    return height
            return None

        signed_at = wait_for(new_key_signed, 180, f"{victim}'s new key in a certificate")
        per_restart += _roll(net, s.record)
        s.record.notes |= {
            "victim": victim,
            "rotated_at": rotated_at,
            "new_key_first_signed_at": signed_at,
            "victim_restart_to_ready_s": round(ready_s, 1),
            "restart_to_caught_up_s": per_restart,
        }
        s.healed()
    return s.record


def _first_committed(net: ChaosNet, tx_id: str) -> int:
    """The height of tx_id as soon as any validator reports it committed (polled tightly)."""

    def committed() -> int | None:
        for name in net.validators:
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                status = net.get_json(name, f"/v1/txs/{tx_id}")
                if status["status"] == "committed":
                    assert status["result"]["status"] == "accepted", status
                    return int(status["height"])
        return None

    return wait_for(committed, 120, f"tx {tx_id[:16]} committed")


def _roll(net: ChaosNet, record: Record, names: Sequence[str] | None = None) -> list[float]:
    """SIGTERM and start every validator (or each of names) in turn, each ready and the
    chain committed past where it stood, it with the others, before the next (at q = n the
    chain halts during each restart, and must come back: stop 50 found it did not)."""
    seconds = []
    rolled = net.validators if names is None else list(names)
    for name in rolled:
        started = time.monotonic()
        net.stop(name)
        net.start(name)
        record.faults += 1
        net.wait_ready(name, timeout_s=180)
        net.wait_heights(rolled, _top(net) + 1, timeout_s=180)
        seconds.append(round(time.monotonic() - started, 1))
    return seconds
