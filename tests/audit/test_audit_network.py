"""`lantan audit` against real node processes: honest networks pass, forged chains fail.

One 3-validator network serves every case. The bad chains are built properly: the third
validator is stopped, its LevelDB gets a forged block certified with the test validators'
keys, and it is started with the test-only LANTAN_TEST_SKIP_STARTUP_CHECK=1; the audit
must name the finding and the height. Each case starts again from the same copy of the
victim's data, taken once, while the two honest validators keep committing.
"""

import dataclasses
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contracts.state_keys import VALIDATORS_NEXT_KEY
from genesis.document import parse_genesis
from genesis.network import GENESIS_FILE
from node.config import load_config, render_config
from node.ledger import Ledger
from node.startup_check import EXIT_STARTUP_CHECK
from protocol.encoding import encode
from protocol.signing import SigningKey
from tests.audit.forge import Forged, forge_next_block, sorted_keys, stopped_node_ledger
from tests.audit.network import (
    errors,
    findings,
    replace_data,
    run_audit,
    run_audit_text,
    start_checked_in_foreground,
    start_unchecked,
    stop,
)
from tests.integration.network import LocalNet
from tests.integration.txs import NetKeys, TxBuilder, submit_batch, wait_committed

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Victim:
    """The validator whose data the cases forge, and a copy of its data at `height`."""

    name: str
    snapshot: Path
    height: int
    honest: list[str]
    keys: list[SigningKey]
    """The validators' keys, sorted by public key."""
    quorum: int


@pytest.fixture(scope="module")
def keys(net3: LocalNet) -> NetKeys:
    return NetKeys(net3.directory)


def submit_attests(net: LocalNet, keys: NetKeys, prefix: str, count: int) -> None:
    builder = TxBuilder(net, keys)
    txs = builder.attest_stream("ningbo-ptc", prefix, count)
    submit_batch(net, net.validators, txs)
    wait_committed(net, net.validators[0], txs[-1].tx_id)


def test_an_honest_network_of_three_passes_and_saves_its_checkpoint(
    net3: LocalNet, keys: NetKeys, tmp_path: Path
) -> None:
    code, report = run_audit(net3, "--replay")
    assert code == 0 and errors(report) == [], report["findings"]  # no user txs yet
    submit_attests(net3, keys, "audit3", 20)
    state = tmp_path / "audit-state.json"
    code, report = run_audit(net3, "--state", str(state))
    assert code == 0 and errors(report) == [], report["findings"]
    assert report["tx_count"] >= 20 and report["state_saved"]
    first_size = report["new_checkpoint"]["size"]
    net3.wait_heights(net3.validators, first_size + 1)
    code, report = run_audit(net3, "--state", str(state), "--replay")
    assert code == 0 and report["findings"] == [], report["findings"]
    assert report["replayed"] and report["new_checkpoint"]["size"] > first_size


@pytest.fixture(scope="module")
def victim(net3: LocalNet, keys: NetKeys, tmp_path_factory: pytest.TempPathFactory) -> Victim:
    name = net3.validators[2]
    stop(net3, name)
    snapshot = tmp_path_factory.mktemp("victim") / "data"
    shutil.copytree(net3.directory / name / "data", snapshot)
    with stopped_node_ledger(net3.directory, name) as ledger:
        height = ledger.height
    validators = parse_genesis((net3.directory / GENESIS_FILE).read_bytes()).validators
    return Victim(
        name=name,
        snapshot=snapshot,
        height=height,
        honest=net3.validators[:2],
        keys=sorted_keys([keys[v.name] for v in validators.validators]),
        quorum=validators.quorum,
    )


def stage(net: LocalNet, victim: Victim, forge: Callable[[Ledger], Forged]) -> Forged:
    """Reset the victim to its snapshot, forge its next block, serve it unchecked."""
    stop(net, victim.name)
    replace_data(net, victim.name, victim.snapshot)
    with stopped_node_ledger(net.directory, victim.name) as ledger:
        forged = forge(ledger)
    net.wait_heights(victim.honest, forged.height + 1)
    start_unchecked(net, victim.name, forged.height)
    return forged


def audit_a_forged_head(
    net: LocalNet, victim: Victim, signers: Sequence[SigningKey]
) -> tuple[Forged, dict[str, Any]]:
    """Stage a forged next block certified by signers; the audit must fail on it."""
    forged = stage(net, victim, lambda ledger: forge_next_block(ledger, victim.keys, signers))
    code, report = run_audit(net)
    assert code != 0
    return forged, report


