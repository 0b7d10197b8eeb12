"""`lantan receipt pdf`: verify first, then write the PDF; failures are one line and exit 1.

Run in-process through main() (tests/kit/lantan_cli.py). The verifier is replaced by a stub
returning the hand-built Xiangshan facts, so these tests check the command, not the verifier.
"""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from client.cli import receipt_pdf as receipt_pdf_cli
from client.cli.verify import INVALID_HINTS
from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.facts import ReceiptFacts
from client.receipt.fonts import FontChoice
from client.receipt.pdf import render_receipt_pdf
from tests.kit.lantan_cli import run_lantan
from tests.unit.client.conftest import Network
from tests.unit.client.receipt_pdf_kit import cjk_font_or_skip, xiangshan_facts

RECEIPT_BYTES = b'{"receipt": "stand-in bytes"}'
Calls = list[tuple[bytes, bytes]]


@pytest.fixture(scope="module")
def cjk_font() -> FontChoice:
    return cjk_font_or_skip()


@dataclass(frozen=True)
class PdfCommand:
    """`lantan receipt pdf RECEIPT --genesis GENESIS --out OUT`, any of the three replaceable."""

    receipt: Path
    genesis: Path
    out: Path

    def run(
        self, *extra: str, receipt: Path | None = None, genesis: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run_lantan(
            "receipt",
            "pdf",
            receipt or self.receipt,
            "--genesis",
            genesis or self.genesis,
            "--out",
            self.out,
            *extra,
        )


@pytest.fixture
def pdf(tmp_path: Path, network: Network) -> PdfCommand:
    """A stand-in receipt and a genesis file (read when the arguments are parsed, so a real
    one); the PDF goes to tmp_path/receipt.pdf."""
    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(RECEIPT_BYTES)
    return PdfCommand(receipt=receipt, genesis=network.genesis_path, out=tmp_path / "receipt.pdf")


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Stub verifier: records what it was given and returns the Xiangshan facts."""
    calls: Calls = []

    def verify(receipt_bytes: bytes, genesis_bytes: bytes) -> ReceiptFacts:
        calls.append((receipt_bytes, genesis_bytes))
        return xiangshan_facts()

    monkeypatch.setattr(receipt_pdf_cli, "verify_receipt", verify)
    return calls


def test_pdf_verifies_then_writes_the_rendered_bytes(
    cjk_font: FontChoice, pdf: PdfCommand, verified: Calls
):
    done = pdf.run("--font", str(cjk_font.path))
    assert done.returncode == 0, done
    assert verified == [(RECEIPT_BYTES, pdf.genesis.read_bytes())]
    expected = FontChoice(path=cjk_font.path, subfont_index=0, source="--font")
    assert pdf.out.read_bytes() == render_receipt_pdf(xiangshan_facts(), expected)
    printed = done.stdout
    assert f"VALID receipt {xiangshan_facts().receipt_id}" in printed
    assert f"wrote {pdf.out}" in printed


def test_pdf_json_reports_the_file_font_and_ids(
    cjk_font: FontChoice, pdf: PdfCommand, verified: Calls
):
    done = pdf.run("--json")
    assert done.returncode == 0, done
    report = json.loads(done.stdout)
    assert report["pdf"] == str(pdf.out)
    assert report["font"] == str(cjk_font.path)
    assert report["receipt_id"] == xiangshan_facts().receipt_id
    assert report["receipt_hash"] == xiangshan_facts().receipt_hash
    assert len(report["pdf_sha256"]) == 64


def test_a_receipt_that_does_not_verify_is_never_rendered(
    pdf: PdfCommand, monkeypatch: pytest.MonkeyPatch
):
    def refuse(receipt_bytes: bytes, genesis_bytes: bytes) -> ReceiptFacts:
        raise ReceiptError(ReceiptCode.QUORUM_NOT_REACHED, "1 of 3 validators signed")

    monkeypatch.setattr(receipt_pdf_cli, "verify_receipt", refuse)
    done = pdf.run()
    assert done.returncode == 1
    assert not pdf.out.exists()
    assert done.stderr == ""
    # As `lantan verify receipt` says it, and that no PDF was made.
    assert done.stdout == (
        "INVALID: QUORUM_NOT_REACHED: 1 of 3 validators signed\nNo printable copy (PDF) was made.\n"
    )


def test_an_altered_receipt_is_refused_in_the_plain_words_verify_receipt_uses(
    pdf: PdfCommand, monkeypatch: pytest.MonkeyPatch
):
    """`receipt pdf` on a tampered receipt gave the code and detail alone on stderr, without
    the plain sentence `verify receipt` prints after them (stop 57)."""

    def refuse(receipt_bytes: bytes, genesis_bytes: bytes) -> ReceiptFacts:
        raise ReceiptError(ReceiptCode.BAD_STATE_PROOF, "inclusion proof leaf differs")

    monkeypatch.setattr(receipt_pdf_cli, "verify_receipt", refuse)
    done = pdf.run()
    assert done.returncode == 1 and not pdf.out.exists()
    lines = done.stdout.splitlines()
    assert lines[0] == "INVALID: BAD_STATE_PROOF: inclusion proof leaf differs"
    assert lines[1] == INVALID_HINTS[ReceiptCode.BAD_STATE_PROOF]
    assert lines[1].startswith("This receipt does not match what the registry's validators")
    assert lines[2:] == ["No printable copy (PDF) was made."]
    report = json.loads(pdf.run("--json").stdout)
    assert report["valid"] is False and report["code"] == "BAD_STATE_PROOF"
    assert report["hint"].endswith("No printable copy (PDF) was made.")


def test_an_existing_pdf_is_replaced_only_with_force(
    cjk_font: FontChoice, pdf: PdfCommand, verified: Calls
):
    pdf.out.write_bytes(b"an earlier PDF")
    done = pdf.run()
    assert done.returncode == 2
    assert done.stderr == (
        f"lantan receipt pdf: error: {pdf.out} exists; choose another --out or pass --force\n"
    )
    assert pdf.out.read_bytes() == b"an earlier PDF"
    assert verified == []  # refused before the receipt is verified
    assert pdf.run("--force").returncode == 0
    assert pdf.out.read_bytes().startswith(b"%PDF")


def test_unreadable_input_files_are_usage_errors(pdf: PdfCommand, verified: Calls, tmp_path: Path):
    missing = tmp_path / "missing.json"
    done = pdf.run(receipt=missing)
    assert done.returncode == 2
    assert f"cannot read the receipt {missing}" in done.stderr
    done = pdf.run(genesis=missing)
    assert done.returncode == 2
    assert f"argument --genesis: {missing}: cannot read" in done.stderr
    assert verified == []


def test_a_missing_font_is_a_clear_error(pdf: PdfCommand, verified: Calls, tmp_path: Path):
    font = str(tmp_path / "no-such-font.ttc")
    done = pdf.run("--font", font)
    assert done.returncode == 1
    assert done.stderr == (f"lantan receipt pdf: error: --font {font}: no such font file\n")
    assert not pdf.out.exists()


def test_a_font_directory_is_said_to_be_one(pdf: PdfCommand, verified: Calls, tmp_path: Path):
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    done = pdf.run("--font", str(fonts))
    assert done.returncode == 1
    assert done.stderr == (
        f"lantan receipt pdf: error: --font {fonts}: a directory, not a font file "
        "(name the .ttf/.ttc file in it)\n"
    )


def test_a_receipt_pdf_given_for_the_receipt_is_a_usage_error(
    pdf: PdfCommand, verified: Calls, tmp_path: Path
):
    printed = tmp_path / "r1.pdf"
    printed.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    done = pdf.run(receipt=printed)
    assert done.returncode == 2
    assert "is a PDF, a receipt's printable copy; verify the JSON receipt" in done.stderr
    assert verified == [] and not pdf.out.exists()


def test_an_unwritable_output_is_a_one_line_error(
    cjk_font: FontChoice, pdf: PdfCommand, verified: Calls, tmp_path: Path
):
    unwritable = PdfCommand(
        receipt=pdf.receipt, genesis=pdf.genesis, out=tmp_path / "no-such-directory" / "x.pdf"
    )
    done = unwritable.run()
    assert done.returncode == 1
    assert "cannot write the PDF" in done.stderr


def test_genesis_and_out_are_required(pdf: PdfCommand):
    done = run_lantan("receipt", "pdf", pdf.receipt, "--out", "x.pdf")
    assert done.returncode == 2 and "--genesis" in done.stderr
    done = run_lantan("receipt", "pdf", pdf.receipt, "--genesis", pdf.genesis)
    assert done.returncode == 2 and "--out" in done.stderr
