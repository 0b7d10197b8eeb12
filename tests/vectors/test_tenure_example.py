"""The bytes of docs/STATE.md's project.tenure example are what the contracts write (ADR
0027); test_single_examples.py checks that the example and its vector are current."""

from contracts.state_keys import project_tenure_key, tenure_claim_key
from contracts.tenure_records import ProjectTenure, TenureClaim
from genesis.example.parties import party_key
from protocol.encoding import decode
from protocol.hashing import sha256
from tests.unit.contracts.conftest import run_steps
from tests.vectors import tenure_example as example
from tests.vectors.contracts.network import TestChain


def test_the_documented_bytes_parse_as_the_contracts_read_them() -> None:
    lines = example.build_section().lines
    values = dict(lines[:2])
    signed = example.example_tx()
    assert signed.canonical_bytes().decode() == values["JCS(signed tx)"]
    keys = [value for label, value in lines if label == "state key"]
    records = [value for label, value in lines if label == "value = JCS(record)"]
    assert keys == [
        project_tenure_key("huangbiao-mariculture"),
        tenure_claim_key("sea_area_use", "2019B33022500123"),
    ]
    tenure = ProjectTenure.from_json(decode(records[0].encode()))
    assert tenure.to_json() == {
        **example.BODY,
        "recorded_by": signed.tx.sender.hex(),
        "height": example.HEIGHT,
        "status": "active",
        "ended_height": None,
    }
    assert tenure.boundary_sha256 == sha256(example.BOUNDARY_GEOJSON)
    claim = TenureClaim.from_json(decode(records[1].encode()))
    assert claim.project_id == tenure.project_id
    assert claim.certificate_number == tenure.certificate_number


def test_the_example_tx_writes_exactly_the_documented_records() -> None:
    """Executed on a chain where the issuer registered the project, the tx writes these
    two records with these bytes (the example's height aside, which the chain sets)."""
    chain = run_steps(TestChain.create(), 2)
    lines = example.build_section().lines
    records = [value for label, value in lines if label == "value = JCS(record)"]
    assert chain.submit("project.tenure", party_key(example.ISSUER), example.BODY).reason is None
    state = chain.state
    claim_key = tenure_claim_key("sea_area_use", "2019B33022500123")
    assert state.get(claim_key) == records[1].encode()
    written = decode(state.get(project_tenure_key("huangbiao-mariculture")) or b"null")
    expected = decode(records[0].encode())
    assert isinstance(written, dict) and isinstance(expected, dict)
    assert {k: v for k, v in written.items() if k not in ("height", "recorded_by")} == {
        k: v for k, v in expected.items() if k not in ("height", "recorded_by")
    }
