"""Validator set changes under faults (scripts/chaos --full only).

On a network with a spare institution (keys and the validator role, outside the genesis
set: `ChaosRun.network(spares=1)`): a rolling restart of the genesis validators; the spare
joins by validators.update, and is killed -9 the moment the first node reports the join
committed (its restart lands in the first heights it must sign); a rolling restart of all
four; then the spare leaves by validators.update, the network split 2|2 while the update
waits in the pools (no side has a quorum), healed; a last rolling restart of the three.
Every node must end on the same set and keep committing; checked like every scenario (no
acknowledged tx lost or moved, no divergent height, the audit clean).
"""

import contextlib
import time
from collections.abc import Sequence
from typing import Any

import httpx

from protocol.encoding import JsonObject, JsonValue
from tests.chaos.cluster import ChaosNet
from tests.chaos.load import Load
from tests.chaos.recovery import _first_committed, _roll
from tests.chaos.scenarios import Lengths, Record, Scenario, _top
from tests.integration.network import wait_for
from tests.integration.txs import certificate_signers, set_with_member, submit_to, wire

SPLIT_HOLD_S = 15.0


def join_and_leave(net: ChaosNet, load: Load, lengths: Lengths, *, joined_quorum: int) -> Record:
    """The module's scenario; joined_quorum: the set's quorum while the spare is in it."""
    (spare,) = net.spares
    genesis_set = [n for n in net.validators if n != spare]
    with Scenario(net, load, f"join and leave between rolling restarts (q={joined_quorum})") as s:
        per_restart = _roll(net, s.record, genesis_set)
        members = _members(net, genesis_set[0])
        quorum_before = int(net.status(genesis_set[0])["quorum"])
        joined_set = set_with_member(members, load.keys, spare, joined_quorum)
        joined_at = _update(net, load, s, joined_set, signers=genesis_set[:quorum_before])
        net.kill(spare)  # in the height its join committed: its restart must sign next ones
        s.record.faults += 1
        time.sleep(0.5)
        net.start(spare)
        net.wait_ready(spare, timeout_s=180)
        spare_key = load.keys.public(spare).hex()
        signed_at = wait_for(
            lambda: _signed_after(net, genesis_set[0], spare_key, joined_at),
            180,
            f"{spare}'s precommit in a certificate after {joined_at}",
        )
        _agreed_set(net, joined_at + 1, member=spare_key, present=True, quorum=joined_quorum)
        per_restart += _roll(net, s.record, net.validators)

        left_set: JsonObject = {"validators": list[JsonValue](members), "quorum": quorum_before}
        halves = [[spare, genesis_set[0]], genesis_set[1:]]
        split_notes: dict[str, Any] = {}
        left_at = _update(
            net,
            load,
            s,
            left_set,
            signers=[*genesis_set, spare][:joined_quorum],
            split=halves,
            split_notes=split_notes,
        )
        _agreed_set(net, left_at + 1, member=spare_key, present=False, quorum=quorum_before)
        net.wait_heights(genesis_set, left_at + 3, timeout_s=120)
        signers_after = [_signers(net, genesis_set[0], h) for h in range(left_at + 2, left_at + 4)]
        assert all(spare_key not in signers for signers in signers_after), (
            "the spare still certifies blocks after it left"
        )
        per_restart += _roll(net, s.record, genesis_set)
        s.record.notes |= {
            "spare": spare,
            "joined_at": joined_at,
            "spare_first_signed_at": signed_at,
            "left_at": left_at,
            **split_notes,
            "restart_to_caught_up_s": per_restart,
        }
        s.healed()
    return s.record


def _members(net: ChaosNet, name: str) -> list[JsonObject]:
    """The current set's entries, as /v1/status lists them (validators.update's form)."""
    members: list[JsonObject] = net.status(name)["validators"]
    return members


