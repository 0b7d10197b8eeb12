"""docs/PROTOCOL.md §8.4 and tests/vectors/lock-violation-v1.json match the code (ADR 0012)."""

from protocol.encoding import decode
from protocol.evidence import evidence_from_json
from protocol.lock_violation import LockViolationEvidence
from tests.vectors import lock_violation_example as example
from tests.vectors.doc_splice import with_example
from tests.vectors.protocol_examples import DOC


def test_protocol_md_example_is_current() -> None:
    document = DOC.read_text()
    expected = with_example(document, example.MARKERS, example.build_section().markdown())
    assert document == expected, "run: python -m tests.vectors.lock_violation_example --rewrite"


def test_json_vector_is_current() -> None:
    assert example.VECTORS.read_text() == example.render_json(example.build_section())


def test_the_documented_bytes_decode_to_valid_evidence() -> None:
    values = dict(example.build_section().lines)
    evidence = evidence_from_json(decode(values["JCS(evidence) (the evidence_root leaf)"].encode()))
    assert isinstance(evidence, LockViolationEvidence) and evidence.is_valid()
    assert evidence.hash().hex() == values["evidence_hash = H(TAG_EVIDENCE || JCS(offence))"]
    assert list(evidence.window) == [0]