def test_a_forked_block_is_named_with_both_certificates(net3: LocalNet, victim: Victim) -> None:
    forged, report = audit_a_forged_head(net3, victim, victim.keys[:2])
    assert ("FORK", forged.height) in findings(report), report["findings"]
    (fork,) = [f for f in report["findings"] if f["code"] == "FORK"]
    blocks = fork["evidence"]["blocks"]
    assert {b["block_hash"] for b in blocks} >= {forged.block_hash.hex()}
    assert all(len(b["certificate"]["signatures"]) >= victim.quorum for b in blocks)
    assert report["diverged"] == {net3.url(victim.name): forged.height}
    code, text = run_audit_text(net3)
    assert code != 0 and f"ERROR FORK at height {forged.height}" in text
    assert text.count('"certificate":') == 2 and "FAILED: 1 finding(s)" in text


@pytest.mark.parametrize(
    ("signers_of", "finding"),
    [
        (lambda keys: keys[:1], "CERTIFICATE_BELOW_QUORUM"),
        (lambda keys: [keys[0], keys[0]], "CERTIFICATE_DUPLICATE_SIGNER"),
    ],
    ids=["below-quorum", "duplicated-signer"],
)
def test_a_bad_certificate_is_named(
    net3: LocalNet,
    victim: Victim,
    signers_of: Callable[[list[SigningKey]], list[SigningKey]],
    finding: str,
) -> None:
    forged, report = audit_a_forged_head(net3, victim, signers_of(victim.keys))
    assert (finding, forged.height) in findings(report), report["findings"]


def test_a_state_root_that_replay_does_not_reproduce_is_named(
    net3: LocalNet, victim: Victim
) -> None:
    minted = {"account/forged-by-test": encode({"account_id": "forged-by-test"})}

    def forge(ledger: Ledger) -> Forged:
        assert ledger.store.state.get(VALIDATORS_NEXT_KEY) is not None
        return forge_next_block(ledger, victim.keys, victim.keys[:2], extra_writes=minted)

    forged = stage(net3, victim, forge)
    code, report = run_audit(net3, "--replay", names=[victim.name])
    assert code != 0
    assert findings(report) == {("REPLAY_STATE_ROOT_MISMATCH", forged.height)} | {
        (f["code"], f["height"]) for f in report["findings"] if f["severity"] == "warning"
    }, report["findings"]


def test_the_start_up_check_refuses_a_forged_head(net3: LocalNet, victim: Victim) -> None:
    stop(net3, victim.name)
    replace_data(net3, victim.name, victim.snapshot)
    with stopped_node_ledger(net3.directory, victim.name) as ledger:
        forged = forge_next_block(ledger, victim.keys, victim.keys[:1])
    finished = start_checked_in_foreground(net3, victim.name)
    assert finished.returncode == EXIT_STARTUP_CHECK, finished.stderr[-2000:]
    assert "refusing to start" in finished.stderr
    assert f"certificate of head {forged.height}" in finished.stderr


def test_a_node_restored_from_an_older_backup_is_behind_not_accused(
    net3: LocalNet, victim: Victim, tmp_path: Path
) -> None:
    """It serves a prefix of the audited chain: nothing it serves contradicts the saved
    checkpoint, which came from the other nodes, so it is a warning, not a ROLLBACK."""
    stop(net3, victim.name)
    state = tmp_path / "audit-state.json"
    code, report = run_audit(net3, "--state", str(state), names=victim.honest)
    assert code == 0 and report["state_saved"], report["findings"]
    saved_height = report["new_checkpoint"]["size"] - 1
    assert saved_height > victim.height
    # The restored backup is older than what the auditor saw; alone (no peers), the node
    # cannot catch up and serves the old chain.
    replace_data(net3, victim.name, victim.snapshot)
    config_path = net3.directory / victim.name / "node.toml"
    original = config_path.read_text()
    config = load_config(net3.directory / victim.name)
    config_path.write_text(render_config(dataclasses.replace(config, peers=())))
    try:
        start_unchecked(net3, victim.name, victim.height)
        code, report = run_audit(net3, "--state", str(state))
    finally:
        stop(net3, victim.name)
        config_path.write_text(original)
    assert code == 0 and errors(report) == [], report["findings"]
    behind = [f for f in report["findings"] if f["code"] == "NODE_BEHIND_SAVED_CHECKPOINT"]
    assert [(f["severity"], f["nodes"]) for f in behind] == [
        ("warning", [net3.url(victim.name)])
    ], report["findings"]
