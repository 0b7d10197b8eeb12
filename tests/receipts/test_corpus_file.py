"""The shared corpus file is current, and the Python and independent verifiers give every
case its code (the checker page runs the same file in tests/browser/test_checker.py)."""

from collections import Counter

from tests.receipts import corpus_file
from tests.receipts.test_tamper_corpus import check_case


def test_the_corpus_file_is_current() -> None:
    genesis, cases = corpus_file.build()
    expected = corpus_file.render(genesis, cases)
    assert corpus_file.CORPUS_FILE.read_text(encoding="utf-8") == expected, (
        "run: python -m tests.receipts.corpus_file --rewrite"
    )


def test_every_case_of_the_file_gets_its_code_in_both_python_verifiers() -> None:
    genesis, cases = corpus_file.load()
    assert len(cases) >= 98 + 13
    assert len({case.name for case in cases}) == len(cases)
    assert all(case.rule.startswith("§") for case in cases)
    for case in cases:
        check_case(case, genesis)
    assert Counter(case.code for case in cases)[""] >= 3  # valid controls, not only failures
