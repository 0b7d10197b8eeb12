"""The court-grade Xiangshan case (genesis/example/xiangshan_court_grade.py, issue 17) on a
running 3-validator network, once: every step is accepted on every validator, the batch is
issued from the monitoring centre's attestation, the case is satisfied by the judicial
retirement, and the court's receipt verifies offline with `lantan verify receipt`.

Then, on the same network with an observer joined, the sealed-bid auction of ADR 0034
(genesis/example/auction_case.py: three bidders, one never reveals) of 20,000 of the
27,500 kg the Township kept: `lantan auction verify` recomputes the same winner and price
from a validator's blocks and from the observer's, and fails against another chain's
genesis file.
"""

import json
from dataclasses import dataclass, replace
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from client.cli.main import main
from genesis.example.auction_case import (
    AUCTION_SETUP,
    BID_STEPS,
    BIDDERS,
    LOT_ID,
    REVEAL_STEPS,
    SETTLE_STEP,
    UNREVEALED,
    WINNER,
    WINNING_FEN_PER_T,
    open_step,
)
from genesis.example.parties import party_key
from genesis.example.xiangshan_case import (
    BUFFER_KG,
    CASE_ID,
    ISSUED_KG,
    SUBSCRIBED_KG,
    VERIFICATION_ID,
    CaseStep,
)
from genesis.example.xiangshan_court_grade import JUDGMENT_HASH, VERIFIER_ID, court_grade_steps
from genesis.layout import GENESIS_FILE
from protocol.encoding import JsonValue
from protocol.hashing import Hash32
from protocol.signing import SigningKey
from tests.integration.conftest import commit_xiangshan_case
from tests.integration.lantan_cli import lantan
from tests.integration.network import LocalNet, free_base_port
from tests.integration.txs import NetKeys, TxBuilder, submit_to, wait_committed, wire

pytestmark = pytest.mark.slow
VERIFIER = SigningKey(sha256(b"integration: ningbo marine monitoring centre").digest())


@pytest.fixture(scope="module")
def committed(net: LocalNet) -> dict[str, Hash32]:
    """Every court-grade step, committed and accepted on every validator; tx ids by type."""
    return commit_xiangshan_case(net, court_grade_steps(), made_keys={VERIFIER_ID: VERIFIER})


def test_the_batch_is_issued_from_the_attestation(
    net: LocalNet, committed: dict[str, Hash32]
) -> None:
    for name in net.validators:
        attested = net.get_json(name, f"/v1/attested-verifications/{VERIFICATION_ID}")
        assert attested["attested_by"] == VERIFIER.public_key.hex()
        assert attested["issued_kg"] == ISSUED_KG + BUFFER_KG
        verifier = net.get_json(name, f"/v1/institutions/{VERIFIER_ID}")
        assert verifier["roles"] == ["verifier"]


def test_the_case_is_satisfied(net: LocalNet, committed: dict[str, Hash32]) -> None:
    for name in net.validators:
        case = net.get_json(name, f"/v1/cases/{CASE_ID}")
        assert case["status"] == "satisfied"
        assert case["retired_kg"] == case["required_kg"] == SUBSCRIBED_KG
        assert case["retirement_ids"] == [committed["credits.retire_judicial"].hex()]
        assert case["judgment"]["judgment_hash"] == JUDGMENT_HASH.hex()
        assert case["closure"] is None


def test_the_courts_receipt_proves_the_case_satisfied_offline(
    net: LocalNet, committed: dict[str, Hash32], tmp_path: Path
) -> None:
    """The case-satisfied receipt (`lantan receipt case`: the receipt of the judicial
    retirement that satisfied the case) verifies with the genesis file alone and proves the
    attested verification behind the credits and the case satisfied by that retirement."""
    genesis = str(net.directory / GENESIS_FILE)
    receipt = tmp_path / "case-receipt.json"
    node = net.url(net.validators[0])
    fetched = lantan(
        "receipt", "case", CASE_ID, "--node", node, "--genesis", genesis, "--out", str(receipt)
    )
    assert fetched.returncode == 0, fetched.stderr
    verified = lantan("verify", "receipt", str(receipt), "--genesis", genesis, "--json")
    assert verified.returncode == 0, verified.stderr + verified.stdout
    facts = json.loads(verified.stdout)
    assert facts["valid"] is True
    assert facts["receipt_id"] == committed["credits.retire_judicial"].hex()
    assert facts["verification"]["attested"] is True
    assert facts["verification"]["verifier_id"] == VERIFIER_ID
    case = facts["case_status"]
    assert (case["status"], case["satisfies"]) == ("satisfied", True)
    assert case["judgment"]["judgment_hash"] == JUDGMENT_HASH.hex()


# --- the sealed-bid auction (ADR 0034) on the same network, with an observer ---------------

