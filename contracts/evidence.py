"""Recording validator misbehaviour in state: `evidence/<hash>` (DESIGN.md §4). Pure.

The node includes evidence from the block's evidence list; apply_block records each item
before the txs run, so a validators.update in the same block may already cite it. Invalid
or already recorded evidence makes the whole block invalid, like an inadmissible tx.

check_evidence is the one rule: the node runs it before it pools or gossips evidence from
a peer (a forged item must never reach a proposal), and record_evidence runs it again in
every block. Evidence counts only for this chain: both votes name its chain_id, both
checkpoint notes carry its origin. Lock-violation evidence (ADR 0012) is counted against
the set that holds the offender: each round of its window needs the non-B prevotes of
q members.
"""

from typing import NoReturn

from contracts.context import BlockContext
from contracts.errors import InvalidBlockError
from contracts.records import EvidenceRecord
from contracts.state import StateOverlay, StateView
from contracts.state_keys import evidence_key
from contracts.store import load, save
from contracts.validator_sets import current_validator_set, next_validator_set
from protocol.errors import NoteError
from protocol.evidence import ConflictingCheckpointEvidence, DuplicateVoteEvidence, Evidence
from protocol.hashing import Hash32
from protocol.lock_violation import LockViolationEvidence
from protocol.note import (
    Checkpoint,
    checkpoint_origin,
    parse_signed_note,
    parse_verifier_key,
    verify_signed_note,
)
from protocol.signing import VerifySignature, verify_signature
from protocol.validators import Validator, ValidatorSet

EVIDENCE_INDEX = -1
"""InvalidBlockError.index for a fault in the block's evidence list rather than a tx."""


def is_evidence_recorded(view: StateView, evidence_hash: Hash32) -> bool:
    """For the proposer: evidence already in state must not be included again."""
    return view.get(evidence_key(evidence_hash)) is not None


def load_evidence(view: StateView, evidence_hash: Hash32) -> EvidenceRecord | None:
    return load(view, evidence_key(evidence_hash), EvidenceRecord.from_json)


def check_evidence(
    view: StateView,
    evidence: Evidence,
    chain_id: Hash32,
    verify: VerifySignature = verify_signature,
) -> None:
    """Raise InvalidBlockError unless evidence may be recorded on view now.

    It must be new, name a validator of the current or next set, belong to chain_id and
    carry verifying signatures over conflicting statements; lock-violation evidence must
    also rule out a POL in every round of its window (evidence_pol_not_excluded).
    Signatures are checked through verify, so a node that checked them at intake answers
    from its cache.
    """
    evidence_hash = evidence.hash()
    if is_evidence_recorded(view, evidence_hash):
        _invalid("evidence_duplicate", evidence_hash.hex())
    validators = _offender_set(view, evidence)
    if isinstance(evidence, DuplicateVoteEvidence):
        if evidence.vote_a.vote.chain_id != chain_id:
            _invalid("evidence_wrong_chain", evidence.vote_a.vote.chain_id.hex())
        if not evidence.is_valid(verify):
            _invalid("evidence_bad_signature", evidence_hash.hex())
    elif isinstance(evidence, LockViolationEvidence):
        _check_lock_violation(evidence, validators, chain_id, verify)
    else:
        validator = validators.by_key(evidence.offender)
        assert validator is not None
        _check_checkpoint_evidence(evidence, validator, checkpoint_origin(chain_id), verify)


def record_evidence(
    overlay: StateOverlay,
    evidence: Evidence,
    ctx: BlockContext,
    verify: VerifySignature = verify_signature,
) -> EvidenceRecord:
    """Check evidence (check_evidence) and record it at the block's height."""
    check_evidence(overlay, evidence, ctx.chain_id, verify)
    evidence_hash = evidence.hash()
    record = EvidenceRecord(
        evidence_hash=evidence_hash,
        offender=evidence.offender,
        height=ctx.height,
        evidence=evidence.to_json(),
    )
    save(overlay, evidence_key(evidence_hash), record)
    return record


def _offender_set(view: StateView, evidence: Evidence) -> ValidatorSet:
    """The current set if it holds the offender, else the next one if it does."""
    for validators in (current_validator_set(view), next_validator_set(view)):
        if validators.contains(evidence.offender):
            return validators
    raise InvalidBlockError(EVIDENCE_INDEX, "evidence_not_a_validator", evidence.offender.hex())


def _check_lock_violation(
    evidence: LockViolationEvidence,
    validators: ValidatorSet,
    chain_id: Hash32,
    verify: VerifySignature,
) -> None:
    """This chain's votes; in every window round, q members of the set prevoted something
    other than the block the prevote named; every signature verifies.

    Counted against the set holding the offender: the state keeps no older sets (ADR 0012).
    """
    if evidence.precommit.vote.chain_id != chain_id:
        _invalid("evidence_wrong_chain", evidence.precommit.vote.chain_id.hex())
    for signed in evidence.window_prevotes:
        if not validators.contains(signed.validator):
            _invalid("evidence_not_a_validator", signed.validator.hex())
    needed = validators.quorum
    for round_number in evidence.window:
        found = len(evidence.voters_in(round_number))
        if found < needed:
            _invalid(
                "evidence_pol_not_excluded",
                f"round {round_number}: {found} prevotes not for the block, {needed} needed",
            )
    if not evidence.is_valid(verify):
        _invalid("evidence_bad_signature", evidence.hash().hex())


def _check_checkpoint_evidence(
    evidence: ConflictingCheckpointEvidence,
    validator: Validator,
    origin: str,
    verify: VerifySignature,
) -> None:
    """Both notes are this chain's, verify under the offender's note key and sign
    different roots for one size."""
    try:
        verifier = parse_verifier_key(validator.note_verifier_key)
        checkpoints = []
        for note_text in (evidence.note_a, evidence.note_b):
            note = parse_signed_note(note_text)
            verify_signed_note(note, (verifier,), verify)
            checkpoints.append(Checkpoint.parse(note.text))
    except NoteError as error:
        _invalid("evidence_bad_signature", str(error))
    first, second = checkpoints
    if first.origin != origin or second.origin != origin:
        _invalid("evidence_wrong_chain", f"checkpoint origin is not {origin}")
    if first.size != evidence.size or second.size != evidence.size or first == second:
        _invalid("evidence_no_conflict", f"size {evidence.size}")


def _invalid(reason: str, detail: str) -> NoReturn:
    raise InvalidBlockError(EVIDENCE_INDEX, reason, detail)
