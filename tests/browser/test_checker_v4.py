"""The checker page shows a format-4 receipt (ADR 0030): the verification behind the
credits and the case's status, in both languages. Offline, from file://, with
tests/vectors/receipt-v4.json (the case-satisfied receipt) and its genesis."""

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Corpus
from tests.browser.test_checker import offline_file, paste_v4_vector, run_in_page, wait_ready

pytestmark = pytest.mark.browser


def test_the_case_satisfied_receipt_shows_verification_and_status(
    page: Any, tmp_path: Path
) -> None:
    paste_v4_vector(page, tmp_path, "v4.html")
    status = page.inner_text("tr[data-fact='case_status'] td")
    assert "satisfied: 422,500 of 422,500 kg CO2e retired" in status
    assert "This retirement brought the case to its required quantity." in status
    judgment = page.inner_text("tr[data-fact='judgment'] td")
    assert "2023-09-15: compensation 122,366.00 yuan" in judgment
    shown = page.inner_text("tr[data-fact='verification'] td")
    assert "Blue Carbon Audit Office" in shown and "accredited verifier" in shown
    assert "methodology HY/T 0305-2021 version 2021" in shown
    assert "verification report" in shown and "monitoring period 2022-01-01" in shown
    page.click("#checker-lang")
    assert "已履行：已注销 422,500 / 422,500 kg CO2e" in page.inner_text(
        "tr[data-fact='case_status'] td"
    )
    assert "经认可的核证机构" in page.inner_text("tr[data-fact='verification'] td")
    assert "赔偿 122,366.00 元" in page.inner_text("tr[data-fact='judgment'] td")


def test_the_format_4_corpus_cases_get_their_codes_in_chromium(
    page: Any, tamper_corpus: Corpus, tmp_path: Path
) -> None:
    """The corpus file's format-4 cases in the page's verifier (WebCrypto where Chromium
    has it), each with the code the file states (the Python verifiers' and Node's)."""
    cases = [case for case in tamper_corpus.cases if case.name.startswith("format 4")]
    assert len(cases) >= 30
    page.goto(offline_file(tmp_path, tamper_corpus.genesis, "corpus.html"))
    wait_ready(page)
    assert run_in_page(page, cases) == {case.name: case.code for case in cases}
