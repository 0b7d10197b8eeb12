"""project.tenure and project.tenure_release (ADR 0027): the project's issuer records its
boundary and tenure certificate once; one certificate backs at most one active project;
releasing the tenure frees the certificate and stops new issuance from the project."""

from typing import Any

import pytest

from contracts.credit_records import Project
from contracts.state_keys import project_key, project_tenure_key, tenure_claim_key
from contracts.state_tree import state_tree_key
from contracts.store import load
from contracts.tenure_records import ProjectTenure, ProjectTenureBody, TenureClaim
from genesis.example.parties import party_key
from genesis.example.xiangshan_case import PROJECT_ID, VERIFICATION_ID, xiangshan_case_steps
from protocol.errors import SchemaError, SmtProofError
from protocol.smt import SparseMerkleTree
from protocol.smt_proof import verify_inclusion, verify_non_inclusion
from protocol.smt_store import MemorySmtStore
from tests.unit.contracts.conftest import run_steps
from tests.vectors.contracts.network import TestChain

COUNTY, NINGBO = party_key("xiangshan-county"), party_key("ningbo-ptc")
AUDITOR = party_key("zhejiang-auditor")
CERTIFICATE = "2019B33022500123"
OTHER_PROJECT = "huangbiao-seagrass"


def tenure_body(project_id: str = PROJECT_ID, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project_id": project_id,
        "boundary_sha256": "33" * 32,
        "centroid_lat_udeg": 29_541_234,
        "centroid_lon_udeg": 121_873_456,
        "area_m2": 2_400_000,
        "certificate_kind": "sea_area_use",
        "certificate_number": CERTIFICATE,
    }
    return body | changes


def release(project_id: str = PROJECT_ID) -> dict[str, Any]:
    return {"project_id": project_id}


@pytest.fixture
def verified() -> TestChain:
    """The township account, the Huangbi'ao project and its 2022 verification (nothing
    issued yet), and a second project of the county."""
    chain = run_steps(TestChain.create(), 3)
    register = xiangshan_case_steps()[1]
    other = dict(register.body) | {"project_id": OTHER_PROJECT}
    assert chain.submit("project.register", COUNTY, other).reason is None
    return chain


def tenure(chain: TestChain, project_id: str = PROJECT_ID) -> ProjectTenure | None:
    return load(chain.state, project_tenure_key(project_id), ProjectTenure.from_json)


def claim(chain: TestChain, kind: str = "sea_area_use", number: str = CERTIFICATE) -> Any:
    return load(chain.state, tenure_claim_key(kind, number), TenureClaim.from_json)


def issue(batch_id: str, quantity_kg: int = 9_000) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "verification_id": VERIFICATION_ID,
        "vintage": 2022,
        "quantity_kg": quantity_kg,
        "buffer_kg": quantity_kg // 9,
        "to_account": "huangbiao-township",
    }


def test_the_issuer_records_tenure_and_the_certificate_index(verified: TestChain) -> None:
    before = verified.state.get(project_key(PROJECT_ID))
    assert verified.submit("project.tenure", COUNTY, tenure_body()).reason is None
    record = tenure(verified)
    assert record is not None
    assert record.to_json() == {
        **tenure_body(),
        "recorded_by": COUNTY.public_key.hex(),
        "height": verified.height,
        "status": "active",
        "ended_height": None,
    }
    assert claim(verified).to_json() == {
        "certificate_kind": "sea_area_use",
        "certificate_number": CERTIFICATE,
        "project_id": PROJECT_ID,
    }
    # The project record itself is untouched (ADR 0027: additive only).
    assert verified.state.get(project_key(PROJECT_ID)) == before
    assert load(verified.state, project_key(PROJECT_ID), Project.from_json) is not None


def test_one_certificate_backs_one_active_project(verified: TestChain) -> None:
    assert verified.submit("project.tenure", COUNTY, tenure_body()).reason is None
    second = tenure_body(OTHER_PROJECT, boundary_sha256="44" * 32)
    assert verified.submit("project.tenure", COUNTY, second).reason == "certificate_claimed"
    assert tenure(verified, OTHER_PROJECT) is None
    assert claim(verified).project_id == PROJECT_ID
    # The same number under the other kind is another certificate; another number is free.
    land = tenure_body(OTHER_PROJECT, certificate_kind="land_tenure")
    assert verified.submit("project.tenure", COUNTY, land).reason is None
    assert claim(verified, "land_tenure").project_id == OTHER_PROJECT


def test_a_project_records_its_tenure_once(verified: TestChain) -> None:
    assert verified.submit("project.tenure", COUNTY, tenure_body()).reason is None
    again = tenure_body(certificate_number="2020B33022500999")
    assert verified.submit("project.tenure", COUNTY, again).reason == "tenure_already_recorded"
    assert claim(verified, number="2020B33022500999") is None
    assert verified.submit("project.tenure_release", COUNTY, release()).reason is None
    # Ended is recorded too: a project whose tenure was lost does not take a new one.
    assert verified.submit("project.tenure", COUNTY, again).reason == "tenure_already_recorded"


