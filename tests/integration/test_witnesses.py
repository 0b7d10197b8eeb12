"""Witnesses on real processes (issue 16 items 2-3, ADR 0021).

A 3-validator network whose genesis names two witnesses (the Xiangshan court's and an
auditor's), one cosignature required. Receipts wait for a cosigned checkpoint; `lantan
witness --once` checks and cosigns; a node killed and restarted still serves the receipt
(its cosignatures are in its LevelDB); the nodes refuse bad cosignatures; `lantan verify
receipt` refuses a receipt whose checkpoint lost its cosignature; a witness whose last
cosigned checkpoint the nodes contradict refuses and writes the evidence. Each witness is
also an institution holding its key (role witness, ADR 0025): `lantan witness --announce`
puts its address on chain, every validator's `GET /v1/witnesses` shows it, and no
validator dials it.
"""

import dataclasses
import json
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.witness.check import checkpoint_of
from genesis.document import GenesisDocument
from genesis.keystore import INTERACTIVE_LIMITS, create_key_directory, write_new_file
from genesis.layout import PASSPHRASE_FILE
from genesis.network import GENESIS_FILE, init_local_network
from protocol.cosignature import cosign, require_cosignatures
from protocol.encoding import JsonObject
from protocol.hashing import Hash32, sha256
from protocol.note import checkpoint_at_height, format_signed_note, parse_signed_note, sign_note
from protocol.witnesses import Witness, WitnessSet
from tests.integration.conftest import commit_xiangshan_case
from tests.integration.lantan_cli import lantan
from tests.integration.network import (
    LocalNet,
    free_base_port,
    prepared_net,
    wait_for,
    write_genesis,
)
from tests.integration.txs import NetKeys, TxBuilder, commit_everywhere
from tests.kit.witness_vkey import vkey_by_the_rule
from tests.unit.contracts.test_announcements import witness_institution
from tests.unit.protocol import independent_note_verifier as independent

pytestmark = pytest.mark.slow
COURT_WITNESS = "xiangshan-court-witness"
AUDITOR_WITNESS = "zhejiang-auditor-witness"


def witness_dir(directory: Path, name: str) -> Path:
    # Beside the network directory, not in it: `net up` reads that directory's layout.
    return directory.parent / f"{directory.name}-witnesses" / name


def genesis_with_witnesses(directory: Path) -> None:
    document: GenesisDocument = init_local_network(
        directory, validator_count=3, genesis_time_ms=time.time_ns() // 1_000_000
    )
    listed = []
    for name in (COURT_WITNESS, AUDITOR_WITNESS):
        passphrase = secrets.token_urlsafe(16).encode()
        key_dir = witness_dir(directory, name)
        made = create_key_directory(key_dir, name, (), passphrase, limits=INTERACTIVE_LIMITS)
        write_new_file(key_dir / PASSPHRASE_FILE, passphrase + b"\n")
        listed.append(Witness(name=name, public_key=made.identity.public_key))
    listed.sort(key=lambda witness: witness.public_key)
    policy = WitnessSet(witnesses=tuple(listed), quorum=1)
    # As `genesis init --witness` writes them (ADR 0025): each an institution with its key.
    institutions = tuple(witness_institution(w.name, w.public_key) for w in listed)
    document = dataclasses.replace(
        document, institutions=document.institutions + institutions, witnesses=policy
    )
    write_genesis(directory, document)


net = prepared_net(genesis_with_witnesses)


@pytest.fixture(scope="module", autouse=True)
def witness_keys_removed(net_directory: Path) -> Iterator[None]:
    """The witnesses' key directories live beside the network's, which its own fixture
    removes: without this every run left one under the temp dir."""
    yield
    shutil.rmtree(witness_dir(net_directory, COURT_WITNESS).parent, ignore_errors=True)