def _update(
    net: ChaosNet,
    load: Load,
    s: Scenario,
    new_set: JsonObject,
    *,
    signers: Sequence[str],
    split: list[list[str]] | None = None,
    split_notes: dict[str, Any] | None = None,
) -> int:
    """Submit validators.update (sent by signers[0], cosigned by the rest) to every node
    under load; with split, cut the network into those groups first (no group holds a
    quorum), submit it to every node (so each side pools it), hold SPLIT_HOLD_S, heal.
    Returns its height.

    Its sender is one of the load's, so the load is stopped from the nonce read until a
    validator of the current set has pooled the update: a load started earlier could read
    the same nonce again (its first tx above the update's is refused while the update is
    not pooled yet, and it then re-reads) and take it, and the update never commits (stop
    51 found it). A 202 from the observer or a spare does not count: a follower behind the
    chain admits a nonce the validators have used already, and never proposes."""
    load.stop()  # its sender's nonce: none of the load in flight meanwhile
    sender_key = load.keys.public(signers[0]).hex()
    nonces_at_build = _nonces(net, sender_key)
    built_at = time.monotonic()
    members = {str(v["name"]) for v in _members(net, signers[0])}
    signed = load.builder.build(
        "validators.update",
        signers[0],
        {"validator_set": new_set, "evidence_hashes": []},
        cosigners=list(signers[1:]),
    )
    if split is not None:
        at_split = _top(net)
        net.fabric.split([[net.hosts[n] for n in group] for group in split])
        s.record.faults += 1
    answers = submit_to(net, net.names, wire(signed))
    submitted_at = time.monotonic()
    s.record.notes.setdefault("update_answers", []).append(
        {n: a.status_code for n, a in answers.items()}
    )
    assert any(answers[n].status_code == 202 for n in members if n in answers), (
        nonces_at_build,
        {n: a.text for n, a in answers.items()},
    )
    load.start(s.rate_per_s)
    if split is not None and split_notes is not None:
        time.sleep(SPLIT_HOLD_S)
        during = _top(net)
        net.fabric.heal()
        split_notes |= {
            "split": ["+".join(g) for g in split],
            "top_at_split": at_split,
            "advanced_during_split": during - at_split,
        }
    try:
        height = _first_committed(net, signed.tx_id.hex())
    except AssertionError as error:
        answered = {n: f"{a.status_code} {a.text[:160]}" for n, a in answers.items()}
        raise AssertionError(
            f"{error}\n{signers[0]}'s validators.update nonce {signed.tx.nonce}, "
            f"nonces at its build {nonces_at_build}, answers {answered}\n"
            + _explain(
                net,
                load,
                signers[0],
                nonce=signed.tx.nonce,
                tx_id=signed.tx_id.hex(),
                submitted_at=submitted_at,
            )
        ) from error
    # A load tx at the same nonce posted before the read was lost with a pool (a restart)
    # and never committed, or the read would have been above it: only a later one clashes.
    clashes = [
        t.tx_id[:16]
        for t in load.sent_by(signers[0])
        if t.nonce == signed.tx.nonce and t.accepted_by and t.at >= built_at
    ]
    s.record.notes.setdefault("update_nonce_clashes", []).append(clashes)
    assert not clashes, f"the load took the update's nonce {signed.tx.nonce}: {clashes}"
    return height


def _nonces(net: ChaosNet, key_hex: str) -> dict[str, object]:
    """Each node's (committed, pending) nonce of key_hex, or why it did not answer."""
    seen: dict[str, object] = {}
    for name in net.names:
        try:
            answer = net.get_json(name, f"/v1/nonces/{key_hex}")
            seen[name] = (answer["committed"], answer["pending"])
        except (httpx.HTTPError, AssertionError) as error:
            seen[name] = repr(error)[:80]
    return seen


def _explain(
    net: ChaosNet, load: Load, sender: str, *, nonce: int, tx_id: str, submitted_at: float
) -> str:
    """Where a tx that never committed went: its status on each node, the sender's nonces,
    and every tx of the load from that sender at or near its nonce (a clash)."""
    lines = [f"now: nonces {_nonces(net, load.keys.public(sender).hex())}"]
    for name in net.names:
        with contextlib.suppress(httpx.HTTPError, AssertionError):
            lines.append(f"{name}: {tx_id[:16]} {net.get_json(name, f'/v1/txs/{tx_id}')}")
    for t in (t for t in load.sent_by(sender) if abs(t.nonce - nonce) <= 2):
        statuses = {}
        for name in net.validators:
            with contextlib.suppress(httpx.HTTPError, AssertionError, KeyError):
                statuses[name] = net.get_json(name, f"/v1/txs/{t.tx_id}")["status"]
        lines.append(
            f"load tx nonce {t.nonce} {t.tx_id[:16]} sent {t.at - submitted_at:+.2f}s "
            f"after the update, taken by {list(t.accepted_by)}, now {statuses}"
        )
    return "\n".join(lines)


def _signers(net: ChaosNet, name: str, height: int) -> set[str]:
    """certificate_signers, asked again while the node does not answer (a loaded box)."""
    return wait_for(
        lambda: certificate_signers(net, name, height), 60, f"{name}'s certificate of {height}"
    )


def _signed_after(net: ChaosNet, name: str, key_hex: str, height: int) -> int | None:
    for level in range(height + 1, _top(net) + 1):
        try:
            if key_hex in certificate_signers(net, name, level):
                return level
        except (httpx.HTTPError, AssertionError):
            return None
    return None


def _agreed_set(net: ChaosNet, height: int, *, member: str, present: bool, quorum: int) -> None:
    """Every node past height names one set, with (or without) member's key, at quorum."""
    net.wait_heights(net.names, height, timeout_s=180)
    seen = {}
    for name in net.names:
        status = net.status(name)
        seen[name] = (
            tuple(sorted(v["public_key"] for v in status["validators"])),
            int(status["quorum"]),
        )
    assert len(set(seen.values())) == 1, seen
    keys, got_quorum = next(iter(seen.values()))
    assert got_quorum == quorum, seen
    assert (member in keys) == present, seen
