"""What the example generators share: generated text spliced between two markers of a doc,
and their command line (print the text, or with --rewrite write the doc and the vectors)."""

import json as json_module
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


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


class ExampleSection(Protocol):
    """A generated section: (label, value) lines and their markdown."""

    @property
    def lines(self) -> list[tuple[str, str]]: ...

    def markdown(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SingleExample:
    """Where a one-section example goes: a doc between markers, and a JSON vector file."""

    doc: Path
    markers: tuple[str, str]
    vectors: Path
    source: str
    """The vector file's "source": the doc section and the module that generates it."""

    def render_json(self, lines: list[tuple[str, str]]) -> str:
        """The vector file's text: source, then the section's (label, value) lines."""
        values = [{"label": k, "value": v} for k, v in lines]
        document = {"source": self.source, "values": values}
        return json_module.dumps(document, ensure_ascii=False, indent=1) + "\n"

    def main(self, argv: list[str], section: ExampleSection) -> int:
        """The generator's command line: print the section, or --rewrite the doc and vectors."""
        json, markdown = self.render_json(section.lines), section.markdown()
        doc, markers, vectors = self.doc, self.markers, self.vectors
        return print_or_rewrite(
            argv, doc=doc, markers=markers, example=markdown, vectors=vectors, json=json
        )
