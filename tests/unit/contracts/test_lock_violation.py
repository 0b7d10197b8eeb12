"""Lock-violation evidence (ADR 0012): checked by check_evidence, recorded like the others.

The test chain has three validators, q = 2: each window round needs two signed prevotes of
members that name something other than the block the offender later prevoted.
"""

from dataclasses import replace

import pytest

from contracts import InvalidBlockError, apply_block
from contracts.evidence import check_evidence, is_evidence_recorded, load_evidence
from genesis.example.parties import CHAIN_ID, party_key
from protocol.errors import FieldTypeError
from protocol.evidence import evidence_from_json
from protocol.hashing import Hash32, sha256
from protocol.lock_violation import LockViolationEvidence
from protocol.signing import SigningKey
from protocol.votes import SignedVote, Vote, VoteType, sign_vote
from tests.vectors.contracts.network import TestChain

XIAMEN, NINGBO, XIANGSHAN = (party_key(n) for n in ("xiamen-ptc", "ningbo-ptc", "xiangshan-county"))
OUTSIDER = party_key("zhejiang-auditor")
OTHER_CHAIN = Hash32(sha256(b"another chain"))
A, B, C = (Hash32(bytes([fill]) * 32) for fill in (1, 2, 3))
PRE, COM = VoteType.PREVOTE, VoteType.PRECOMMIT


def vote(
    key: SigningKey, kind: VoteType, round_number: int, block: Hash32 | None, **changes: object
) -> SignedVote:
    fields: dict[str, object] = {"chain_id": CHAIN_ID, "height": 3}
    fields.update(changes)
    return sign_vote(
        Vote(type=kind, round=round_number, block_hash=block, **fields),  # type: ignore[arg-type]
        key,
    )


def window(round_number: int, *keys: SigningKey, block: Hash32 | None = A) -> list[SignedVote]:
    signed = [vote(k, PRE, round_number, block) for k in keys]
    return sorted(signed, key=lambda v: v.validator)


def amnesia(
    *, window_prevotes: list[SignedVote] | None = None, chain_id: Hash32 = CHAIN_ID
) -> LockViolationEvidence:
    """xiamen-ptc precommitted A in round 0 and prevoted B in round 1."""
    if window_prevotes is None:
        window_prevotes = window(0, XIAMEN, NINGBO)
    return LockViolationEvidence(
        precommit=vote(XIAMEN, COM, 0, A, chain_id=chain_id),
        prevote=vote(XIAMEN, PRE, 1, B, chain_id=chain_id),
        window_prevotes=tuple(window_prevotes),
    )


def test_a_proven_lock_violation_is_accepted_and_recorded(chain: TestChain) -> None:
    evidence = amnesia()
    check_evidence(chain.state, evidence, CHAIN_ID)
    ctx = chain.next_context()
    writes, _ = apply_block(chain.state, ctx, [], [evidence])
    chain.state.apply(writes)
    record = load_evidence(chain.state, evidence.hash())
    assert record is not None and record.offender == XIAMEN.public_key
    assert record.evidence == evidence.to_json()
    # One offence, one record: another window proving it is a duplicate.
    other = amnesia(window_prevotes=window(0, NINGBO, XIANGSHAN, block=None))
    assert other.hash() == evidence.hash() and is_evidence_recorded(chain.state, other.hash())
    with pytest.raises(InvalidBlockError, match="evidence_duplicate"):
        check_evidence(chain.state, other, CHAIN_ID)


def test_json_round_trip_and_a_nil_or_other_block_window() -> None:
    mixed = sorted([*window(0, NINGBO, block=None), *window(0, XIAMEN)], key=lambda v: v.validator)
    evidence = amnesia(window_prevotes=mixed)
    assert evidence_from_json(evidence.to_json()) == evidence
    assert sorted(evidence.to_json()) == ["precommit", "prevote", "type", "window_prevotes"]
    assert evidence.is_valid()


