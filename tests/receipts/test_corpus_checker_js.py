"""The checker page's verifier (node/web/static/verify.js) gives every case of the shared
tamper corpus file (tests/vectors/receipt-corpus.jsonl: format 1-3 cases and format 4's,
ADR 0030) the code the file states, as the two Python verifiers do (test_corpus_file.py).

Run under Node.js, no browser; tests/browser/test_checker.py runs the same file in a page.
"""

from tests.receipts import corpus_file
from tests.receipts.test_witness_checker_js import js_codes, pytestmark  # noqa: F401


def test_every_corpus_case_gets_its_code_in_the_checker() -> None:
    genesis, cases = corpus_file.load()
    utf8 = {case.name: case.receipt for case in cases if _is_utf8(case.receipt)}
    assert len(utf8) >= len(cases) - 5
    codes = js_codes(genesis, utf8)
    wrong = {
        case.name: (codes[case.name], case.code)
        for case in cases
        if case.name in utf8 and codes[case.name] != case.code
    }
    assert wrong == {}
    assert any(name.startswith("format 4") for name in utf8)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
