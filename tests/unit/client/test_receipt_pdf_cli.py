"""`lantan receipt pdf`: verify first, then write the PDF; failures are one line and exit 1.

Wired here through a tiny parser of its own: client/cli/receipt.py's `receipt` group adds the
command with add_pdf_command. The verifier is replaced by a stub returning the hand-built
Xiangshan facts, so these tests check the command, not the verifier.
"""

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from client.cli import receipt_pdf as receipt_pdf_cli
from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.facts import ReceiptFacts
from client.receipt.fonts import FontChoice
from client.receipt.pdf import render_receipt_pdf
from tests.unit.client.conftest import Network
from tests.unit.client.receipt_pdf_kit import cjk_font_or_skip, xiangshan_facts

RECEIPT_BYTES = b'{"receipt": "stand-in bytes"}'
Calls = list[tuple[bytes, bytes]]
Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def cjk_font() -> FontChoice:
    return cjk_font_or_skip()


@dataclass(frozen=True)
class PdfCommand:
    """`lantan receipt pdf RECEIPT --genesis GENESIS --out OUT`, any of the three replaceable."""

    receipt: Path
    genesis: Path
    out: Path

    def run(self, *extra: str, receipt: Path | None = None, genesis: Path | None = None) -> int:
        return run_receipt_cli(
            "pdf",
            str(receipt or self.receipt),
            "--genesis",
            str(genesis or self.genesis),
            "--out",
            str(self.out),
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


def run_receipt_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="lantan")
    groups = parser.add_subparsers(dest="group", required=True)
    actions = groups.add_parser("receipt").add_subparsers(dest="action", required=True)
    receipt_pdf_cli.add_pdf_command(actions)
    args = parser.parse_args(["receipt", *argv])
    result: int = args.handler(args)
    return result


def test_pdf_verifies_then_writes_the_rendered_bytes(
    cjk_font: FontChoice, pdf: PdfCommand, verified: Calls, capsys: Capture
):
    assert pdf.run("--font", str(cjk_font.path)) == 0
    assert verified == [(RECEIPT_BYTES, pdf.genesis.read_bytes())]
    expected = FontChoice(path=cjk_font.path, subfont_index=0, source="--font")
    assert pdf.out.read_bytes() == render_receipt_pdf(xiangshan_facts(), expected)
    printed = capsys.readouterr().out
    assert f"VALID receipt {xiangshan_facts().receipt_id}" in printed
    assert f"wrote {pdf.out}" in printed


def test_pdf_json_reports_the_file_font_and_ids(
    cjk_font: FontChoice, pdf: PdfCommand, verified: Calls, capsys: Capture
):
    assert pdf.run("--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pdf"] == str(pdf.out)
    assert report["font"] == str(cjk_font.path)
    assert report["receipt_id"] == xiangshan_facts().receipt_id
    assert report["receipt_hash"] == xiangshan_facts().receipt_hash
    assert len(report["pdf_sha256"]) == 64


def test_a_receipt_that_does_not_verify_is_never_rendered(
    pdf: PdfCommand, monkeypatch: pytest.MonkeyPatch, capsys: Capture
):
    def refuse(receipt_bytes: bytes, genesis_bytes: bytes) -> ReceiptFacts:
        raise ReceiptError(ReceiptCode.QUORUM_NOT_REACHED, "1 of 3 validators signed")

    monkeypatch.setattr(receipt_pdf_cli, "verify_receipt", refuse)
    assert pdf.run() == 1
    assert not pdf.out.exists()
    assert capsys.readouterr().err == (
        "lantan receipt pdf: error: QUORUM_NOT_REACHED: 1 of 3 validators signed\n"
    )


def test_an_existing_pdf_is_replaced_only_with_force(
    cjk_font: FontChoice, pdf: PdfCommand, verified: Calls, capsys: Capture
):
    pdf.out.write_bytes(b"an earlier PDF")
    assert pdf.run() == 2
    assert capsys.readouterr().err == (
        f"lantan receipt pdf: error: {pdf.out} exists; choose another --out or pass --force\n"
    )
    assert pdf.out.read_bytes() == b"an earlier PDF"
    assert verified == []  # refused before the receipt is verified
    assert pdf.run("--force") == 0
    assert pdf.out.read_bytes().startswith(b"%PDF")


def test_unreadable_input_files_are_usage_errors(
    pdf: PdfCommand, verified: Calls, tmp_path: Path, capsys: Capture
):
    missing = tmp_path / "missing.json"
    assert pdf.run(receipt=missing) == 2
    assert f"cannot read the receipt {missing}" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        pdf.run(genesis=missing)
    assert exited.value.code == 2
    assert f"argument --genesis: {missing}: cannot read" in capsys.readouterr().err
    assert verified == []


def test_a_missing_font_is_a_clear_error(
    pdf: PdfCommand, verified: Calls, tmp_path: Path, capsys: Capture
):
    font = str(tmp_path / "no-such-font.ttc")
    assert pdf.run("--font", font) == 1
    assert capsys.readouterr().err == (
        f"lantan receipt pdf: error: --font {font}: no such font file\n"
    )
    assert not pdf.out.exists()


def test_a_font_directory_is_said_to_be_one(
    pdf: PdfCommand, verified: Calls, tmp_path: Path, capsys: Capture
):
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    assert pdf.run("--font", str(fonts)) == 1
    assert capsys.readouterr().err == (
        f"lantan receipt pdf: error: --font {fonts}: a directory, not a font file "
        "(name the .ttf/.ttc file in it)\n"
    )


def test_a_receipt_pdf_given_for_the_receipt_is_a_usage_error(
    pdf: PdfCommand, verified: Calls, tmp_path: Path, capsys: Capture
):
    printed = tmp_path / "r1.pdf"
    printed.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    assert pdf.run(receipt=printed) == 2
    assert "is a PDF, a receipt's printable copy; verify the JSON receipt" in (
        capsys.readouterr().err
    )
    assert verified == [] and not pdf.out.exists()


def test_an_unwritable_output_is_a_one_line_error(
    cjk_font: FontChoice, pdf: PdfCommand, verified: Calls, tmp_path: Path, capsys: Capture
):
    unwritable = PdfCommand(
        receipt=pdf.receipt, genesis=pdf.genesis, out=tmp_path / "no-such-directory" / "x.pdf"
    )
    assert unwritable.run() == 1
    assert "cannot write the PDF" in capsys.readouterr().err


def test_genesis_and_out_are_required(pdf: PdfCommand):
    with pytest.raises(SystemExit) as raised:
        run_receipt_cli("pdf", str(pdf.receipt), "--out", "x.pdf")
    assert raised.value.code == 2
    with pytest.raises(SystemExit):
        run_receipt_cli("pdf", str(pdf.receipt), "--genesis", str(pdf.genesis))