def _forged() -> LockViolationEvidence:
    evidence = amnesia()
    first = replace(evidence.window_prevotes[0], signature=bytes(64))
    return replace(evidence, window_prevotes=(first, *evidence.window_prevotes[1:]))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a zeroed window signature", "evidence_bad_signature"),
        ("a precommit signed by another key", "evidence_bad_signature"),
        ("one prevote in the window round", "evidence_pol_not_excluded"),
        ("a round of the window without prevotes", "evidence_pol_not_excluded"),
        ("votes of another chain", "evidence_wrong_chain"),
        ("a window prevote by a non-validator", "evidence_not_a_validator"),
        ("an offender outside the set", "evidence_not_a_validator"),
    ],
)
def test_forged_unjustified_or_foreign_evidence_is_refused(
    chain: TestChain, name: str, reason: str
) -> None:
    honest = amnesia()
    stolen = replace(honest.precommit, signature=NINGBO.sign(honest.precommit.vote.sign_bytes()))
    two_rounds = LockViolationEvidence(
        precommit=vote(XIAMEN, COM, 0, A),
        prevote=vote(XIAMEN, PRE, 2, B),
        window_prevotes=tuple(window(0, XIAMEN, NINGBO)),
    )
    outsider = LockViolationEvidence(
        precommit=vote(OUTSIDER, COM, 0, A),
        prevote=vote(OUTSIDER, PRE, 1, B),
        window_prevotes=tuple(window(0, XIAMEN, NINGBO)),
    )
    cases = {
        "a zeroed window signature": _forged(),
        "a precommit signed by another key": replace(honest, precommit=stolen),
        "one prevote in the window round": amnesia(window_prevotes=window(0, NINGBO)),
        "a round of the window without prevotes": two_rounds,
        "votes of another chain": amnesia(chain_id=OTHER_CHAIN, window_prevotes=[]),
        "a window prevote by a non-validator": amnesia(window_prevotes=window(0, NINGBO, OUTSIDER)),
        "an offender outside the set": outsider,
    }
    evidence = cases[name]
    with pytest.raises(InvalidBlockError, match=reason):
        check_evidence(chain.state, evidence, CHAIN_ID)
    with pytest.raises(InvalidBlockError, match=reason):
        apply_block(chain.state, chain.next_context(), [], [evidence])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("different validators", "different validators"),
        ("the prevote before the precommit", "within 16 rounds"),
        ("a window of 17 rounds", "within 16 rounds"),
        ("a nil prevote", "not nil"),
        ("the locked block again", "do not conflict"),
        ("two precommits", "a precommit and a later prevote"),
        ("another height", "different chains or heights"),
        ("a window prevote for the later block", "names the block"),
        ("a window prevote after the window", "outside rounds"),
        ("a window precommit", "prevotes of the evidence's height"),
        ("a window prevote of another height", "prevotes of the evidence's height"),
        ("unsorted window", "sorted"),
        ("one validator twice in a round", "sorted"),
    ],
)
def test_mismatched_votes_are_not_evidence(name: str, message: str) -> None:
    lock = vote(XIAMEN, COM, 3, A)
    later = vote(XIAMEN, PRE, 4, B)
    round3 = window(3, XIAMEN, NINGBO)
    cases: dict[str, tuple[SignedVote, SignedVote, list[SignedVote]]] = {
        "different validators": (lock, vote(NINGBO, PRE, 4, B), round3),
        "the prevote before the precommit": (lock, vote(XIAMEN, PRE, 2, B), []),
        "a window of 17 rounds": (vote(XIAMEN, COM, 0, A), vote(XIAMEN, PRE, 17, B), []),
        "a nil prevote": (lock, vote(XIAMEN, PRE, 4, None), round3),
        "the locked block again": (lock, vote(XIAMEN, PRE, 4, A), round3),
        "two precommits": (lock, vote(XIAMEN, COM, 4, B), round3),
        "another height": (lock, vote(XIAMEN, PRE, 4, B, height=4), round3),
        "a window prevote for the later block": (lock, later, window(3, XIAMEN, NINGBO, block=B)),
        "a window prevote after the window": (lock, later, window(4, XIAMEN, NINGBO)),
        "a window precommit": (lock, later, [vote(NINGBO, COM, 3, A)]),
        "a window prevote of another height": (lock, later, [vote(NINGBO, PRE, 3, A, height=2)]),
        "unsorted window": (lock, later, list(reversed(round3))),
        "one validator twice in a round": (
            lock,
            later,
            window(3, NINGBO) + window(3, NINGBO, block=C),
        ),
    }
    precommit, prevote, prevotes = cases[name]
    with pytest.raises(FieldTypeError, match=message):
        LockViolationEvidence(precommit=precommit, prevote=prevote, window_prevotes=tuple(prevotes))
    raw = {
        "type": "lock_violation",
        "precommit": precommit.to_json(),
        "prevote": prevote.to_json(),
        "window_prevotes": [v.to_json() for v in prevotes],
    }
    with pytest.raises(FieldTypeError):
        evidence_from_json(raw)
