"""Checks of one block against its parent as the auditor tracks it. Pure: no I/O.

PROTOCOL.md §11 items 1-3 for a single candidate block. The rules are the validator's own:
header links and body roots from protocol/block_check.py, execution and its roots from
contracts/transition.py (through the replay). This module maps their typed problems to
finding codes, keeps every one (an audit reports all, a validator stops at the first), and
adds what only an auditor checks: tx signatures when not replaying (replay admits every
tx anyway) and the results a node served. Each check yields (FindingCode, detail); the
caller adds heights and nodes.
"""

from collections.abc import Sequence

from client.audit.findings import FindingCode
from client.audit.replay import Execution, ReplayState
from protocol.block import Block, BlockHeader, results_root
from protocol.block_check import (
    BlockParent,
    BlockProblem,
    BlockProblemKind,
    check_body,
    check_header,
)
from protocol.errors import ProtocolError, SignatureError
from protocol.results import TxResult
from protocol.tx import verify_tx_signatures

Problem = tuple[FindingCode, str]

"""The audited chain up to h-1 (kept under its old name for client/audit/chain_audit.py)."""

FINDING_OF_PROBLEM: dict[BlockProblemKind, FindingCode] = {
    BlockProblemKind.PROTOCOL_VERSION: FindingCode.HEADER_FIELD_MISMATCH,
    BlockProblemKind.CHAIN_ID: FindingCode.HEADER_FIELD_MISMATCH,
    BlockProblemKind.HEIGHT: FindingCode.HEADER_FIELD_MISMATCH,
    BlockProblemKind.PREV_HASH: FindingCode.PREV_HASH_MISMATCH,
    BlockProblemKind.HISTORY_ROOT: FindingCode.HISTORY_ROOT_MISMATCH,
    BlockProblemKind.VALIDATORS_HASH: FindingCode.VALIDATORS_HASH_MISMATCH,
    BlockProblemKind.TIME_NOT_INCREASING: FindingCode.TIME_NOT_INCREASING,
    # An auditor has no clock to hold a past proposal to; it never asks for this check.
    BlockProblemKind.TIME_AHEAD: FindingCode.HEADER_FIELD_MISMATCH,
    BlockProblemKind.PROPOSER_NOT_VALIDATOR: FindingCode.PROPOSER_NOT_VALIDATOR,
    BlockProblemKind.TX_ROOT: FindingCode.TX_ROOT_MISMATCH,
    BlockProblemKind.EVIDENCE_ROOT: FindingCode.EVIDENCE_ROOT_MISMATCH,
    BlockProblemKind.EVIDENCE_COUNT: FindingCode.EVIDENCE_OVER_BOUND,
    BlockProblemKind.NOT_EXECUTABLE: FindingCode.BLOCK_NOT_EXECUTABLE,
    BlockProblemKind.RESULTS_ROOT: FindingCode.REPLAY_RESULTS_ROOT_MISMATCH,
    BlockProblemKind.STATE_ROOT: FindingCode.REPLAY_STATE_ROOT_MISMATCH,
    BlockProblemKind.NEXT_VALIDATORS_HASH: FindingCode.REPLAY_NEXT_VALIDATORS_MISMATCH,
}


def findings_of(problems: Sequence[BlockProblem]) -> list[Problem]:
    """Each typed problem as the finding the audit reports, in order."""
    return [(FINDING_OF_PROBLEM[problem.kind], problem.detail) for problem in problems]


def header_problems(header: BlockHeader, parent: BlockParent) -> list[Problem]:
    """PROTOCOL.md §11.1 for one header, except its certificate."""
    return findings_of(check_header(header, parent))


def body_problems(block: Block, *, check_signatures: bool) -> list[Problem]:
    """tx_root and evidence_root against the body; each tx's signatures when asked."""
    problems = findings_of(check_body(block))
    if check_signatures:
        for index, signed in enumerate(block.txs):
            try:
                verify_tx_signatures(signed)
            except SignatureError as error:
                detail = f"tx {index} ({signed.tx_id.hex()[:16]}): {error}"
                problems.append((FindingCode.TX_SIGNATURE_INVALID, detail))
    return problems


def served_results_problem(
    block: Block, raw: object, replayed: Execution | None = None
) -> Problem | None:
    """The results a node served must be one per tx, name the txs, and give results_root.

    replayed: the block's replay, if it executed. Served results whose JSON is exactly that
    of the replayed results are those results (from_json(to_json(r)) == r), so they are not
    parsed and hashed a second time; any other answer is parsed and checked in full.
    """
    if replayed is not None and raw == [result.to_json() for result in replayed.results]:
        results: Sequence[TxResult] = replayed.results
        computed = replayed.transition.results_root
    else:
        try:
            if not isinstance(raw, list):
                raise ProtocolError("results: expected a list")
            results = [TxResult.from_json(item) for item in raw]
        except ProtocolError as error:
            return FindingCode.RESULTS_MISMATCH, f"served results do not parse: {error}"
        computed = results_root(results)
    if [r.tx_id for r in results] != [tx.tx_id for tx in block.txs]:
        return FindingCode.RESULTS_MISMATCH, "served results do not name the block's txs in order"
    if computed != block.header.results_root:
        detail = f"served results give root {computed.hex()}, header has "
        return FindingCode.RESULTS_MISMATCH, detail + block.header.results_root.hex()
    return None


def replay_block(replay: ReplayState, block: Block) -> tuple[Execution | None, list[Problem]]:
    """Execute block on the replayed state; compare results_root, state_root, next set."""
    execution, problems = replay.execute(block)
    return execution, findings_of(problems)


def replay_codes() -> Sequence[FindingCode]:
    return (
        FindingCode.BLOCK_NOT_EXECUTABLE,
        FindingCode.REPLAY_RESULTS_ROOT_MISMATCH,
        FindingCode.REPLAY_STATE_ROOT_MISMATCH,
        FindingCode.REPLAY_NEXT_VALIDATORS_MISMATCH,
    )
