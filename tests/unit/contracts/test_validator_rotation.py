"""A validator key rotates at most once per 24 h of block time (contracts/validator_rotation.py,
ADR 0022): each rotation is a set change that every later receipt lists."""

import pytest

from contracts import AdmissionError, InvalidBlockError, check_admissible
from contracts.state_keys import validator_rotation_key
from contracts.store import load
from contracts.validator_rotation import VALIDATOR_ROTATION_INTERVAL_MS, ValidatorRotation
from contracts.validator_sets import next_validator_set
from genesis.example.parties import BLOCK_INTERVAL_MS, CHAIN_ID, party_key
from protocol.note import verifier_key_string
from protocol.signing import SigningKey
from tests.unit.contracts.test_governance import set_body
from tests.vectors.contracts.network import TestChain

COUNTY, NINGBO, XIAMEN = (party_key(n) for n in ("xiangshan-county", "ningbo-ptc", "xiamen-ptc"))
COURT = party_key("xiangshan-court")
NINGBO_2, NINGBO_3 = party_key("ningbo-ptc-2027"), party_key("ningbo-ptc-2028")


def rotate(old: SigningKey, new: SigningKey) -> dict[str, str]:
    return {"public_key": old.public_key.hex(), "new_public_key": new.public_key.hex()}


def rotation_of(chain: TestChain, institution_id: str) -> ValidatorRotation | None:
    key = validator_rotation_key(institution_id)
    return load(chain.state, key, ValidatorRotation.from_json)


def wait_until_next_block_at(chain: TestChain, time_ms: int) -> None:
    """The next block the chain applies carries time_ms."""
    chain.time_ms = time_ms - BLOCK_INTERVAL_MS


def rotated_once(chain: TestChain) -> ValidatorRotation:
    assert chain.submit("key.rotate", NINGBO, rotate(NINGBO, NINGBO_2), (NINGBO_2,)).reason is None
    last = rotation_of(chain, "ningbo-ptc")
    assert last is not None
    return last


def refusal_in_block(chain: TestChain, old: SigningKey, new: SigningKey) -> str:
    signed = chain.build("key.rotate", old, rotate(old, new), (new,))
    chain.pending.clear()
    with pytest.raises(InvalidBlockError) as caught:
        chain.apply([signed])
    return caught.value.reason


def test_a_validator_rotation_is_recorded_with_its_block(chain: TestChain) -> None:
    assert rotation_of(chain, "ningbo-ptc") is None
    last = rotated_once(chain)
    assert last == ValidatorRotation(
        institution_id="ningbo-ptc", height=chain.height, time_ms=chain.time_ms
    )


def test_a_second_rotation_within_a_day_is_refused_at_admission(chain: TestChain) -> None:
    last = rotated_once(chain)
    signed = chain.build("key.rotate", NINGBO_2, rotate(NINGBO_2, NINGBO_3), (NINGBO_3,))
    chain.pending.clear()
    due_ms = last.time_ms + VALIDATOR_ROTATION_INTERVAL_MS
    now_ms = chain.next_context().time_ms
    with pytest.raises(AdmissionError) as caught:
        check_admissible(chain.state, signed.canonical_bytes(), now_ms, CHAIN_ID)
    assert caught.value.reason.value == "key_rotation_too_soon"
    assert f"at height {last.height}" in str(caught.value)
    assert f"from time_ms {due_ms}, {due_ms - now_ms} ms from now" in str(caught.value)
    # A block carrying it is invalid, up to the last millisecond before the day is over.
    assert refusal_in_block(chain, NINGBO_2, NINGBO_3) == "key_rotation_too_soon"
    wait_until_next_block_at(chain, due_ms - 1)
    assert refusal_in_block(chain, NINGBO_2, NINGBO_3) == "key_rotation_too_soon"
    assert next_validator_set(chain.state).contains(NINGBO_2.public_key)


