"""role.grant and role.revoke (ADR 0019): a validator quorum changes an institution's roles."""

from contracts import Institution
from contracts.state_keys import institution_key
from contracts.store import load
from genesis.example.parties import party_key
from genesis.example.xiangshan_case import xiangshan_case_steps
from protocol.results import TxStatus
from tests.unit.contracts.test_governance import set_body
from tests.vectors.contracts.network import TestChain

COUNTY, NINGBO, XIAMEN = (party_key(n) for n in ("xiangshan-county", "ningbo-ptc", "xiamen-ptc"))
COURT = party_key("xiangshan-court")


def roles_of(chain: TestChain, institution_id: str) -> tuple[str, ...]:
    institution = load(chain.state, institution_key(institution_id), Institution.from_json)
    assert institution is not None
    return institution.roles


def role(institution_id: str, name: str) -> dict[str, str]:
    return {"institution_id": institution_id, "role": name}


def test_grant_needs_q_validators(chain: TestChain) -> None:
    body = role("xiangshan-court", "validator")
    assert chain.submit("role.grant", COUNTY, body).reason == "validator_quorum_missing"
    assert roles_of(chain, "xiangshan-court") == ("court",)
    # A quorum of keys outside the set does not count: the court signs for itself.
    assert chain.submit("role.grant", COUNTY, body, (COURT,)).reason == "validator_quorum_missing"
    assert chain.submit("role.grant", COUNTY, body, (NINGBO,)).status is TxStatus.ACCEPTED
    assert roles_of(chain, "xiangshan-court") == ("court", "validator")


def test_granted_validator_role_lets_the_court_join_the_set(chain: TestChain) -> None:
    four = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc", "xiangshan-court")
    update = set_body(four, 3)
    assert chain.submit("validators.update", COUNTY, update, (XIAMEN,)).reason == (
        "validator_not_registered"
    )
    body = role("xiangshan-court", "validator")
    assert chain.submit("role.grant", COUNTY, body, (NINGBO,)).reason is None
    assert chain.submit("validators.update", COUNTY, update, (XIAMEN,)).reason is None


def test_grant_refuses_a_held_role_and_an_unknown_institution(chain: TestChain) -> None:
    held = role("xiangshan-court", "court")
    assert chain.submit("role.grant", COUNTY, held, (NINGBO,)).reason == "role_already_held"
    unknown = role("nowhere-court", "court")
    assert chain.submit("role.grant", COUNTY, unknown, (NINGBO,)).reason == "unknown_institution"


def test_revoke_removes_the_role_and_its_powers(issued: TestChain) -> None:
    chain = issued
    steps = xiangshan_case_steps()
    assert chain.submit_step(steps[5]).reason is None
    body = role("xiangshan-court", "court")
    assert chain.submit("role.revoke", COUNTY, body).reason == "validator_quorum_missing"
    assert chain.submit("role.revoke", COUNTY, body, (NINGBO,)).reason is None
    assert roles_of(chain, "xiangshan-court") == ()
    assert chain.submit_step(steps[6]).reason == "cosigner_not_court"
    assert chain.submit("role.revoke", COUNTY, body, (NINGBO,)).reason == "role_not_held"
    unknown = role("nowhere-court", "court")
    assert chain.submit("role.revoke", COUNTY, unknown, (NINGBO,)).reason == ("unknown_institution")


def test_revoking_the_validator_role_of_a_set_member_is_refused(chain: TestChain) -> None:
    body = role("xiamen-ptc", "validator")
    assert chain.submit("role.revoke", COUNTY, body, (NINGBO,)).reason == "validator_role_in_use"
    # In the block of the update Xiamen is still current (it leaves at the next height).
    two = set_body(("xiangshan-county", "ningbo-ptc"), 2)
    update = chain.build("validators.update", COUNTY, two, (NINGBO, XIAMEN))
    revoke = chain.build("role.revoke", COUNTY, body, (NINGBO,))
    results = chain.apply([update, revoke])
    assert [r.reason for r in results] == [None, "validator_role_in_use"]
    assert chain.submit("role.revoke", COUNTY, body, (NINGBO,)).reason is None
    assert roles_of(chain, "xiamen-ptc") == ("trading_centre",)