def test_only_the_project_issuer_records_or_releases(verified: TestChain) -> None:
    assert verified.submit("project.tenure", NINGBO, tenure_body()).reason == "signer_lacks_role"
    grant = {"institution_id": "zhejiang-auditor", "role": "issuer"}
    assert verified.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    assert verified.submit("project.tenure", AUDITOR, tenure_body()).reason == (
        "not_project_issuer"
    )
    unknown = tenure_body("no-such-project")
    assert verified.submit("project.tenure", COUNTY, unknown).reason == "unknown_project"
    assert verified.submit("project.tenure", COUNTY, tenure_body()).reason is None
    assert verified.submit("project.tenure_release", AUDITOR, release()).reason == (
        "not_project_issuer"
    )
    assert verified.submit("project.tenure_release", NINGBO, release()).reason == (
        "signer_lacks_role"
    )
    record = tenure(verified)
    assert record is not None and record.status == "active"


def test_release_frees_the_certificate_and_ends_the_tenure(verified: TestChain) -> None:
    assert verified.submit("project.tenure_release", COUNTY, release()).reason == (
        "no_active_tenure"
    )
    assert verified.submit("project.tenure", COUNTY, tenure_body()).reason is None
    recorded_at = verified.height
    assert verified.submit("project.tenure_release", COUNTY, release()).reason is None
    record = tenure(verified)
    assert record is not None
    assert record.status == "ended" and record.ended_height == verified.height
    assert record.height == recorded_at and record.certificate_number == CERTIFICATE
    assert verified.state.get(tenure_claim_key("sea_area_use", CERTIFICATE)) is None
    assert verified.submit("project.tenure_release", COUNTY, release()).reason == (
        "no_active_tenure"
    )
    # The certificate is free: another project may now be backed by it.
    other = tenure_body(OTHER_PROJECT)
    assert verified.submit("project.tenure", COUNTY, other).reason is None
    assert claim(verified).project_id == OTHER_PROJECT


def test_issuance_stops_when_tenure_ends(verified: TestChain) -> None:
    # No tenure record: issuance as before ADR 0027.
    assert verified.submit("credits.issue", COUNTY, issue("b-1")).reason is None
    assert verified.submit("project.tenure", COUNTY, tenure_body()).reason is None
    assert verified.submit("credits.issue", COUNTY, issue("b-2")).reason is None
    assert verified.submit("project.tenure_release", COUNTY, release()).reason is None
    assert verified.submit("credits.issue", COUNTY, issue("b-3")).reason == "tenure_ended"
    # Credits issued before stay: they move as before.
    assert verified.state.get("batch/b-2") is not None


def state_tree(chain: TestChain) -> SparseMerkleTree:
    tree = SparseMerkleTree(MemorySmtStore())
    tree.update(0, {state_tree_key(key): value for key, value in chain.state.items()})
    return tree


def test_the_state_tree_proves_which_project_a_certificate_backs_or_none(
    verified: TestChain,
) -> None:
    assert verified.submit("project.tenure", COUNTY, tenure_body()).reason is None
    key = state_tree_key(tenure_claim_key("sea_area_use", CERTIFICATE))
    unclaimed = state_tree_key(tenure_claim_key("land_tenure", CERTIFICATE))
    tree = state_tree(verified)
    value = verified.state.get(tenure_claim_key("sea_area_use", CERTIFICATE))
    assert value is not None
    verify_inclusion(tree.root(), key, value, tree.prove(key))
    verify_non_inclusion(tree.root(), unclaimed, tree.prove(unclaimed))
    with pytest.raises(SmtProofError):
        verify_non_inclusion(tree.root(), key, tree.prove(key))
    # Released: the same certificate now has a non-inclusion proof.
    assert verified.submit("project.tenure_release", COUNTY, release()).reason is None
    tree = state_tree(verified)
    verify_non_inclusion(tree.root(), key, tree.prove(key))


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("boundary_sha256", "33" * 31, "boundary_sha256"),
        ("centroid_lat_udeg", 90_000_001, "centroid_lat_udeg"),
        ("centroid_lat_udeg", -90_000_001, "centroid_lat_udeg"),
        ("centroid_lon_udeg", 180_000_001, "centroid_lon_udeg"),
        ("centroid_lon_udeg", -180_000_001, "centroid_lon_udeg"),
        ("centroid_lat_udeg", 29.541234, "centroid_lat_udeg"),
        ("area_m2", 0, "area_m2"),
        ("area_m2", 10**12 + 1, "area_m2"),
        ("certificate_kind", "forest", "certificate_kind"),
        ("certificate_number", "", "certificate_number"),
        ("certificate_number", "2019b33022500123", "certificate_number"),
        ("certificate_number", "2019/B33", "certificate_number"),
        ("certificate_number", "-2019B33", "certificate_number"),
        ("certificate_number", "国海证2019B33022500123", "certificate_number"),
        ("certificate_number", "9" * 49, "certificate_number"),
        ("project_id", "Huangbiao", "project_id"),
    ],
)
def test_the_body_is_read_strictly(field: str, value: object, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        ProjectTenureBody.from_json(tenure_body() | {field: value})


@pytest.mark.parametrize(
    ("lat", "lon", "number"),
    [
        (90_000_000, 180_000_000, "9" * 48),
        (-90_000_000, -180_000_000, "A"),
        (0, 0, "ZJ-2021-0000123"),
    ],
)
def test_the_bounds_are_inclusive(lat: int, lon: int, number: str) -> None:
    body = tenure_body(centroid_lat_udeg=lat, centroid_lon_udeg=lon, certificate_number=number)
    assert ProjectTenureBody.from_json(body).to_json() == body
