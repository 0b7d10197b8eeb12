"""The court-grade Xiangshan case (genesis/example/xiangshan_court_grade.py, issue 17) on a
running 3-validator network, once: every step is accepted on every validator, the batch is
issued from the monitoring centre's attestation, the case is satisfied by the judicial
retirement, and the court's receipt verifies offline with `lantan verify receipt`.
"""

import json
from hashlib import sha256
from pathlib import Path

import pytest

from genesis.example.xiangshan_case import (
    BUFFER_KG,
    CASE_ID,
    ISSUED_KG,
    SUBSCRIBED_KG,
    VERIFICATION_ID,
)
from genesis.example.xiangshan_court_grade import JUDGMENT_HASH, VERIFIER_ID, court_grade_steps
from genesis.layout import GENESIS_FILE
from protocol.hashing import Hash32
from protocol.signing import SigningKey
from tests.integration.conftest import commit_xiangshan_case
from tests.integration.lantan_cli import lantan
from tests.integration.network import LocalNet

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
