"""`lantan audit` lists recorded lock-violation evidence like duplicate votes (ADR 0012)."""

from client.audit.chain_audit import recorded_misbehaviour
from genesis.example.chain_forge import ChainForge
from protocol.hashing import Hash32
from protocol.lock_violation import LockViolationEvidence
from protocol.signing import SigningKey
from protocol.votes import SignedVote, Vote, VoteType, sign_vote


def test_recorded_lock_violation_names_the_validator_and_the_rounds() -> None:
    forge = ChainForge()
    keys = sorted(forge.validator_keys, key=lambda k: k.public_key)
    offender = keys[1]
    chain_id = forge.genesis.chain_id

    def vote(key: SigningKey, kind: VoteType, round_number: int, fill: int) -> SignedVote:
        block = Hash32(bytes([fill]) * 32)
        shape = Vote(type=kind, chain_id=chain_id, height=4, round=round_number, block_hash=block)
        return sign_vote(shape, key)

    evidence = LockViolationEvidence(
        precommit=vote(offender, VoteType.PRECOMMIT, 2, 1),
        prevote=vote(offender, VoteType.PREVOTE, 3, 2),
        window_prevotes=tuple(vote(k, VoteType.PREVOTE, 2, 1) for k in keys[:2]),
    )
    validators = forge.genesis.document.validators
    item = recorded_misbehaviour(9, evidence, validators)
    member = validators.by_key(offender.public_key)
    assert member is not None and item.offender_name == member.name
    text = item.summary()
    assert "broke its lock at height 4" in text and "round 2" in text and "round 3" in text
    assert item.to_json()["evidence_hash"] == evidence.hash().hex()
