"""The signer-state file and its guard (DESIGN.md §4)."""

import pytest

from consensus import (
    SignedStep,
    decode_signer_state,
    encode_signer_state,
    initial_signer_state,
    may_sign,
    may_sign_checkpoint,
    record_checkpoint,
    record_signed,
)
from consensus.signer_state import SignerState
from protocol.errors import NonCanonicalError, SchemaError
from protocol.hashing import Hash32

A, B = Hash32(b"a" * 32), Hash32(b"b" * 32)
PRE, COM, PROP = SignedStep.PREVOTE, SignedStep.PRECOMMIT, SignedStep.PROPOSAL


def test_initial_state_is_height_zero_with_nothing_signed():
    state = initial_signer_state()
    assert (state.height, state.step, state.locked_round, state.checkpoint_size) == (0, None, -1, 0)


def test_json_round_trip_is_canonical():
    state = SignerState(
        height=7,
        round=2,
        step=COM,
        block_hash=A,
        locked_round=2,
        locked_block=A,
        valid_round=2,
        valid_block=A,
        checkpoint_size=7,
        checkpoint_root=B,
    )
    data = encode_signer_state(state)
    assert decode_signer_state(data) == state
    assert (
        decode_signer_state(encode_signer_state(initial_signer_state())) == initial_signer_state()
    )
    assert data.startswith(b'{"block_hash":"')


def test_decoding_refuses_non_canonical_or_unknown_content():
    with pytest.raises(NonCanonicalError):
        decode_signer_state(b'{ "height": 0 }')
    data = encode_signer_state(initial_signer_state()).replace(b'"none"', b'"vote"')
    with pytest.raises(SchemaError):
        decode_signer_state(data)


def test_guard_allows_only_later_positions_or_the_identical_vote():
    state = record_signed(initial_signer_state(), 3, 1, PRE, A)
    assert may_sign(state, 3, 1, COM, B)
    assert may_sign(state, 3, 2, PROP, B)
    assert may_sign(state, 3, 1, PRE, A), "re-signing the same vote gives identical bytes"
    assert not may_sign(state, 3, 1, PRE, B)
    assert not may_sign(state, 3, 1, PRE, None)
    assert not may_sign(state, 3, 0, COM, A)
    assert not may_sign(state, 2, 9, COM, A)


def test_guard_never_signs_a_second_proposal_for_one_round():
    state = record_signed(initial_signer_state(), 3, 1, PROP, A)
    assert not may_sign(state, 3, 1, PROP, A)
    assert may_sign(state, 3, 1, PRE, A)


def test_record_signed_asserts_the_guard():
    state = record_signed(initial_signer_state(), 3, 1, COM, A)
    with pytest.raises(AssertionError):
        record_signed(state, 3, 1, PRE, A)


def test_checkpoint_guard_never_signs_two_roots_for_one_size():
    state = record_checkpoint(initial_signer_state(), 5, A)
    assert may_sign_checkpoint(state, 5, A)
    assert not may_sign_checkpoint(state, 5, B)
    assert not may_sign_checkpoint(state, 4, B)
    assert may_sign_checkpoint(state, 6, B)
