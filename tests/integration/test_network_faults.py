"""Three real validators on 127.0.0.1 (issue 5 acceptance): the Xiangshan case, kill -9 of
the proposer mid-stream, kill -9 of every node, a wiped data dir, and an observer.

The tests share one network and run in file order; each leaves all three validators
running and in agreement, so each can also run alone.
"""

import os
import random
import re
import shutil
from typing import Any

import pytest

from protocol.hashing import sha256
from protocol.signing import SigningKey
from protocol.tx import SignedTx
from tests.integration.network import LocalNet, free_base_port, wait_for
from tests.integration.txs import (
    BATCH_ID,
    CASE_ID,
    SUBSCRIBED_KG,
    TxBuilder,
    committed_locations,
    submit_batch,
    submit_to,
    tx_statuses,
    wait_committed,
    wire,
    xiangshan_case_on_net,
)

pytestmark = pytest.mark.slow
# The tier's second longest module (kills, wipes): started first, not last.
RUN_FIRST = True
BATCH_TXS = 50
WINDOW = 3


def assert_same_chain(net: LocalNet, names: list[str], first: int, last: int) -> None:
    """Every named node holds the same block hash at every height first..last."""
    hashes = {name: net.block_hashes(name, first, last) for name in names}
    reference = hashes[names[0]]
    assert sorted(reference) == list(range(first, last + 1)), f"{names[0]} lacks blocks"
    for name in names[1:]:
        differing = [h for h in reference if hashes[name].get(h) != reference[h]]
        assert not differing, f"{name} differs from {names[0]} at heights {differing[:10]}"


def assert_agree_at(net: LocalNet, names: list[str], height: int) -> None:
    """Equal head hash and state root at one height on every named node."""
    headers = [net.block(name, height)["block"]["header"] for name in names]
    assert len({h["state_root"] for h in headers}) == 1, headers
    hashes = {name: net.block_hashes(name, height, height)[height] for name in names}
    assert len(set(hashes.values())) == 1, hashes


def stream(net: LocalNet, txs: list[SignedTx], names: list[str]) -> None:
    """Submit txs in batches to every named node, keeping at most WINDOW batches in flight.

    Pacing makes it a stream rather than one burst: blocks commit while later batches are
    still being sent, so a kill at any point finds txs both committed and in flight.
    """
    batches = [txs[start : start + BATCH_TXS] for start in range(0, len(txs), BATCH_TXS)]
    for number, batch in enumerate(batches):
        if number >= WINDOW:
            running = next(name for name in names if net.running(name))
            wait_committed(net, running, batches[number - WINDOW][-1].tx_id, timeout_s=90)
        submit_batch(net, names, batch)


def test_xiangshan_case_commits_on_three_validators(net: LocalNet, builder: TxBuilder) -> None:
    names = net.validators
    township = SigningKey(sha256(b"integration: huangbiao township holder"))
    committed: dict[str, tuple[str, dict[str, Any]]] = {}
    for step in xiangshan_case_on_net(township, builder.eco):
        signed = builder.build(step.tx_type, step.sender, step.body, step.cosigners)
        answers = submit_to(net, names, wire(signed))
        assert len(answers) == 3
        refused = {n: a.text for n, a in answers.items() if a.status_code != 202}
        assert not refused, (step.label, refused)
        # Wait on all three: a node admits a tx against its committed state, so a lagging
        # one would refuse the township's first tx (UNKNOWN_SENDER before account.open).
        status = wait_committed(net, names[0], signed.tx_id)
        for name in names[1:]:
            wait_committed(net, name, signed.tx_id)
        assert status["result"]["status"] == "accepted", (step.label, status)
        committed[signed.tx_id.hex()] = (step.tx_type, status)
    assert len(committed) == 8

    # Every step sits at the same height and index on all three validators.
    for name in names:
        seen = tx_statuses(net, name, committed)
        for tx_id, (_type, status) in committed.items():
            where = (seen[tx_id]["height"], seen[tx_id]["index"], seen[tx_id]["result"])
            assert where == (status["height"], status["index"], status["result"]), name

    # 422,500 kg RETIRED for the case, in the case, retirement and serial records.
    (retire_id,) = [t for t, (kind, _) in committed.items() if kind == "credits.retire_judicial"]
    for name in names:
        case = net.get_json(name, f"/v1/state/case/{CASE_ID}")["value"]
        assert case["retired_kg"] == SUBSCRIBED_KG
        assert case["retirement_ids"] == [retire_id]
        retirement = net.get_json(name, f"/v1/state/retirement/{retire_id}")["value"]
        assert (retirement["quantity_kg"], retirement["case_id"]) == (SUBSCRIBED_KG, CASE_ID)
        assert retirement["kind"] == "judicial"
        retired = sum(
            block["last_serial"] - block["first_serial"] + 1
            for block in serial_blocks(net, name, BATCH_ID)
            if block["status"] == "retired" and block["retirement_id"] == retire_id
        )
        assert retired == SUBSCRIBED_KG

    # One head and one state root at one height on all three.
    height = net.wait_synced(names)
    assert_agree_at(net, names, height)
    assert_same_chain(net, names, 1, height)