AUCTION_KG = 20_000
"""Of the 27,500 kg the Township keeps after the obligors' subscription."""
OBSERVER = "observer-1"
TOWNSHIP = SigningKey(sha256(b"integration: huangbiao township holder").digest())
"""conftest.commit_xiangshan_case's holder of the Township account."""
WINDOW_SLACK = 2
"""Heights each window keeps beyond the sends it must hold."""


@dataclass(frozen=True)
class Auction:
    settle_height: int
    lot: dict[str, Any]


def _commit_at_once(net: LocalNet, builder: TxBuilder, steps: list[CaseStep]) -> list[int]:
    """Submit each step's tx to every validator at once; each must be accepted. Heights."""
    signed = []
    for step in steps:
        sender = TOWNSHIP if step.sender == "huangbiao-township" else step.sender
        if step.sender in {bidder.account_id for bidder in BIDDERS}:
            sender = party_key(step.sender)
        signed.append(builder.build(step.tx_type, sender, step.body, step.cosigners))
    for tx in signed:
        answers = submit_to(net, net.validators, wire(tx))
        assert any(a.status_code == 202 for a in answers.values()), tx.tx.type
    heights = []
    for tx, step in zip(signed, steps, strict=True):
        status = wait_committed(net, net.validators[0], tx.tx_id)
        assert status["result"]["status"] == "accepted", (step.label, status)
        heights.append(int(status["height"]))
    return heights


@pytest.fixture(scope="module")
def auction(net: LocalNet, committed: dict[str, Hash32]) -> Auction:
    """An observer joins; the lot runs from opening to settlement, the windows sized by how
    many heights the bidder accounts took to commit here."""
    net.write_config(OBSERVER, port=free_base_port(1), peers=net.validators, observer=True)
    net.start(OBSERVER)
    builder = TxBuilder(net, NetKeys(net.directory))
    first = net.validators[0]
    before = net.height(first)
    latency = max(max(_commit_at_once(net, builder, list(AUCTION_SETUP))) - before, 1)
    head = net.height(first)
    bid_end = head + 2 * latency + WINDOW_SLACK
    reveal_end = bid_end + latency + WINDOW_SLACK
    opening = open_step(head)
    windows: dict[str, JsonValue] = {
        "quantity_kg": AUCTION_KG,
        "bid_end_height": bid_end,
        "reveal_end_height": reveal_end,
    }
    _commit_at_once(net, builder, [replace(opening, body=opening.body | windows)])
    _commit_at_once(net, builder, list(BID_STEPS))
    net.wait_heights([first], bid_end + 1)
    _commit_at_once(net, builder, list(REVEAL_STEPS))
    net.wait_heights([first], reveal_end + 1)
    (settled,) = _commit_at_once(net, builder, [SETTLE_STEP])
    net.wait_heights([OBSERVER], settled)
    return Auction(settle_height=settled, lot=net.get_json(first, f"/v1/auctions/{LOT_ID}"))


def test_auction_verify_agrees_from_a_validator_and_from_the_observer(
    net: LocalNet, auction: Auction, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lantan auction verify --json` (in this process: the nodes are the real processes)."""
    assert net.status(OBSERVER)["role"] == "observer"
    genesis = str(net.directory / GENESIS_FILE)
    reports = {}
    for name in (net.validators[1], OBSERVER):
        node = ["--node", net.url(name), "--genesis", genesis, "--json"]
        assert main(["auction", "verify", LOT_ID, *node]) == 0, capsys.readouterr()
        reports[name] = json.loads(capsys.readouterr().out)
    validator, observer = reports.values()
    outcome = ("winner_account", "price_fen_per_t", "total_fen", "unrevealed", "invalid")
    assert (
        [validator[k] for k in outcome]
        == [observer[k] for k in outcome]
        == [
            WINNER.account_id,
            WINNING_FEN_PER_T,
            AUCTION_KG * WINNING_FEN_PER_T // 1000,
            [UNREVEALED.account_id],
            [],
        ]
    )
    assert validator["verified"] and observer["verified"] and not validator["differences"]
    assert validator["settle_height"] == observer["settle_height"] == auction.settle_height
    lot = auction.lot
    assert (lot["winner_account"], lot["quantity_kg"]) == (WINNER.account_id, AUCTION_KG)
    assert [bid["bidder_account"] for bid in lot["bids"]] == lot["bidders"]
    assert sorted(lot["bidders"]) == sorted(bidder.account_id for bidder in BIDDERS)


def test_auction_verify_fails_against_another_chains_genesis(
    net: LocalNet, auction: Auction, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = json.loads((net.directory / GENESIS_FILE).read_text())
    other["chain_name"] = "another-network"
    genesis = tmp_path / "other-genesis.json"
    genesis.write_text(json.dumps(other))
    node = net.url(OBSERVER)
    assert main(["auction", "verify", LOT_ID, "--node", node, "--genesis", str(genesis)]) == 1
    # Said as what it is, before any block is fetched (it was an INVALID block's chain).
    err = capsys.readouterr().err
    assert f"but {genesis} is chain" in err and "wrong genesis file" in err, err