def run_witness(net: LocalNet, name: str, state: Path, *extra: str) -> tuple[int, str, str]:
    done = lantan(
        "witness",
        "--once",
        *extra,
        "--genesis",
        str(net.directory / GENESIS_FILE),
        "--key",
        str(witness_dir(net.directory, name)),
        "--state",
        str(state),
        "--node",
        ",".join(net.url(v) for v in net.validators),
    )
    return done.returncode, done.stdout, done.stderr


def policy(net: LocalNet) -> WitnessSet:
    document = json.loads((net.directory / GENESIS_FILE).read_text())
    return WitnessSet.from_json(document["witnesses"])


@pytest.fixture(scope="module")
def retirement(net: LocalNet) -> str:
    """The court's judicial retirement of the Xiangshan case, committed once."""
    return commit_xiangshan_case(net)["credits.retire_judicial"].hex()


def cosigned_size(out: str) -> int:
    """The largest size a witness round says it cosigned (`NAME cosigned size 12 at 3
    nodes`, or `size 11 at 1 node; size 12 at 2 nodes`)."""
    sizes = [int(size) for size in re.findall(r"size (\d+) at \d+ nodes?", out)]
    assert sizes, out
    return max(sizes)


def test_receipts_wait_for_a_cosigned_checkpoint(
    net: LocalNet, retirement: str, tmp_path: Path
) -> None:
    first = net.validators[0]
    pending = net.get(first, f"/v1/receipts/{retirement}")
    assert pending.status_code == 409, pending.text
    assert pending.json()["error"]["code"] == "CHECKPOINT_PENDING"
    # A size the validators signed but no witness cosigned: a receipt against it would
    # not verify with the genesis file, so none is made (PROTOCOL.md §15).
    latest = parse_signed_note(net.get(first, "/v1/checkpoints/latest").text)
    uncosigned_size = int(latest.text.split("\n")[1])
    uncosigned = net.get(first, f"/v1/receipts/{retirement}", size=uncosigned_size)
    assert uncosigned.status_code == 404, uncosigned.text
    assert "lacks the witness cosignatures" in uncosigned.json()["error"]["detail"]

    code, out, err = run_witness(net, COURT_WITNESS, tmp_path / "court")
    assert code == 0, (out, err)
    size = cosigned_size(out)
    note = net.get(first, f"/v1/checkpoints/{size}").text
    assert require_cosignatures(parse_signed_note(note), policy(net)) == (COURT_WITNESS,)
    # Go's sumdb/note rules (the independent reading) accept the validator lines and
    # ignore the cosignature line.
    status = net.status(first)
    verifier_keys = [str(v["note_verifier_key"]) for v in status["validators"]]
    _origin, verified_size, _root = independent.verify_checkpoint(
        note.encode(), verifier_keys, status["quorum"]
    )
    assert verified_size == size

    def served_receipt() -> bytes | None:
        answer = net.get(first, f"/v1/receipts/{retirement}")
        return answer.content if answer.status_code == 200 else None

    receipt = wait_for(served_receipt, 30, "a receipt on the cosigned checkpoint")
    of_size = net.get(first, f"/v1/receipts/{retirement}", size=size)
    assert of_size.status_code == 200, of_size.text
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(receipt)
    genesis = str(net.directory / GENESIS_FILE)
    valid = lantan("verify", "receipt", str(receipt_file), "--genesis", genesis)
    assert valid.returncode == 0, (valid.stdout, valid.stderr)

    # The same receipt with the checkpoint cut to two validator lines and no cosignature:
    # what two validators alone could sign. Refused for lacking the witness.
    value = json.loads(receipt)
    proof, _, signed = value["history_proof"].partition("\n\n")
    parsed = parse_signed_note(signed)
    cut = format_signed_note(parsed.text, parsed.signatures[:2])
    value["history_proof"] = f"{proof}\n\n{cut}"
    cut_file = tmp_path / "cut.json"
    cut_file.write_text(json.dumps(value, ensure_ascii=False))
    refused = lantan("verify", "receipt", str(cut_file), "--genesis", genesis)
    assert refused.returncode == 1 and "WITNESS_QUORUM" in refused.stdout + refused.stderr


