"""key.rotate and key.revoke (ADR 0019): a key replaced or withdrawn from a height on."""

import pytest

from contracts import AdmissionError, Institution, InvalidBlockError, check_admissible
from contracts.records import KeyRecord, KeyStatus
from contracts.state_keys import institution_key, signing_key_key
from contracts.store import load
from contracts.validator_sets import current_validator_set, next_validator_set
from genesis.example.parties import CHAIN_ID, party_key
from genesis.example.xiangshan_case import xiangshan_case_steps
from protocol.encoding import JsonObject, decode
from protocol.errors import FieldTypeError, MissingFieldError
from protocol.note import verifier_key_string
from protocol.results import TxStatus
from protocol.signing import SigningKey
from protocol.validators import Validator
from tests.unit.contracts.test_governance import set_body
from tests.vectors.contracts.network import TestChain

COUNTY, NINGBO, XIAMEN = (party_key(n) for n in ("xiangshan-county", "ningbo-ptc", "xiamen-ptc"))
COURT = party_key("xiangshan-court")
NEW_COURT = party_key("xiangshan-court-2027")
PROCURATORATE = party_key("xiangshan-procuratorate")


def key_record(chain: TestChain, key: SigningKey) -> KeyRecord | None:
    return load(chain.state, signing_key_key(key.public_key), KeyRecord.from_json)


def court_keys(chain: TestChain) -> tuple[bytes, ...]:
    court = load(chain.state, institution_key("xiangshan-court"), Institution.from_json)
    assert court is not None
    return court.public_keys


def as_object(value: object) -> JsonObject:
    assert isinstance(value, dict)
    return value


def rotate(old: SigningKey, new: SigningKey) -> dict[str, str]:
    return {"public_key": old.public_key.hex(), "new_public_key": new.public_key.hex()}


def revoke(key: SigningKey) -> dict[str, str]:
    return {"public_key": key.public_key.hex()}


def refusal(chain: TestChain, tx_type: str, sender: SigningKey, body: dict[str, str]) -> str:
    """The admission reason a block holding the tx is invalid for."""
    signed = chain.build(tx_type, sender, body)
    chain.pending.clear()
    with pytest.raises(InvalidBlockError) as caught:
        chain.apply([signed])
    return caught.value.reason


def test_rotation_needs_both_keys(chain: TestChain) -> None:
    body = rotate(COURT, NEW_COURT)
    assert chain.submit("key.rotate", COURT, body).reason == "new_key_signature_missing"
    assert chain.submit("key.rotate", COUNTY, body, (NEW_COURT,)).reason == (
        "old_key_signature_missing"
    )
    assert chain.submit("key.rotate", COURT, body, (NEW_COURT,)).status is TxStatus.ACCEPTED
    assert court_keys(chain) == (NEW_COURT.public_key,)
    old = key_record(chain, COURT)
    assert old is not None and old.status is KeyStatus.ROTATED
    assert old.status_height == chain.height
    assert key_record(chain, NEW_COURT) == KeyRecord(
        public_key=NEW_COURT.public_key, institution_id="xiangshan-court"
    )


def test_a_rotated_key_signs_no_more_and_the_new_one_does(issued: TestChain) -> None:
    chain = issued
    steps = xiangshan_case_steps()
    assert chain.submit_step(steps[5]).reason is None
    assert chain.submit("key.rotate", COURT, rotate(COURT, NEW_COURT), (NEW_COURT,)).reason is None
    judicial = steps[6]
    signed = chain.build(judicial.tx_type, COUNTY, judicial.body, (COURT,))
    chain.pending.clear()
    with pytest.raises(AdmissionError, match="key_rotated"):
        check_admissible(chain.state, signed.canonical_bytes(), chain.time_ms, CHAIN_ID)
    assert chain.submit(judicial.tx_type, COUNTY, judicial.body, (NEW_COURT,)).reason is None


