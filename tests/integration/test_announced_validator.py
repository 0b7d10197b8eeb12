"""A new validator joins without restarting anyone (ADR 0023, issue 16 acceptance).

Genesis gives the court neither the validator role nor a seat. The validators grant it the
role by governance tx and announce their own addresses; the court's node starts fresh with
the genesis and one peer address, syncs, and its operator announces its address on chain
(`lantan tx node.announce`); validators.update adds it (q 2 -> 3). The three running nodes
dial it from the chain's word alone: no restart (same pids), and commits after the change
carry its precommits. Then its key is revoked: a judicial retirement it confirms afterwards
is refused with `key_revoked`, while the receipt of the one it confirmed before verifies.
"""

import dataclasses
import json
from pathlib import Path
from typing import cast

import pytest

from client.receipt.verify import verify_receipt
from genesis.network import GENESIS_FILE
from node.net_processes import read_pid
from protocol.encoding import JsonObject, JsonValue
from protocol.hashing import sha256
from protocol.signing import SigningKey
from tests.integration.lantan_cli import lantan
from tests.integration.network import (
    LocalNet,
    free_base_port,
    init_four_seat_three,
    prepared_net,
    write_genesis,
)
from tests.integration.txs import (
    NetKeys,
    TxBuilder,
    commit_everywhere,
    set_with_member,
    submit_to,
    wait_precommit_of,
    wire,
    xiangshan_case_on_net,
)

pytestmark = pytest.mark.slow
COURT = "xiangshan-court"


def genesis_with_court_outside(directory: Path) -> None:
    """Keys for four, a first set of three, and a court without the validator role."""
    document = init_four_seat_three(directory, COURT)
    institutions = tuple(
        dataclasses.replace(i, roles=tuple(r for r in i.roles if r != "validator"))
        if i.institution_id == COURT
        else i
        for i in document.institutions
    )
    write_genesis(directory, dataclasses.replace(document, institutions=institutions))


net = prepared_net(genesis_with_court_outside)


def test_court_joins_by_announcement_without_restarts(
    net: LocalNet, keys: NetKeys, builder: TxBuilder
) -> None:
    three = net.validators
    assert COURT not in three and net.status(three[0])["quorum"] == 2
    pids = {name: read_pid(net.directory / name) for name in three}
    court_key = keys.public(COURT).hex()
    genesis = (net.directory / GENESIS_FILE).read_bytes()

    # The case's judicial retirement, confirmed by the court's key (before any change).
    township = SigningKey(sha256(b"integration: announced validator township"))
    judicial_id = ""
    for step in xiangshan_case_on_net(township, builder.eco):
        signed = builder.build(step.tx_type, step.sender, step.body, step.cosigners)
        commit_everywhere(net, three, signed)
        if step.tx_type == "credits.retire_judicial":
            judicial_id = signed.tx_id.hex()
            judicial_step = step

    grant: JsonObject = {"institution_id": COURT, "role": "validator"}
    commit_everywhere(
        net, three, builder.build("role.grant", three[0], grant, cosigners=[three[1]])
    )
    for name in three:
        body: JsonObject = {"public_key": keys.public(name).hex(), "address": net.url(name)}
        commit_everywhere(net, three, builder.build("node.announce", name, body))

    # The court's node: the genesis and one peer address; it syncs, then announces.
    net.write_config(COURT, port=free_base_port(1), peers=[three[0]])
    net.start(COURT)
    net.wait_heights([COURT], net.height(three[0]), timeout_s=60)
    # Outside the set, it would never propose a tx, nor have the set take its announcement.
    stranger = SigningKey(sha256(b"integration: announced validator, a tx before joining"))
    tx = builder.build("node.announce", stranger, {"public_key": court_key, "address": ""})
    outside = submit_to(net, [COURT], wire(tx))
    assert outside[COURT].status_code == 409, outside[COURT].text
    assert outside[COURT].json()["error"]["code"] == "NOT_A_VALIDATOR"
    completed = lantan(
        "tx",
        "node.announce",
        "--key",
        str(net.directory / COURT),
        "--set",
        f"public_key={court_key}",
        "--set",
        f"address={net.url(COURT)}",
        "--node",
        net.url(three[0]),
        "--json",
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    shown = json.loads(completed.stdout)
    assert "accepted" in json.dumps(shown), shown

    members = cast(list[JsonObject], net.status(three[0])["validators"])
    four = set_with_member(members, keys, COURT, 3)
    update = builder.build(
        "validators.update",
        three[0],
        {"validator_set": four, "evidence_hashes": []},
        cosigners=[three[1]],
    )
    changed_at = commit_everywhere(net, three, update)
    all_four = [*three, COURT]
    net.wait_heights(all_four, changed_at + 1, timeout_s=60)
    for name in all_four:
        assert net.status(name)["quorum"] == 3, name

    # Commits after the change carry the court's precommit: the others dial it.
    voted_at = wait_precommit_of(
        net,
        three,
        builder,
        court_key,
        after_height=changed_at,
        stream=("announced", 10),
        timeout_s=90,
    )
    assert voted_at > changed_at
    # Each of the three posts to the court (none has it in node.toml), and none restarted.
    for name in three:
        sent = sum(
            value
            for key, value in net.metrics(name).items()
            if key.startswith("lantan_peer_sends_total{")
            and f'peer="{COURT}"' in key
            and 'outcome="sent"' in key
        )
        assert sent > 0, name
        assert COURT not in {p.name for p in net.config(name).peers}
    assert {name: read_pid(net.directory / name) for name in three} == pids

    # Revoke the court's key (its holder signs; a validator key is refused: ADR 0019), so
    # take it out of the set first, then revoke it.
    before = net.get(three[0], f"/v1/receipts/{judicial_id}")
    assert before.status_code == 200, before.text
    verify_receipt(before.content, genesis)
    old_members: list[JsonValue] = list(members)
    back: JsonObject = {"validators": old_members, "quorum": 2}
    removal = builder.build(
        "validators.update",
        three[0],
        {"validator_set": back, "evidence_hashes": []},
        cosigners=[three[1], three[2], COURT],
    )
    commit_everywhere(net, three, removal)
    revoke = builder.build("key.revoke", COURT, {"public_key": court_key})
    commit_everywhere(net, three, revoke)
    late = builder.build(
        judicial_step.tx_type, judicial_step.sender, judicial_step.body, judicial_step.cosigners
    )
    answers = submit_to(net, three, wire(late))
    codes = {(a.status_code, a.json()["error"]["code"]) for a in answers.values()}
    assert codes == {(422, "key_revoked")} or {c for _, c in codes} == {"key_revoked"}, codes
    after = net.get(three[1], f"/v1/receipts/{judicial_id}")
    assert after.status_code == 200, after.text
    verify_receipt(after.content, genesis)