def test_a_restarted_node_keeps_its_cosignatures(net: LocalNet, retirement: str) -> None:
    """No witness runs between the kill and the request: the receipt's cosignature can
    only come from the node's own LevelDB."""
    name = net.validators[1]
    before = net.get(name, f"/v1/receipts/{retirement}")
    assert before.status_code == 200, before.text
    net.kill(name)
    net.start(name)
    net.wait_ready(name)
    after = net.get(name, f"/v1/receipts/{retirement}")
    assert after.status_code == 200, after.text
    note = json.loads(after.content)["history_proof"].partition("\n\n")[2]
    assert require_cosignatures(parse_signed_note(note), policy(net)) == (COURT_WITNESS,)


def test_second_round_extends_by_consistency(net: LocalNet, tmp_path: Path) -> None:
    state = tmp_path / "auditor"
    code, out, err = run_witness(net, AUDITOR_WITNESS, state)
    assert code == 0, (out, err)
    first_size = cosigned_size(out)
    net.wait_heights(net.validators, first_size + 2)
    code, out, err = run_witness(net, AUDITOR_WITNESS, state)
    assert code == 0, (out, err)
    assert cosigned_size(out) > first_size


def test_nodes_refuse_bad_cosignatures(net: LocalNet) -> None:
    first = net.validators[0]
    note = net.get(first, "/v1/checkpoints/latest").text
    checkpoint = checkpoint_of(note)
    text = checkpoint.body()
    keys = NetKeys(net.directory)
    stranger = cosign(text, COURT_WITNESS, keys["xiamen-ptc"], int(time.time()))
    answer = net.post(
        first,
        f"/v1/checkpoints/{checkpoint.size}/cosignatures",
        stranger.note_signature().line().encode(),
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "BAD_COSIGNATURE"
    beyond = net.post(first, "/v1/checkpoints/999999/cosignatures", b"x\n")
    assert beyond.status_code == 404
    huge = net.post(first, f"/v1/checkpoints/{checkpoint.size}/cosignatures", b"x" * 4096)
    assert huge.status_code == 413


def test_witness_refuses_an_inconsistent_checkpoint(net: LocalNet, tmp_path: Path) -> None:
    """The witness last cosigned a checkpoint the nodes now contradict (two validators
    signed another root at a size it saw): it refuses, exits 1 and keeps both notes."""
    first = net.validators[0]
    served = checkpoint_of(net.get(first, "/v1/checkpoints/latest").text)
    keys = NetKeys(net.directory)
    forged_root = Hash32(sha256(b"a history the nodes do not serve"))
    body = checkpoint_at_height(
        chain_id=net.chain_id, height=served.size - 2, root_hash=forged_root
    ).body()
    signers = net.validators[:2]
    forged = format_signed_note(body, [sign_note(body, n, keys[n]) for n in signers])
    state = tmp_path / "court"
    state.mkdir()
    (state / "last-cosigned.note").write_text(forged)

    code, out, err = run_witness(net, COURT_WITNESS, state)
    assert code == 1, (out, err)
    assert "INCONSISTENT" in err and "evidence" in err
    # One evidence file per node that offered a contradicting checkpoint: all three.
    evidence_files = sorted(state.glob("evidence-*.json"))
    assert len(evidence_files) == len(net.validators), err
    for evidence_file in evidence_files:
        evidence = json.loads(evidence_file.read_text())
        assert evidence["refusal"] == "INCONSISTENT"
        assert evidence["last_cosigned_note"] == forged
        assert checkpoint_of(evidence["offered_note"]).size >= served.size
    assert (state / "last-cosigned.note").read_text() == forged


def test_a_witness_announces_its_address_for_auditors_and_is_not_dialled(
    net: LocalNet, tmp_path: Path
) -> None:
    """`lantan witness --announce` sends node.announce signed by the cosigning key once;
    every validator serves the address in GET /v1/witnesses; none adds it to its peers."""
    address = f"http://127.0.0.1:{free_base_port(1)}"
    state = tmp_path / "court-announcing"
    code, out, err = run_witness(net, COURT_WITNESS, state, "--announce", address)
    assert code == 0, (out, err)
    assert f"lantan witness: announced {address} at height" in out, (out, err)
    height = int(out.split(f"announced {address} at height ", 1)[1].split()[0])
    # A second start reads the chain and does not send it again.
    code, out, err = run_witness(net, COURT_WITNESS, state, "--announce", address)
    assert code == 0 and f"address {address} announced at height {height}" in out, (out, err)

    # Two commits later every node has recomputed its peers (after each commit).
    net.wait_heights(net.validators, height + 2)
    court_key = keys_of_policy(net)[COURT_WITNESS]
    for name in net.validators:
        answer = net.get_json(name, "/v1/witnesses")
        assert answer["quorum"] == 1
        seen = {w["name"]: w for w in answer["witnesses"]}
        assert seen[COURT_WITNESS] == {
            "name": COURT_WITNESS,
            "public_key": court_key,
            "cosignature_verifier_key": vkey_by_the_rule(COURT_WITNESS, bytes.fromhex(court_key)),
            "institution_id": COURT_WITNESS,
            "key_status": "active",
            "announced": {"address": address, "height": height},
            "cosigned_size": seen[COURT_WITNESS]["cosigned_size"],
        }
        assert seen[COURT_WITNESS]["cosigned_size"] >= 1
        assert seen[AUDITOR_WITNESS]["announced"] is None
        # Its peer links (one queue per dialled peer) are the two other validators only.
        metrics = net.metrics(name)
        linked = {
            key.split('peer="', 1)[1].split('"', 1)[0]
            for key in metrics
            if key.startswith("lantan_peer_send_queue_messages{")
        }
        assert linked == set(net.validators) - {name}, (name, linked)
        dialled = [k for k in metrics if COURT_WITNESS in k or address in k]
        assert dialled == [], (name, dialled)


def keys_of_policy(net: LocalNet) -> dict[str, str]:
    return {w.name: w.public_key.hex() for w in policy(net).witnesses}


def test_a_learning_witness_cosigns_for_validators_it_was_not_given(
    net: LocalNet, builder: TxBuilder, tmp_path: Path
) -> None:
    """`--learn-validators`: the witness is given one node; the validators' announced
    addresses (node.announce) bring it to the other two, which then keep its cosignature,
    as a validator added later would, without a restart of the witness."""
    first, *others = net.validators
    for name in net.validators:
        body: JsonObject = {"public_key": builder.keys.public(name).hex(), "address": net.url(name)}
        commit_everywhere(net, net.validators, builder.build("node.announce", name, body))

    def auditor_size(name: str) -> int:
        seen = {w["name"]: w for w in net.get_json(name, "/v1/witnesses")["witnesses"]}
        return int(seen[AUDITOR_WITNESS]["cosigned_size"] or 0)

    before = {name: auditor_size(name) for name in others}
    done = lantan(
        *("witness", "--once", "--learn-validators"),
        *("--genesis", str(net.directory / GENESIS_FILE)),
        *("--key", str(witness_dir(net.directory, AUDITOR_WITNESS))),
        *("--state", str(tmp_path / "auditor-learning"), "--node", net.url(first)),
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    for name in others:
        # Each learned node was read in the round and got the cosignature of its own newest
        # checkpoint: newer than any it kept before.
        assert auditor_size(name) > before[name], (name, before, done.stdout)
        assert f"following validator node {net.url(name)} (announced on chain)" in done.stdout