def test_rotation_refusals(chain: TestChain) -> None:
    stranger = party_key("nobody")
    assert chain.submit("key.rotate", COURT, rotate(COURT, COUNTY), (COUNTY,)).reason == (
        "key_in_use"
    )
    # A key the institution holds already is not new either.
    second = {"institution_id": "xiangshan-court", "public_key": NEW_COURT.public_key.hex()}
    assert chain.submit("key.register", COUNTY, second, (NINGBO,)).reason is None
    assert chain.submit("key.rotate", COURT, rotate(COURT, NEW_COURT), (NEW_COURT,)).reason == (
        "key_in_use"
    )
    # A holder key is no institution's key.
    township = party_key("huangbiao-township")
    chain.submit_step(xiangshan_case_steps()[0])
    body = rotate(township, stranger)
    assert chain.submit("key.rotate", township, body, (stranger,)).reason == "unknown_key"


def test_rotation_to_the_same_key_is_malformed(chain: TestChain) -> None:
    assert refusal(chain, "key.rotate", COURT, rotate(COURT, COURT)) == "field_type"


def test_holder_revokes_its_own_key(issued: TestChain) -> None:
    chain = issued
    steps = xiangshan_case_steps()
    assert chain.submit_step(steps[5]).reason is None
    assert chain.submit("key.revoke", COURT, revoke(COURT)).reason is None
    record = key_record(chain, COURT)
    assert record is not None and record.status is KeyStatus.REVOKED
    assert record.status_height == chain.height
    assert court_keys(chain) == ()
    # The judicial retirement the court's key would confirm is refused with its reason.
    judicial = steps[6]
    signed = chain.build(judicial.tx_type, COUNTY, judicial.body, (COURT,))
    chain.pending.clear()
    with pytest.raises(AdmissionError, match="key_revoked"):
        check_admissible(chain.state, signed.canonical_bytes(), chain.time_ms, CHAIN_ID)
    assert refusal(chain, "key.revoke", COURT, revoke(COURT)) == "key_revoked"


def test_quorum_revokes_a_lost_key(chain: TestChain) -> None:
    body = revoke(COURT)
    assert chain.submit("key.revoke", COUNTY, body).reason == "validator_quorum_missing"
    assert chain.submit("key.revoke", COUNTY, body, (NINGBO,)).reason is None
    assert chain.submit("key.revoke", COUNTY, body, (NINGBO,)).reason == "key_not_active"
    # A revoked key can never be registered again, for any institution.
    again = {"institution_id": "xiangshan-court", "public_key": COURT.public_key.hex()}
    assert chain.submit("key.register", COUNTY, again, (NINGBO,)).reason == "key_in_use"


def test_revocation_refusals(chain: TestChain) -> None:
    assert chain.submit("key.revoke", XIAMEN, revoke(XIAMEN)).reason == "key_in_validator_set"
    unknown = revoke(party_key("nobody"))
    assert chain.submit("key.revoke", COUNTY, unknown, (NINGBO,)).reason == "unknown_key"


@pytest.mark.parametrize("revoke_first", [False, True])
def test_revocation_is_effective_from_the_next_tx(issued: TestChain, revoke_first: bool) -> None:
    """Earlier in the same block the key still signs; after the revoke tx it does not."""
    chain = issued
    steps = xiangshan_case_steps()
    assert chain.submit_step(steps[5]).reason is None
    judicial = steps[6]
    retire = chain.build(judicial.tx_type, COUNTY, judicial.body, (COURT,))
    withdraw = chain.build("key.revoke", COURT, revoke(COURT))
    if not revoke_first:
        assert [r.reason for r in chain.apply([retire, withdraw])] == [None, None]
        return
    with pytest.raises(InvalidBlockError, match="key_revoked") as caught:
        chain.apply([withdraw, retire])
    assert caught.value.index == 1


def test_active_key_records_keep_their_bytes(chain: TestChain) -> None:
    raw = chain.state.get(signing_key_key(COURT.public_key))
    assert raw is not None
    assert sorted(as_object(decode(raw))) == ["institution_id", "public_key"]
    assert chain.submit("key.revoke", COURT, revoke(COURT)).reason is None
    raw = chain.state.get(signing_key_key(COURT.public_key))
    assert raw is not None
    value = as_object(decode(raw))
    assert value["status"] == "revoked" and value["status_height"] == chain.height
    assert KeyRecord.from_json(value).to_json() == value