def serial_blocks(net: LocalNet, name: str, batch_id: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100} | ({} if cursor is None else {"cursor": cursor})
        page = net.get_json(name, f"/v1/batches/{batch_id}/serials", **params)
        blocks += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return blocks


def test_kill_proposer_mid_stream(net: LocalNet, builder: TxBuilder) -> None:
    names = net.validators
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    txs = builder.attest_stream("xiangshan-county", f"kill-{seed}", 1000)
    kill_at = rng.randint(200, 800)
    print(f"seed {seed}: kill -9 the proposer after {kill_at} of 1000 txs")
    first_height = net.wait_synced(names) + 1

    stream(net, txs[:kill_at], names)
    proposer = net.status(names[0])["proposer"]
    assert proposer in names
    survivors = [name for name in names if name != proposer]
    # What the proposer acknowledged as committed, read from it just before the kill.
    acknowledged = committed_locations(net, proposer, first_height, net.height(proposer))
    net.kill(proposer)
    height_at_kill = max(net.height(name) for name in survivors)

    stream(net, txs[kill_at:], names)
    for name in survivors:
        wait_committed(net, name, txs[-1].tx_id, timeout_s=90)
    assert min(net.height(name) for name in survivors) > height_at_kill

    net.start(proposer)
    target = max(net.height(name) for name in survivors)
    net.wait_heights([proposer], target, timeout_s=60)
    net.wait_ready(proposer)

    more = builder.attest_stream("xiangshan-county", f"after-{seed}", 100)
    stream(net, more, names)
    for name in names:
        wait_committed(net, name, more[-1].tx_id, timeout_s=60)

    # Acknowledged before the kill: same height and index on all three (GET /v1/txs/{id}).
    assert acknowledged, "nothing had committed before the kill"
    for name in names:
        seen = tx_statuses(net, name, acknowledged)
        for tx_id, (height, index, _status) in acknowledged.items():
            assert seen[tx_id]["status"] == "committed", (name, tx_id, seen[tx_id])
            assert (seen[tx_id]["height"], seen[tx_id]["index"]) == (height, index), name

    # All 1,100 txs committed once, accepted, at one place on every node.
    last = net.wait_synced(names)
    locations = {name: committed_locations(net, name, first_height, last) for name in names}
    assert locations[names[0]] == locations[names[1]] == locations[names[2]]
    ours = {signed.tx_id.hex() for signed in [*txs, *more]}
    found = {t: where for t, where in locations[names[0]].items() if t in ours}
    assert set(found) == ours, f"{len(ours - set(found))} txs missing (seed {seed})"
    assert {status for _h, _i, status in found.values()} == {"accepted"}
    assert_same_chain(net, names, 1, last)


