"""Receipt checks on validator sets, certificates and the checkpoint (PROTOCOL.md §14.2-14.4).

SetHistory follows the validator set from genesis through each listed change; the
certificate and checkpoint checks give each way of failing its own ReceiptCode. Pure.
"""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Final

from client.receipt.codes import ReceiptCode, ReceiptError
from protocol.block import BlockHeader
from protocol.certificate_check import (
    CertificateFault,
    CertificateProblem,
    ExpectedBlock,
    check_certificate,
)
from protocol.codec import JsonCodec, codec_wire, hex_bytes, items
from protocol.cosignature import Cosignature, cosignature_key_id, require_cosignatures
from protocol.encoding import JsonObject, JsonValue
from protocol.errors import CosignatureQuorumError, NoteError, NoteQuorumError, ProtocolError
from protocol.fields import expect_object
from protocol.hashing import HASH_SIZE, Hash32
from protocol.merkle import hash_leaf, verify_inclusion
from protocol.note import (
    Checkpoint,
    SignedNote,
    checkpoint_origin,
    parse_signed_note,
    parse_verifier_key,
    require_quorum,
)
from protocol.signing import PublicKey, VerifySignature, verify_signature
from protocol.validators import ValidatorSet
from protocol.votes import CommitSignature
from protocol.witnesses import WitnessSet

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
SET_CHANGE_FIELDS = ("header", "certificate", "next_validators")
HISTORY_PATH_MAX = 64
"""An RFC 9162 path in a log of fewer than 2^53 leaves has at most 53 hashes (§14.4 step 1)."""
HISTORY_PATH: Final = items(hex_bytes(HASH_SIZE), max_items=HISTORY_PATH_MAX)
"""A format-3 `history_path`: at most 64 hashes, each 32 bytes of lowercase hex."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RawCertificate(JsonCodec, what="certificate"):
    """A commit certificate read for its shape only: order and duplicates are checked later
    (CommitCertificate's fields and wire rules, without its sortedness check)."""

    height: int
    round: int
    block_hash: Hash32
    signatures: Annotated[
        tuple[CommitSignature, ...], items(codec_wire(CommitSignature), max_items=1000)
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class SetChange:
    header: BlockHeader
    certificate: RawCertificate
    next_validators: JsonObject
    history_path: tuple[bytes, ...] | None = None
    """Receipt format 3: the header's RFC 9162 path in the checkpoint's log (ADR 0015)."""

    @classmethod
    def from_json(cls, value: JsonValue, *, with_path: bool = False) -> "SetChange":
        fields = (*SET_CHANGE_FIELDS, "history_path") if with_path else SET_CHANGE_FIELDS
        obj = expect_object(value, "set change", fields)
        next_validators = obj["next_validators"]
        if not isinstance(next_validators, dict):
            raise ProtocolError("next_validators: expected an object")
        return cls(
            header=BlockHeader.from_json(obj["header"]),
            certificate=RawCertificate.from_json(obj["certificate"]),
            next_validators=next_validators,
            history_path=HISTORY_PATH.read(obj, "history_path") if with_path else None,
        )


class SetHistory:
    """The validator set in force at each height, from genesis and the verified changes."""

    def __init__(self, genesis_set: ValidatorSet) -> None:
        self._changes: list[tuple[BlockHeader, ValidatorSet]] = []
        self._genesis_set = genesis_set

    @classmethod
    def from_changes(
        cls, chain_id: Hash32, genesis_set: ValidatorSet, changes: Sequence[SetChange]
    ) -> "SetHistory":
        """Verify each change against the set before it (step 2 of §14.4)."""
        history = cls(genesis_set)
        current, last_height = genesis_set, -1
        for change in changes:
            header = change.header
            if header.height <= last_height or header.chain_id != chain_id:
                raise ReceiptError(ReceiptCode.BAD_SET_CHANGE, f"change at {header.height}")
            if header.validators_hash != current.hash():
                raise ReceiptError(ReceiptCode.BAD_SET_CHANGE, f"{header.height}: not the set")
            if header.next_validators_hash == header.validators_hash:
                raise ReceiptError(ReceiptCode.BAD_SET_CHANGE, f"{header.height}: no change")
            try:
                new_set = ValidatorSet.from_json(change.next_validators)
            except ProtocolError as error:
                raise ReceiptError(ReceiptCode.BAD_SET_CHANGE, str(error)) from None
            if new_set.hash() != header.next_validators_hash:
                raise ReceiptError(ReceiptCode.BAD_SET_CHANGE, f"{header.height}: wrong preimage")
            verify_certificate_strict(change.certificate, header, chain_id, current)
            history._changes.append((header, new_set))
            current, last_height = new_set, header.height
        return history

    def set_at(self, height: int) -> ValidatorSet:
        """The set of the last change below height, else the genesis set."""
        current = self._genesis_set
        for header, new_set in self._changes:
            if header.height < height:
                current = new_set
        return current

    def last_change_height(self) -> int:
        """Height of the last listed change; -1 when none is listed."""
        return self._changes[-1][0].height if self._changes else -1

    def header_at(self, height: int) -> BlockHeader | None:
        for header, _ in self._changes:
            if header.height == height:
                return header
        return None


def verify_certificate_strict(
    certificate: RawCertificate,
    header: BlockHeader,
    chain_id: Hash32,
    validators: ValidatorSet,
    verify: VerifySignature = verify_signature,
) -> frozenset[PublicKey]:
    """The certificate rules of §14.4 step 3 (protocol.certificate_check, each problem its
    own ReceiptCode); returns the signers' keys."""
    expected = ExpectedBlock(height=header.height, block_hash=header.block_hash())
    problem = check_certificate(
        certificate, chain_id=chain_id, validators=validators, expected=expected, verify=verify
    )
    if problem is not None:
        raise ReceiptError(*_receipt_error(problem))
    return frozenset(entry.validator for entry in certificate.signatures)


def _receipt_error(problem: CertificateProblem) -> tuple[ReceiptCode, str]:
    key = problem.signers[0].hex() if problem.signers else ""
    match problem.fault:
        case CertificateFault.DUPLICATE_SIGNER:
            return ReceiptCode.DUPLICATE_SIGNER, "a validator signs the block twice"
        case CertificateFault.UNSORTED:
            return ReceiptCode.MALFORMED, "certificate signatures are not sorted"
        case CertificateFault.NOT_A_VALIDATOR:
            return ReceiptCode.NOT_A_VALIDATOR, f"{key} is not a validator"
        case CertificateFault.WRONG_BLOCK:
            return ReceiptCode.BAD_CERTIFICATE, "certificate is for another block"
        case CertificateFault.BAD_SIGNATURE:
            return ReceiptCode.BAD_CERTIFICATE, f"bad precommit of {key}"
        case CertificateFault.BELOW_QUORUM:
            detail = f"{problem.valid} precommits, quorum {problem.quorum}"
            return ReceiptCode.QUORUM_NOT_REACHED, detail


@dataclass(frozen=True, slots=True)
class Witnessed:
    """What step 5 found of the witness policy (ADR 0021)."""

    cosigners: tuple[str, ...] = ()
    """Names of the witnesses whose cosignature verified, sorted; none without witnesses."""
    latest_s: int | None = None
    """The latest time (POSIX seconds) a verified cosignature signs: the block existed by
    then if one of the cosigners is honest (PROTOCOL.md §5, "What time_ms guarantees")."""


def verify_history_proof(
    text: str,
    chain_id: Hash32,
    header: BlockHeader,
    history: SetHistory,
    witnesses: WitnessSet | None = None,
) -> tuple[Checkpoint, Witnessed]:
    """Step 5: the checkpoint's quorums, then the header's inclusion; returns the checkpoint
    and what its witnesses' cosignatures say (nothing when genesis names none)."""
    index, hashes, note_text = _parse_tlog_proof(text)
    checkpoint = verify_checkpoint_note(note_text, chain_id, history)
    cosigners = Witnessed()
    if witnesses is not None:
        cosigners = verify_witness_cosignatures(note_text, witnesses)
    # The too-small checkpoint first: a genuine proof carried with a smaller (genuine)
    # checkpoint has the right index, and "index H is not the header's" misled (stop 57).
    if not header.height < checkpoint.size:
        raise ReceiptError(
            ReceiptCode.BAD_HISTORY_PROOF,
            f"the checkpoint (size {checkpoint.size}) does not hold height {header.height}",
        )
    if index != header.height:
        raise ReceiptError(
            ReceiptCode.BAD_HISTORY_PROOF,
            f"tlog-proof index {index} is not the header's height {header.height}",
        )
    try:
        leaf = hash_leaf(header.canonical_bytes())
        verify_inclusion(index, checkpoint.size, leaf, hashes, checkpoint.root_hash)
    except ProtocolError as error:
        raise ReceiptError(ReceiptCode.BAD_HISTORY_PROOF, str(error)) from None
    return checkpoint, cosigners


def verify_checkpoint_note(note_text: str, chain_id: Hash32, history: SetHistory) -> Checkpoint:
    """Step 5's checkpoint checks: it parses, is this chain's, no listed change lies beyond
    it, and q validators of the set in force at size - 1 signed it. The witness
    (client/witness/) runs this same check before it cosigns."""
    try:
        note = parse_signed_note(note_text)
        checkpoint = Checkpoint.parse(note.text)
    except NoteError as error:
        raise ReceiptError(ReceiptCode.BAD_CHECKPOINT, str(error)) from None
    if checkpoint.origin != checkpoint_origin(chain_id):
        raise ReceiptError(
            ReceiptCode.CHECKPOINT_WRONG_CHAIN, _wrong_origin(note, checkpoint, history)
        )
    if history.last_change_height() >= checkpoint.size:
        raise ReceiptError(ReceiptCode.BAD_SET_CHANGE, "a listed change is beyond the checkpoint")
    try:
        _require_validator_quorum(note, checkpoint, history)
    except NoteQuorumError as error:
        raise ReceiptError(ReceiptCode.CHECKPOINT_QUORUM, str(error)) from None
    except NoteError as error:
        raise ReceiptError(ReceiptCode.BAD_CHECKPOINT, str(error)) from None
    return checkpoint


def _require_validator_quorum(
    note: SignedNote, checkpoint: Checkpoint, history: SetHistory
) -> None:
    """q validators of the set in force at size - 1 signed note; raises NoteQuorumError
    when too few did, NoteError when a known key's line is bad (protocol/note.py)."""
    validators = history.set_at(checkpoint.size - 1)
    verifiers = [parse_verifier_key(v.note_verifier_key) for v in validators.validators]
    require_quorum(note, verifiers, validators.quorum)


SIGNATURES_FAIL_TOO: Final = "its validator signatures do not verify either"
"""In a CHECKPOINT_WRONG_CHAIN detail when the quorum fails too: one changed origin byte
is an altered checkpoint, not only another network's (the CLI's hint says both)."""


def _wrong_origin(note: SignedNote, checkpoint: Checkpoint, history: SetHistory) -> str:
    """The detail of an origin that is not this chain's. §14.4 checks the origin first, so
    the code stays CHECKPOINT_WRONG_CHAIN; the quorum is checked here only to say whether the
    validators' signatures would have held (a tampered origin line breaks them too)."""
    origin = checkpoint.origin[:100]
    try:
        _require_validator_quorum(note, checkpoint, history)
    except NoteError:
        return (
            f"checkpoint origin {origin} is not this network's, and {SIGNATURES_FAIL_TOO}: "
            "the checkpoint was altered, or it is another network's"
        )
    return origin


def verify_witness_cosignatures(note_text: str, witnesses: WitnessSet) -> Witnessed:
    """The witness policy of genesis (ADR 0021): a cosignature line of a witness that does
    not verify is BAD_CHECKPOINT; fewer valid cosigners than its quorum, WITNESS_QUORUM.
    Requires verify_checkpoint_note to have passed (the note parses)."""
    note = parse_signed_note(note_text)
    try:
        cosigners = require_cosignatures(note, witnesses)
    except CosignatureQuorumError as error:
        raise ReceiptError(ReceiptCode.WITNESS_QUORUM, str(error)) from None
    except NoteError as error:
        raise ReceiptError(ReceiptCode.BAD_CHECKPOINT, str(error)) from None
    # Every line of a witness of the set verified above (one that did not raised), so
    # their times are the witnesses' own.
    key_ids = {(w.name, cosignature_key_id(w.name, w.public_key)) for w in witnesses.witnesses}
    times = [
        Cosignature.from_note_signature(line).timestamp_s
        for line in note.signatures
        if (line.name, line.key_id) in key_ids
    ]
    return Witnessed(cosigners=cosigners, latest_s=max(times, default=None))


def _parse_tlog_proof(text: str) -> tuple[int, list[bytes], str]:
    head, separator, note = text.partition("\n\n")
    lines = head.split("\n")
    if not separator or lines[0] != TLOG_PROOF_HEADER or len(lines) < 2:
        raise ReceiptError(ReceiptCode.BAD_CHECKPOINT, "not a c2sp.org/tlog-proof@v1 text")
    if lines[1].startswith("extra"):  # c2sp.org/tlog-proof allows it; §14.3 does not
        raise ReceiptError(
            ReceiptCode.BAD_CHECKPOINT, "tlog-proof extra data is not allowed in a Lantan receipt"
        )
    index_text = lines[1].removeprefix("index ")
    canonical = index_text.isascii() and index_text.isdigit() and str(int(index_text)) == index_text
    if not lines[1].startswith("index ") or not canonical or len(index_text) > 16:
        raise ReceiptError(ReceiptCode.BAD_CHECKPOINT, "tlog-proof index line is malformed")
    return int(index_text), [_hash_line(line) for line in lines[2:]], note


def _hash_line(line: str) -> bytes:
    try:
        raw = base64.b64decode(line, validate=True)
    except (binascii.Error, ValueError):
        raise ReceiptError(ReceiptCode.BAD_CHECKPOINT, "tlog-proof hash is not base64") from None
    # Canonical first, as a note's signature line: the same 32 bytes spelled with other
    # trailing bits read "not 32 bytes" to an auditor comparing implementations (stop 56).
    if base64.b64encode(raw).decode() != line:
        raise ReceiptError(ReceiptCode.BAD_CHECKPOINT, "tlog-proof hash is not canonical base64")
    if len(raw) != HASH_SIZE:
        raise ReceiptError(ReceiptCode.BAD_CHECKPOINT, "tlog-proof hash is not 32 bytes")
    return raw
