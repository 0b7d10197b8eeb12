"""Adding the court as a 4th validator (q 2 -> 3) on a running network (issue 5 acceptance).

Genesis registers the court with the validator role but starts with the three validators of
`net up` (role.grant can give it the role since ADR 0019; this test keeps the genesis
role so it tests the set change alone). node.toml peers
are read at start only, so the court joins as a peer by restarting each validator in turn
before the set change; then validators.update, signed by q = 2 current validators, commits
and from the next height the court votes, its checkpoint lines count, and blocks go on.
"""

import json
from pathlib import Path
from typing import cast

import pytest

from genesis.network import GENESIS_FILE
from node.net_processes import stop_process
from protocol.encoding import JsonObject
from tests.integration.network import (
    LocalNet,
    free_base_port,
    init_four_seat_three,
    prepared_net,
    wait_for,
    write_genesis,
)
from tests.integration.txs import (
    NetKeys,
    TxBuilder,
    certificate_signers,
    set_with_member,
    submit_to,
    wait_committed,
    wait_precommit_of,
    wire,
)
from tests.unit.protocol import independent_note_verifier as independent

pytestmark = pytest.mark.slow
COURT = "xiangshan-court"


def genesis_with_court_eligible(directory: Path) -> None:
    """Keys for a 4-validator plan, but a genesis whose first set is the other three."""
    write_genesis(directory, init_four_seat_three(directory, COURT))


net = prepared_net(genesis_with_court_eligible)


def test_court_joins_as_fourth_validator(net: LocalNet, keys: NetKeys, builder: TxBuilder) -> None:
    first_three = net.validators
    assert COURT not in first_three and net.status(first_three[0])["quorum"] == 2
    court_key = keys.public(COURT).hex()

    # The court's node follows the chain before it is a validator.
    net.write_config(COURT, port=free_base_port(1), peers=first_three)
    net.start(COURT)
    net.wait_heights([COURT], net.height(first_three[0]), timeout_s=60)
    # Peers come from node.toml at start: restart each validator with the court added,
    # one at a time (two of three keep committing meanwhile).
    for name in first_three:
        net.add_peer(name, COURT)
        stop_process(net.directory, name)
        net.start(name)
        net.wait_ready(name)
        net.wait_heights([name], max(net.height(n) for n in first_three if n != name))

    members = net.status(first_three[0])["validators"]
    document = json.loads((net.directory / GENESIS_FILE).read_text())
    (court,) = [i for i in document["institutions"] if i["institution_id"] == COURT]
    assert "validator" in court["roles"]
    new_set = set_with_member(members, keys, COURT, 3)
    new_validators = cast(list[JsonObject], new_set["validators"])
    update = builder.build(
        "validators.update",
        "xiangshan-county",
        {"validator_set": new_set, "evidence_hashes": []},
        cosigners=["ningbo-ptc"],
    )
    answers = submit_to(net, [*first_three, COURT], wire(update))
    assert any(a.status_code == 202 for a in answers.values()), {
        n: a.text for n, a in answers.items()
    }
    status = wait_committed(net, first_three[0], update.tx_id)
    assert status["result"]["status"] == "accepted", status
    changed_at = status["height"]
    all_four = [*first_three, COURT]

    # From the next height: four validators, q = 3, on every node.
    net.wait_heights(all_four, changed_at + 1, timeout_s=60)
    for name in all_four:
        shown = net.status(name)
        assert shown["quorum"] == 3, (name, shown["quorum"])
        assert court_key in {v["public_key"] for v in shown["validators"]}

    # The network keeps committing, and the court's precommits land in certificates.
    voted_at = wait_precommit_of(
        net,
        first_three,
        builder,
        court_key,
        after_height=changed_at,
        stream=("after-set-change", 20),
        timeout_s=60,
    )
    assert voted_at > changed_at
    assert court_key not in certificate_signers(net, first_three[0], changed_at)

    # Its checkpoint lines count: a checkpoint after the change verifies with q = 3 of the
    # four verifier keys, and the court's line is among the verified ones.
    verifier_keys = [str(v["note_verifier_key"]) for v in new_validators]
    known = [independent.read_verifier_key(v) for v in verifier_keys]

    def court_line() -> list[str] | None:
        note = net.get(first_three[0], "/v1/checkpoints/latest")
        assert note.status_code == 200
        _origin, size, _root = independent.verify_checkpoint(note.content, verifier_keys, 3)
        _text, signers = independent.open_note(note.content, known)
        return signers if size > changed_at + 1 and COURT in signers else None

    signers = wait_for(court_line, 30, "a checkpoint with the court's line")
    assert len(signers) >= 3

    # All four agree on every block.
    last = net.wait_synced(all_four)
    hashes = [net.block_hashes(name, 0, last) for name in all_four]
    assert all(h == hashes[0] for h in hashes[1:])
