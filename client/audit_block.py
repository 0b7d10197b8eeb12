"""Checks of one block against its parent as the auditor tracks it. Pure: no I/O.

PROTOCOL.md §11 items 1-3 for a single candidate block: header fields and links, the
body's roots, the tx signatures (when not replaying: replay admits every tx anyway), the
results a node served, and, with replay, execution's results_root, state_root and
next_validators_hash. Each check yields (FindingCode, detail); the caller adds heights
and nodes.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from client.audit_findings import FindingCode
from client.audit_replay import Execution, ReplayState
from contracts.errors import ContractError
from protocol.block import Block, BlockHeader, evidence_root, results_root, tx_root
from protocol.errors import ProtocolError, SignatureError
from protocol.hashing import Hash32
from protocol.results import TxResult
from protocol.tx import PROTOCOL_VERSION, verify_tx_signatures
from protocol.validators import ValidatorSet

Problem = tuple[FindingCode, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Parent:
    """What a block at height h is checked against: the audited chain up to h-1."""

    header: BlockHeader
    history_root: Hash32
    """RFC 9162 root over headers 0 .. h-1."""
    validators: ValidatorSet
    """The set that must certify height h."""
    chain_id: Hash32


def header_problems(header: BlockHeader, parent: Parent) -> list[Problem]:
    """PROTOCOL.md §11.1 for one header, except its certificate."""
    problems: list[Problem] = []
    expected = (
        ("protocol_version", header.protocol_version, PROTOCOL_VERSION),
        ("chain_id", header.chain_id, parent.chain_id),
        ("height", header.height, parent.header.height + 1),
    )
    for name, claimed, wanted in expected:
        if claimed != wanted:
            problems.append((FindingCode.HEADER_FIELD_MISMATCH, f"{name} is {_show(claimed)}"))
    if header.prev_hash != parent.header.block_hash():
        detail = f"prev_hash {header.prev_hash.hex()} is not block {parent.header.height}'s hash"
        problems.append((FindingCode.PREV_HASH_MISMATCH, detail))
    if header.history_root != parent.history_root:
        detail = f"history_root {header.history_root.hex()} != {parent.history_root.hex()}"
        problems.append((FindingCode.HISTORY_ROOT_MISMATCH, detail))
    if header.time_ms <= parent.header.time_ms:
        detail = f"time_ms {header.time_ms} <= previous {parent.header.time_ms}"
        problems.append((FindingCode.TIME_NOT_INCREASING, detail))
    if header.validators_hash != parent.validators.hash():
        detail = f"validators_hash {header.validators_hash.hex()} is not the current set's"
        problems.append((FindingCode.VALIDATORS_HASH_MISMATCH, detail))
    if not parent.validators.contains(header.proposer):
        detail = f"proposer {header.proposer.hex()} is not a validator"
        problems.append((FindingCode.PROPOSER_NOT_VALIDATOR, detail))
    return problems


def body_problems(block: Block, *, check_signatures: bool) -> list[Problem]:
    """tx_root and evidence_root against the body; each tx's signatures when asked."""
    problems: list[Problem] = []
    computed = tx_root(block.txs)
    if computed != block.header.tx_root:
        detail = f"tx_root {block.header.tx_root.hex()} != computed {computed.hex()}"
        problems.append((FindingCode.TX_ROOT_MISMATCH, detail))
    computed = evidence_root(block.evidence)
    if computed != block.header.evidence_root:
        detail = f"evidence_root {block.header.evidence_root.hex()} != computed {computed.hex()}"
        problems.append((FindingCode.EVIDENCE_ROOT_MISMATCH, detail))
    if check_signatures:
        for index, signed in enumerate(block.txs):
            try:
                verify_tx_signatures(signed)
            except SignatureError as error:
                detail = f"tx {index} ({signed.tx_id.hex()[:16]}): {error}"
                problems.append((FindingCode.TX_SIGNATURE_INVALID, detail))
    return problems


def served_results_problem(block: Block, raw: object) -> Problem | None:
    """The results a node served must be one per tx, name the txs, and give results_root."""
    try:
        if not isinstance(raw, list):
            raise ProtocolError("results: expected a list")
        results = [TxResult.from_json(item) for item in raw]
    except ProtocolError as error:
        return FindingCode.RESULTS_MISMATCH, f"served results do not parse: {error}"
    if [r.tx_id for r in results] != [tx.tx_id for tx in block.txs]:
        return FindingCode.RESULTS_MISMATCH, "served results do not name the block's txs in order"
    computed = results_root(results)
    if computed != block.header.results_root:
        detail = f"served results give root {computed.hex()}, header has "
        return FindingCode.RESULTS_MISMATCH, detail + block.header.results_root.hex()
    return None


def replay_block(replay: ReplayState, block: Block) -> tuple[Execution | None, list[Problem]]:
    """Execute block on the replayed state; compare results_root, state_root, next set."""
    try:
        execution = replay.execute(block)
    except ContractError as error:
        return None, [(FindingCode.BLOCK_NOT_EXECUTABLE, str(error))]
    header = block.header
    problems: list[Problem] = []
    computed = results_root(execution.results)
    if computed != header.results_root:
        detail = f"results_root {header.results_root.hex()} != replayed {computed.hex()}"
        problems.append((FindingCode.REPLAY_RESULTS_ROOT_MISMATCH, detail))
    if execution.state_root != header.state_root:
        detail = f"state_root {header.state_root.hex()} != replayed {execution.state_root.hex()}"
        problems.append((FindingCode.REPLAY_STATE_ROOT_MISMATCH, detail))
    computed = execution.next_validators.hash()
    if computed != header.next_validators_hash:
        detail = f"next_validators_hash {header.next_validators_hash.hex()} != replayed"
        problems.append((FindingCode.REPLAY_NEXT_VALIDATORS_MISMATCH, f"{detail} {computed.hex()}"))
    return execution, problems


def replay_codes() -> Sequence[FindingCode]:
    return (
        FindingCode.BLOCK_NOT_EXECUTABLE,
        FindingCode.REPLAY_RESULTS_ROOT_MISMATCH,
        FindingCode.REPLAY_STATE_ROOT_MISMATCH,
        FindingCode.REPLAY_NEXT_VALIDATORS_MISMATCH,
    )


def _show(value: object) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)