def test_the_next_rotation_is_admitted_a_day_later(chain: TestChain) -> None:
    last = rotated_once(chain)
    due_ms = last.time_ms + VALIDATOR_ROTATION_INTERVAL_MS
    wait_until_next_block_at(chain, due_ms)
    signed = chain.build("key.rotate", NINGBO_2, rotate(NINGBO_2, NINGBO_3), (NINGBO_3,))
    check_admissible(chain.state, signed.canonical_bytes(), due_ms, CHAIN_ID)
    assert chain.apply([signed])[0].reason is None
    assert next_validator_set(chain.state).contains(NINGBO_3.public_key)
    assert rotation_of(chain, "ningbo-ptc") == ValidatorRotation(
        institution_id="ningbo-ptc", height=chain.height, time_ms=due_ms
    )


def test_two_rotations_of_one_seat_in_one_block_make_it_invalid(chain: TestChain) -> None:
    first = chain.build("key.rotate", NINGBO, rotate(NINGBO, NINGBO_2), (NINGBO_2,))
    second = chain.build("key.rotate", NINGBO_2, rotate(NINGBO_2, NINGBO_3), (NINGBO_3,))
    with pytest.raises(InvalidBlockError) as caught:
        chain.apply([first, second])
    assert (caught.value.index, caught.value.reason) == (1, "key_rotation_too_soon")


def test_each_institution_has_its_own_day(chain: TestChain) -> None:
    rotated_once(chain)
    xiamen_2 = party_key("xiamen-ptc-2027")
    assert chain.submit("key.rotate", XIAMEN, rotate(XIAMEN, xiamen_2), (xiamen_2,)).reason is None
    assert rotation_of(chain, "xiamen-ptc") is not None


def test_a_key_outside_the_next_set_rotates_without_limit(chain: TestChain) -> None:
    """No set change, no receipt growth: an institution key outside the set, or a validator
    key leaving it at the next height, is not limited and leaves no record."""
    court_2, court_3 = party_key("xiangshan-court-2027"), party_key("xiangshan-court-2028")
    assert chain.submit("key.rotate", COURT, rotate(COURT, court_2), (court_2,)).reason is None
    assert chain.submit("key.rotate", court_2, rotate(court_2, court_3), (court_3,)).reason is None
    assert rotation_of(chain, "xiangshan-court") is None
    rotated_once(chain)
    remove = set_body(("xiangshan-county", "xiamen-ptc"), 2)
    assert chain.submit("validators.update", COUNTY, remove, (XIAMEN,)).reason is None
    assert chain.submit("key.rotate", NINGBO_2, rotate(NINGBO_2, NINGBO_3), (NINGBO_3,)).reason is (
        None
    )


def test_the_validators_replace_a_compromised_key_within_the_day(chain: TestChain) -> None:
    """The emergency path: q validators register a fresh key and put it in the seat with
    validators.update (all other validators sign); the set change is not limited."""
    rotated_once(chain)  # say by a thief holding the old key
    fresh = party_key("ningbo-ptc-fresh")
    register = {"institution_id": "ningbo-ptc", "public_key": fresh.public_key.hex()}
    assert chain.submit("key.register", COUNTY, register, (XIAMEN,)).reason is None
    body = set_body(("xiangshan-county", "xiamen-ptc"), 2)
    seat = {
        "name": "ningbo-ptc",
        "public_key": fresh.public_key.hex(),
        "note_verifier_key": verifier_key_string("ningbo-ptc", fresh.public_key),
    }
    validators = body["validator_set"]["validators"]
    validators.append(seat)
    validators.sort(key=lambda v: v["public_key"])
    body["validator_set"]["quorum"] = 2
    assert chain.submit("validators.update", COUNTY, body, (XIAMEN,)).reason is None
    scheduled = next_validator_set(chain.state)
    assert scheduled.contains(fresh.public_key) and not scheduled.contains(NINGBO_2.public_key)
