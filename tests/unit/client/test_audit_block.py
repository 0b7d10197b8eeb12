"""client/audit/block.py maps the validator's typed block problems to audit findings."""

import pytest

from client.audit.block import FINDING_OF_PROBLEM, findings_of, served_results_problem
from client.audit.findings import FindingCode
from client.audit.replay import ReplayState
from genesis.example.chain_forge import ChainForge
from protocol.block_check import BlockProblem, BlockProblemKind
from protocol.encoding import JsonObject


def test_every_block_problem_kind_has_a_finding_code() -> None:
    assert set(FINDING_OF_PROBLEM) == set(BlockProblemKind)


def test_findings_keep_every_problem_in_order_with_its_sentence() -> None:
    problems = [
        BlockProblem(kind=BlockProblemKind.HEIGHT, claimed=3, expected=2),
        BlockProblem(kind=BlockProblemKind.NOT_EXECUTABLE, note="tx 0: bad nonce"),
        BlockProblem(kind=BlockProblemKind.STATE_ROOT, claimed=b"\x01", expected=b"\x02"),
    ]
    assert findings_of(problems) == [
        (FindingCode.HEADER_FIELD_MISMATCH, "height 3 != expected 2"),
        (FindingCode.BLOCK_NOT_EXECUTABLE, "block does not execute: tx 0: bad nonce"),
        (FindingCode.REPLAY_STATE_ROOT_MISMATCH, "state_root 01 != expected 02"),
    ]


def _results_case(name: str, honest: list[JsonObject]) -> object:
    """Served results of a 3-tx block, altered as `name` says."""
    first, second, third = honest
    rejected = {**second, "status": "rejected", "reason": "policy_exists"}
    cases: dict[str, object] = {
        "honest": honest,
        "not a list": {"0": first},
        "empty": [],
        "one short": [first, second],
        "reordered": [second, first, third],
        "a result rejected": [first, rejected, third],
        "unknown field": [first, {**second, "extra": 1}, third],
        "tx_id upper case": [first, {**second, "tx_id": str(second["tx_id"]).upper()}, third],
        "status not a string": [first, {**second, "status": 1}, third],
    }
    return cases[name]


RESULT_CASES = (
    "honest",
    "not a list",
    "empty",
    "one short",
    "reordered",
    "a result rejected",
    "unknown field",
    "tx_id upper case",
    "status not a string",
)


@pytest.mark.parametrize("name", RESULT_CASES)
def test_served_results_against_the_replay_give_the_full_checks_answer(name: str) -> None:
    # With the block replayed, results equal to the replayed ones are not parsed again; any
    # other answer must get exactly the finding the full parse gives without a replay.
    forge = ChainForge()
    built = forge.build([forge.attest(f"policy-{index}") for index in range(3)])
    replay = ReplayState(forge.genesis)
    execution, problems = replay.execute(built.block)
    assert execution is not None and problems == []
    raw = _results_case(name, [result.to_json() for result in built.results])
    expected = served_results_problem(built.block, raw)
    assert served_results_problem(built.block, raw, execution) == expected
    assert (expected is None) == (name == "honest")
