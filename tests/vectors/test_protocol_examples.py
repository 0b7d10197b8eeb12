"""docs/PROTOCOL.md §13 and tests/vectors/protocol-v1.json match what the code computes."""

from tests.vectors import protocol_examples as examples
from tests.vectors.doc_splice import with_example


def test_protocol_md_examples_are_current() -> None:
    sections = examples.build_sections()
    document = examples.DOC.read_text()
    expected = with_example(document, examples.MARKERS, examples.render_markdown(sections))
    assert document == expected, "run: python -m tests.vectors.protocol_examples --rewrite"


def test_json_vectors_are_current() -> None:
    sections = examples.build_sections()
    assert examples.VECTORS.read_text() == examples.render_json(sections)


def test_every_section_has_values() -> None:
    sections = examples.build_sections()
    assert len(sections) == 8
    assert all(len(section.lines) >= 3 for section in sections)


def test_cached_canonical_bytes_equal_a_fresh_encoding() -> None:
    from protocol.block import Block, BlockHeader
    from protocol.encoding import decode, encode
    from protocol.tx import SignedTx

    sections = {s.title: dict(s.lines) for s in examples.build_sections()}
    tx_json = sections["13.3 A transaction"]["JCS(signed tx) (the tx_root leaf)"]
    signed = SignedTx.from_json(decode(tx_json.encode()))
    assert signed.canonical_bytes() == encode(signed.to_json()) == tx_json.encode()
    header_json = sections["13.4 Headers"]["JCS(header 1)"]
    header = BlockHeader.from_json(decode(header_json.encode()))
    block = Block(header=header, txs=(signed,), evidence=())
    assert block.canonical_bytes() == encode(block.to_json())