def test_a_revoked_key_cannot_join_the_validator_set(chain: TestChain) -> None:
    grant = {"institution_id": "xiangshan-court", "role": "validator"}
    assert chain.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    assert chain.submit("key.revoke", COUNTY, revoke(COURT), (NINGBO,)).reason is None
    four = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc", "xiangshan-court")
    update = set_body(four, 3)
    assert chain.submit("validators.update", COUNTY, update, (XIAMEN,)).reason == (
        "validator_not_registered"
    )


def test_a_key_record_has_one_encoding_per_state() -> None:
    base: JsonObject = {"public_key": COURT.public_key.hex(), "institution_id": "xiangshan-court"}
    with pytest.raises(FieldTypeError, match="status active"):
        KeyRecord.from_json({**base, "status": "active", "status_height": 3})
    with pytest.raises(MissingFieldError):
        KeyRecord.from_json({**base, "status": "revoked"})
    with pytest.raises(FieldTypeError):
        KeyRecord.from_json({**base, "status": "revoked", "status_height": 0})
    assert KeyRecord.from_json(base).to_json() == base


NEW_NINGBO = party_key("ningbo-ptc-2027")


def test_rotating_a_validator_key_replaces_it_in_the_next_set(chain: TestChain) -> None:
    """ADR 0022: same name and quorum, the new key and its verifier key, from the next height."""
    before = current_validator_set(chain.state)
    body = rotate(NINGBO, NEW_NINGBO)
    assert chain.submit("key.rotate", NINGBO, body, (NEW_NINGBO,)).reason is None
    rotated_at = chain.height
    # The block that rotated it is still certified by the old key's set ...
    assert current_validator_set(chain.state) == before
    scheduled = next_validator_set(chain.state)
    assert scheduled.quorum == before.quorum and scheduled.size == before.size
    assert not scheduled.contains(NINGBO.public_key)
    assert scheduled.by_key(NEW_NINGBO.public_key) == Validator(
        name="ningbo-ptc",
        public_key=NEW_NINGBO.public_key,
        note_verifier_key=verifier_key_string("ningbo-ptc", NEW_NINGBO.public_key),
    )
    others = {v for v in before.validators if v.public_key != NINGBO.public_key}
    assert others <= set(scheduled.validators)
    # ... and the next block by the new key's: the header's next_validators_hash said so.
    assert chain.apply([]) == ()
    assert chain.height == rotated_at + 1
    assert current_validator_set(chain.state) == scheduled
    old = key_record(chain, NINGBO)
    assert old is not None and old.status is KeyStatus.ROTATED
    assert old.status_height == rotated_at


def test_a_rotated_validator_key_joins_governance_quorums(chain: TestChain) -> None:
    """The new key counts toward q from the next height (require_validator_quorum reads the
    current set), the old key signs nothing any more."""
    body = rotate(NINGBO, NEW_NINGBO)
    assert chain.submit("key.rotate", NINGBO, body, (NEW_NINGBO,)).reason is None
    grant = {"institution_id": "xiangshan-court", "role": "auditor"}
    assert chain.submit("role.grant", COUNTY, grant, (NEW_NINGBO,)).reason is None
    assert refusal(chain, "role.grant", NINGBO, grant) == "key_rotated"


def test_a_validator_key_leaving_the_set_is_rotated_without_a_set_change(
    chain: TestChain,
) -> None:
    """A key in the current set but not the next signs nothing after this height."""
    remove = set_body(("xiangshan-county", "xiamen-ptc"), 2)
    assert chain.submit("validators.update", COUNTY, remove, (NINGBO, XIAMEN)).reason is None
    scheduled = next_validator_set(chain.state)
    assert current_validator_set(chain.state).contains(NINGBO.public_key)
    body = rotate(NINGBO, NEW_NINGBO)
    assert chain.submit("key.rotate", NINGBO, body, (NEW_NINGBO,)).reason is None
    assert next_validator_set(chain.state) == scheduled


def test_a_validator_key_is_still_not_revoked(chain: TestChain) -> None:
    assert chain.submit("key.revoke", NINGBO, revoke(NINGBO)).reason == "key_in_validator_set"
