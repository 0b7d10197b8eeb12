"""docs/PROTOCOL.md §13 and tests/vectors/protocol-v1.json match what the code computes."""

from tests.vectors import protocol_examples as examples


def test_protocol_md_examples_are_current() -> None:
    sections = examples.build_sections()
    document = examples.DOC.read_text()
    expected = examples.document_with_examples(document, examples.render_markdown(sections))
    assert document == expected, "run: python -m tests.vectors.protocol_examples --rewrite"


def test_json_vectors_are_current() -> None:
    sections = examples.build_sections()
    assert examples.VECTORS.read_text() == examples.render_json(sections)


def test_every_section_has_values() -> None:
    sections = examples.build_sections()
    assert len(sections) == 8
    assert all(len(section.lines) >= 3 for section in sections)
