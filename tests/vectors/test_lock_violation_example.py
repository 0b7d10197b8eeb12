"""The bytes of docs/PROTOCOL.md §8.4 decode to valid lock-violation evidence (ADR 0012);
test_single_examples.py checks that the example and its vector are current."""

from protocol.encoding import decode
from protocol.evidence import evidence_from_json
from protocol.lock_violation import LockViolationEvidence
from tests.vectors import lock_violation_example as example


def test_the_documented_bytes_decode_to_valid_evidence() -> None:
    values = dict(example.build_section().lines)
    evidence = evidence_from_json(decode(values["JCS(evidence) (the evidence_root leaf)"].encode()))
    assert isinstance(evidence, LockViolationEvidence) and evidence.is_valid()
    assert evidence.hash().hex() == values["evidence_hash = H(TAG_EVIDENCE || JCS(offence))"]
    assert list(evidence.window) == [0]
