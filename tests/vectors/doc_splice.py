"""What the example generators share: generated text spliced between two markers of a doc,
and their command line (print the text, or with --rewrite write the doc and the vectors)."""

from pathlib import Path


def with_example(document: str, markers: tuple[str, str], example: str) -> str:
    """document with the text between its markers replaced by example."""
    begin, end = markers
    head, rest = document.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{example}{end}{tail}"


def print_or_rewrite(
    argv: list[str], *, doc: Path, markers: tuple[str, str], example: str, vectors: Path, json: str
) -> int:
    if "--rewrite" not in argv:
        print(example)
        return 0
    doc.write_text(with_example(doc.read_text(), markers, example))
    vectors.write_text(json)
    print(f"rewrote {doc.name} and {vectors.name}")
    return 0
