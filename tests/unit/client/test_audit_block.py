"""client/audit/block.py maps the validator's typed block problems to audit findings."""

from client.audit.block import FINDING_OF_PROBLEM, findings_of
from client.audit.findings import FindingCode
from protocol.block_check import BlockProblem, BlockProblemKind


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