def test_kill_all_and_restart_resumes_from_disk(net: LocalNet, builder: TxBuilder) -> None:
    names = net.validators
    txs = builder.attest_stream("ningbo-ptc", "before-total-crash", 50)
    submit_batch(net, names, txs)
    for name in names:
        wait_committed(net, name, txs[-1].tx_id)
    before = {name: net.height(name) for name in names}
    hashes = {name: net.block_hashes(name, 0, before[name]) for name in names}

    for name in random.sample(names, len(names)):
        net.kill(name)
    for name in names:
        net.start(name)
    net.wait_heights(names, max(before.values()) + 1, timeout_s=60)
    for name in names:
        net.wait_ready(name)

    for name in names:
        assert net.height(name) >= before[name]
        now = net.block_hashes(name, 0, before[name])
        assert now == hashes[name], f"{name} lost or changed blocks after kill -9"
    seen = tx_statuses(net, names[0], [t.tx_id.hex() for t in txs])
    assert {s["status"] for s in seen.values()} == {"committed"}

    after = builder.attest("ningbo-ptc", "after-total-crash")
    submit_to(net, names, wire(after))
    for name in names:
        wait_committed(net, name, after.tx_id)


def test_a_tx_taken_just_before_a_stop_commits_on_the_others(
    net: LocalNet, builder: TxBuilder
) -> None:
    # An integrator's probe (stop 57): a tx a validator answered "pending" 0.2-0.5 s before
    # its SIGTERM was unknown on every node after, its nonce never used. The stopping
    # validator now hands its last client txs to its peers (node/tx_relay.py hand_over).
    names = net.validators
    net.wait_synced(names)
    victim, others = names[2], names[:2]
    signed = builder.attest("ningbo-ptc", "taken-just-before-a-stop")
    answers = submit_to(net, [victim], wire(signed))  # the client reached the victim only
    assert answers[victim].status_code == 202, answers[victim].text
    net.stop(victim)
    heights = {name: wait_committed(net, name, signed.tx_id)["height"] for name in others}
    assert len(set(heights.values())) == 1, heights
    log = net.log_tail(victim, 30)
    stopped = re.search(r"stopped at height (\d+)", log)
    assert stopped is not None, log
    # Handed over, or (the victim proposing it at once) committed before the victim stopped.
    handed = "handed 1 pending tx(s) to the peers" in log
    assert handed or heights[others[0]] <= int(stopped.group(1)), (heights, log)
    net.start(victim)
    net.wait_heights([victim], max(net.height(name) for name in others), timeout_s=60)
    net.wait_ready(victim)


def test_wiped_validator_and_observer_sync(net: LocalNet, builder: TxBuilder) -> None:
    names = net.validators
    txs = builder.attest_stream("xiamen-ptc", "before-wipe", 30)
    submit_batch(net, names, txs)
    wait_committed(net, names[0], txs[-1].tx_id)

    victim = names[-1]
    net.kill(victim)
    shutil.rmtree(net.directory / victim / "data")
    assert (net.directory / victim / "signer_state.json").exists()
    net.start(victim)
    target = max(net.height(name) for name in names if name != victim)
    net.wait_heights([victim], target, timeout_s=60)
    net.wait_ready(victim)

    observer = "observer-1"
    net.write_config(observer, port=free_base_port(1), peers=names, observer=True)
    net.start(observer)
    net.wait_heights([observer], net.height(names[0]), timeout_s=60)
    assert net.status(observer)["role"] == "observer"

    # Both keep following: new txs reach them through the validators' blocks.
    after = builder.attest_stream("xiamen-ptc", "after-wipe", 30)
    submit_batch(net, names, after)
    for name in [*names, observer]:
        wait_committed(net, name, after[-1].tx_id)
    last = net.wait_synced([*names, observer])
    assert_same_chain(net, [names[0], victim, observer, *names[1:-1]], 0, last)
    assert_agree_at(net, [*names, observer], last)
    assert os.listdir(net.directory / victim / "data"), "the wiped node wrote no new store"
    # The wiped validator signs again (its signer state was kept): its precommit shows up
    # in a certificate once it has caught up.
    victim_key = keys_by_name(net, names[0])[victim]

    def victim_signed() -> bool:
        top = net.height(names[0])
        for height in range(max(1, top - 5), top + 1):
            signatures = net.block(names[0], height)["certificate"]["signatures"]
            if victim_key in {entry["validator"] for entry in signatures}:
                return True
        submit_to(net, names, wire(builder.attest("xiamen-ptc", f"nudge-{top}")))
        return False

    wait_for(victim_signed, 30, f"{victim} precommits in a certificate")


def keys_by_name(net: LocalNet, name: str) -> dict[str, str]:
    return {v["name"]: v["public_key"] for v in net.status(name)["validators"]}
