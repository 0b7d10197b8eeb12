"""The one block transition and the one header check: every problem kind can be produced,
and each tampering is found as exactly its own kind (protocol/block_check.py,
contracts/transition.py). Blocks come from the audit kit's honest forge."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from contracts.errors import InvalidBlockError
from contracts.replay import ChainReplay
from contracts.state import MemoryState
from contracts.state_tree import state_root_of
from contracts.transition import block_context, check_execution, execute_block, verify_execution
from contracts.validator_sets import next_validator_set
from genesis.example.chain_forge import ChainForge
from genesis.example.parties import party_key
from protocol.block import BLOCK_EVIDENCE_MAX, Block, evidence_root, tx_root
from protocol.block_check import (
    BlockParent,
    BlockProblem,
    BlockProblemKind,
    check_body,
    check_header,
)
from protocol.hashing import Hash32, sha256
from protocol.smt_store import BranchSmtStore
from tests.unit.contracts.evidence_kit import duplicate_votes

OTHER = Hash32(sha256(b"another value"))
Kind = BlockProblemKind


@dataclass(frozen=True)
class Candidate:
    """A block at forge.head + 1 and the clock a validator reads it with."""

    block: Block
    now_ms: int | None = None


def all_problems(forge: ChainForge, candidate: Candidate) -> list[BlockProblem]:
    """What a validator checks, in its order: header, body, execution."""
    parent = BlockParent(
        header=forge.head,
        history_root=forge.log.root(),
        validators=next_validator_set(forge.replay.state),
        chain_id=forge.chain_id,
    )
    assert forge.replay.smt is not None
    header = candidate.block.header
    problems = check_header(header, parent, now_ms=candidate.now_ms, drift_ms=0)
    problems += check_body(candidate.block)
    tree = BranchSmtStore(forge.replay.smt, forge.head.height)
    _, executed = verify_execution(
        forge.replay.state, candidate.block, chain_id=forge.chain_id, tree=tree
    )
    return problems + executed


@pytest.fixture
def forge() -> ChainForge:
    chain = ChainForge()
    chain.grow(2, txs_per_block=1)
    return chain


def honest(forge: ChainForge) -> Block:
    return forge.build([forge.attest("honest")]).block


def with_header(**changes: Any) -> Callable[[ChainForge], Candidate]:
    def make(forge: ChainForge) -> Candidate:
        block = honest(forge)
        return Candidate(block=replace(block, header=replace(block.header, **changes)))

    return make


def time_not_increasing(forge: ChainForge) -> Candidate:
    return with_header(time_ms=forge.head.time_ms)(forge)


def time_ahead(forge: ChainForge) -> Candidate:
    block = honest(forge)
    return Candidate(block=block, now_ms=block.header.time_ms - 1)


def proposer_not_validator(forge: ChainForge) -> Candidate:
    return with_header(proposer=party_key("xiangshan-court").public_key)(forge)


def not_executable(forge: ChainForge) -> Candidate:
    # The second tx of a sender alone: its nonce skips the first, so admission fails.
    block = honest(forge)
    forge.attest("skipped")
    gap = forge.attest("after the gap")
    header = replace(block.header, tx_root=tx_root((gap,)))
    return Candidate(block=Block(header=header, txs=(gap,), evidence=()))


def evidence_over_the_bound(forge: ChainForge) -> Candidate:
    # BLOCK_EVIDENCE_MAX + 1 valid items, every root right: only the bound is broken.
    key = forge.validator_keys[0]
    items = tuple(
        duplicate_votes(key, chain_id=forge.chain_id, round_number=r)
        for r in range(BLOCK_EVIDENCE_MAX + 1)
    )
    block = honest(forge)
    assert forge.replay.smt is not None
    tree = BranchSmtStore(forge.replay.smt, forge.head.height)
    ctx = block_context(forge.chain_id, block.header)
    done = execute_block(forge.replay.state, ctx, block.txs, items, tree=tree)
    assert done.state_root is not None
    header = replace(
        block.header,
        evidence_root=evidence_root(items),
        results_root=done.results_root,
        state_root=done.state_root,
    )
    return Candidate(block=Block(header=header, txs=block.txs, evidence=items))


TAMPERING: dict[BlockProblemKind, Callable[[ChainForge], Candidate]] = {
    Kind.PROTOCOL_VERSION: with_header(protocol_version=2),
    Kind.CHAIN_ID: with_header(chain_id=OTHER),
    Kind.HEIGHT: with_header(height=7),
    Kind.PREV_HASH: with_header(prev_hash=OTHER),
    Kind.HISTORY_ROOT: with_header(history_root=OTHER),
    Kind.VALIDATORS_HASH: with_header(validators_hash=OTHER),
    Kind.TIME_NOT_INCREASING: time_not_increasing,
    Kind.TIME_AHEAD: time_ahead,
    Kind.PROPOSER_NOT_VALIDATOR: proposer_not_validator,
    Kind.TX_ROOT: with_header(tx_root=OTHER),
    Kind.EVIDENCE_ROOT: with_header(evidence_root=OTHER),
    Kind.EVIDENCE_COUNT: evidence_over_the_bound,
    Kind.NOT_EXECUTABLE: not_executable,
    Kind.RESULTS_ROOT: with_header(results_root=OTHER),
    Kind.STATE_ROOT: with_header(state_root=OTHER),
    Kind.NEXT_VALIDATORS_HASH: with_header(next_validators_hash=OTHER),
}


def test_every_problem_kind_has_a_tampering() -> None:
    assert set(TAMPERING) == set(BlockProblemKind)


def test_an_honest_block_has_no_problem(forge: ChainForge) -> None:
    assert all_problems(forge, Candidate(block=honest(forge))) == []


@pytest.mark.parametrize("kind", list(TAMPERING), ids=[k.value for k in TAMPERING])
def test_each_tampering_is_found_as_exactly_its_kind(forge: ChainForge, kind: Kind) -> None:
    problems = all_problems(forge, TAMPERING[kind](forge))
    assert [problem.kind for problem in problems] == [kind]
    assert problems[0].detail


def test_every_problem_is_reported_not_only_the_first(forge: ChainForge) -> None:
    block = honest(forge)
    header = replace(block.header, prev_hash=OTHER, state_root=OTHER, tx_root=OTHER)
    kinds = [p.kind for p in all_problems(forge, Candidate(block=replace(block, header=header)))]
    assert kinds == [Kind.PREV_HASH, Kind.TX_ROOT, Kind.STATE_ROOT]


def test_a_mismatch_carries_the_claimed_and_the_expected_value(forge: ChainForge) -> None:
    block = honest(forge)
    forged = replace(block, header=replace(block.header, state_root=OTHER))
    (problem,) = all_problems(forge, Candidate(block=forged))
    assert problem.claimed == OTHER
    assert problem.expected == block.header.state_root
    assert isinstance(problem.expected, bytes)
    assert problem.detail == f"state_root {OTHER.hex()} != expected {problem.expected.hex()}"


def test_the_clock_check_is_inclusive_at_the_limit(forge: ChainForge) -> None:
    block = honest(forge)
    at_limit = Candidate(block=block, now_ms=block.header.time_ms)
    assert all_problems(forge, at_limit) == []
    (problem,) = all_problems(forge, Candidate(block=block, now_ms=block.header.time_ms - 5))
    assert problem.detail == "time_ms is 5 ms ahead"


# --- the transition itself ------------------------------------------------------------------


def test_the_transition_gives_apply_blocks_writes_and_the_whole_states_root() -> None:
    forge = ChainForge()
    forge.grow(1, txs_per_block=2)
    block = forge.build([forge.attest("a"), forge.attest("b")]).block
    state, ctx = forge.replay.state, block_context(forge.chain_id, block.header)
    assert forge.replay.smt is not None
    tree = BranchSmtStore(forge.replay.smt, forge.head.height)
    transition = execute_block(state, ctx, block.txs, block.evidence, tree=tree)
    assert isinstance(state, MemoryState)
    after = MemoryState(dict(state.items()))
    after.apply(transition.writes)
    # The tree is history-independent: the incremental root is a fresh tree's root.
    assert transition.state_root == state_root_of(dict(after.items()))
    assert transition.next_validators == next_validator_set(after)
    assert check_execution(block.header, transition) == []


def test_a_traced_transition_is_the_same_and_says_what_each_tx_changed() -> None:
    forge = ChainForge()
    block = forge.build([forge.attest("a"), forge.attest("b")]).block
    ctx = block_context(forge.chain_id, block.header)
    plain = execute_block(forge.replay.state, ctx, block.txs, block.evidence, tree=None)
    traced = execute_block(
        forge.replay.state, ctx, block.txs, block.evidence, tree=None, trace=True
    )
    assert (traced.writes, traced.results) == (plain.writes, plain.results)
    assert plain.tx_changes == () and len(traced.tx_changes) == 2
    first, second = traced.tx_changes
    nonce_key = next(key for key in first if key.startswith("nonce/"))
    # The same sender: the second tx sees the nonce the first one wrote.
    assert second[nonce_key][0] == first[nonce_key][1] != first[nonce_key][0]
    assert {key for change in traced.tx_changes for key in change} <= set(traced.writes)


def test_a_block_that_does_not_execute_raises_from_execute_block() -> None:
    forge = ChainForge()
    ctx = block_context(forge.chain_id, forge.build().block.header)
    forge.attest("skipped")
    gap = forge.attest("gap")
    with pytest.raises(InvalidBlockError):
        execute_block(forge.replay.state, ctx, (gap,), (), tree=None)


# --- the in-memory chain replay --------------------------------------------------------------


def test_two_blocks_for_one_height_execute_on_the_same_parent() -> None:
    forge = ChainForge()
    replay = forge.replay
    one = forge.build([forge.attest("one")]).block
    two = forge.build([forge.attest("two", sender="xiamen-ptc")]).block
    first, problems_one = replay.execute(one)
    second, problems_two = replay.execute(two)
    assert first is not None and second is not None and problems_one == problems_two == []
    assert first.state_root != second.state_root
    replay.adopt(second)
    assert replay.height == 1 and replay.tx_count == 1
    assert replay.smt is not None and replay.smt.get_root(1) == second.state_root


def test_a_replay_without_a_tree_checks_every_root_but_the_state_root() -> None:
    forge = ChainForge()
    genesis = forge.genesis
    replay = ChainReplay(genesis.chain_id, genesis.state, with_tree=False)
    block = forge.build([forge.attest("x")]).block
    assert replay.smt is None and replay.genesis_state_root is None
    forged = replace(block, header=replace(block.header, state_root=OTHER))
    execution, problems = replay.execute(forged)
    assert execution is not None and execution.state_root is None and problems == []
    bad = replace(block, header=replace(block.header, results_root=OTHER))
    assert [p.kind for p in replay.execute(bad)[1]] == [Kind.RESULTS_ROOT]
