"""A receipt's free text cannot print a line of its own (stop 55's hostile pass).

A beneficiary is whatever the retiring account's key signed, and a hostile proposer may put
any valid tx in a block: `Acme Ltd`, a newline, a forged `retired 1000 t CO2e` line and the
terminal escapes that move the cursor up and erase the real `retired` line printed, on a
terminal, a summary that read as 1,000 t above a genuine VALID; the PDF kept the escape
bytes. Every printer now shows such characters as [U+XXXX] (client/shown_text.py), the
checker page by the same rule (node/web/static/verify.js `shown`), and the data is exact.
"""

import json
import unicodedata
from pathlib import Path

import pytest

from client.receipt.facts import ReceiptFacts
from client.receipt.summary import summary_lines
from client.receipt.verify import verify_receipt
from client.shown_text import HIDDEN_CATEGORIES, shown
from tests.kit.lantan_cli import run_lantan
from tests.kit.processes import json_output_of
from tests.receipts.test_witness_checker_js import NODE, RUNNER, STATIC
from tests.receipts.voluntary_receipt import VoluntaryReceipt, pdf_text, retired_voluntarily
from tests.unit.client.receipt_pdf_kit import cjk_font_or_skip

FORGED_LINE = "retired      1000 t CO2e = 1,000,000 kg (自愿注销 voluntary retirement)"
SPOOF = f"Acme Ltd\n{FORGED_LINE}\x1b[1A\x1b[2K\x1b[31m\u202eevil\u200b\x85"
SHOWN = (
    f"Acme Ltd[U+000A]{FORGED_LINE}[U+001B][1A[U+001B][2K[U+001B][31m[U+202E]evil[U+200B][U+0085]"
)
HIDDEN_CHARACTERS = ("\n", "\r", "\x1b", "\u202e", "\u200b", "\x85")


@pytest.fixture(scope="module")
def spoofed(tmp_path_factory: pytest.TempPathFactory) -> VoluntaryReceipt:
    """The case's chain, then a voluntary retirement whose beneficiary is SPOOF; its receipt."""
    return retired_voluntarily(
        tmp_path_factory.mktemp("spoofed-chain"),
        quantity_kg=1,
        beneficiary=SPOOF,
        purpose="voluntary_offset",
        reason="\u202etnemeerga",
    )


def facts_of(spoofed: VoluntaryReceipt) -> ReceiptFacts:
    return verify_receipt(spoofed.receipt, spoofed.genesis)


def test_the_data_stays_exact_and_the_summary_shows_it(
    spoofed: VoluntaryReceipt,
) -> None:
    facts = facts_of(spoofed)
    assert facts.beneficiary == SPOOF
    lines = summary_lines(facts)
    assert f"beneficiary  \u201c{SHOWN}\u201d (the account holder's own words)" in lines
    assert not [line for line in lines if any(c in line for c in HIDDEN_CHARACTERS)]
    assert not [line for line in lines if line.startswith("retired      1000 t")]


def test_lantan_verify_receipt_prints_no_line_of_the_beneficiarys(
    spoofed: VoluntaryReceipt, tmp_path: Path
) -> None:
    (tmp_path / "receipt.json").write_bytes(spoofed.receipt)
    (tmp_path / "genesis.json").write_bytes(spoofed.genesis)
    printed = run_lantan(
        "verify", "receipt", tmp_path / "receipt.json", "--genesis", tmp_path / "genesis.json"
    )
    assert printed.returncode == 0, printed
    lines = printed.stdout.splitlines()
    assert lines[-1] == "VALID"
    assert f"beneficiary  \u201c{SHOWN}\u201d (the account holder's own words)" in lines
    assert not any(c in printed.stdout for c in HIDDEN_CHARACTERS if c != "\n")
    assert [line for line in lines if line.startswith("retired ")] == [
        "retired      0.001 t CO2e = 1 kg (自愿注销 voluntary retirement)"
    ]


def test_the_pdf_shows_the_escapes_as_text(spoofed: VoluntaryReceipt, tmp_path: Path) -> None:
    cjk_font_or_skip()
    text = pdf_text(spoofed, tmp_path)
    assert "Acme Ltd[U+000A]retired" in text.replace("\n", "")
    assert "\x1b" not in text and "\u202e" not in text


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed (apt-get install nodejs)")
def test_the_checker_page_shows_text_by_the_same_rule() -> None:
    """Every assigned code point of the Basic Multilingual Plane (Python's Unicode tables;
    Node's may be newer, never older) and a few above it, one by one and as SPOOF."""
    texts = [SPOOF, "象山县黄避岙乡 Huangbi'ao Township", "\U000e0001tag", "\ud800", "\\u000a"]
    texts += [chr(code) for code in range(0x10000) if unicodedata.category(chr(code)) != "Cn"]
    assert NODE is not None
    answer = json_output_of(
        [NODE, str(RUNNER), str(STATIC)],
        # ASCII JSON: a lone surrogate goes as a \ud800 escape, which JSON.parse reads back.
        input_text=json.dumps({"shown": texts}, ensure_ascii=True),
        timeout_s=120,
    )
    expected = [shown(text) for text in texts]
    differing = [(t, a, e) for t, a, e in zip(texts, answer, expected, strict=True) if a != e]
    assert not differing, differing[:10]
    assert answer[0] == SHOWN


def test_the_rule_in_python() -> None:
    assert shown(SPOOF) == SHOWN
    kept = "象山县 Huangbi'ao\u00a0\u3000 😀 \\u000a [U+000A]"
    assert shown(kept) == kept  # wide spaces, emoji and backslashes are text
    assert shown("\U000e0001") == "[U+E0001]"  # a tag character: five digits
    assert shown("\ud800") == "[U+D800]"
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) in HIDDEN_CATEGORIES:
            assert shown(char) == f"[U+{code:04X}]"
        elif char.isprintable():
            assert shown(char) == char
