"""`lantan verify receipt` given the receipt's PDF instead of its JSON: a usage error that
says which file to verify, not `INVALID: MALFORMED: invalid UTF-8 at byte 10`."""

import json
from pathlib import Path

import pytest

from client.cli import main as cli
from tests.unit.client.conftest import Network

# The start of a reportlab PDF: the binary comment line is what the UTF-8 decoder met.
PDF_START = b"%PDF-1.4\n%\x93\x8c\x8b\x9e ReportLab Generated PDF document\n"


@pytest.fixture
def printed(tmp_path: Path) -> Path:
    path = tmp_path / "r1.pdf"
    path.write_bytes(PDF_START)
    return path


def test_a_receipt_pdf_is_named_with_the_file_to_verify(
    network: Network, printed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["verify", "receipt", str(printed), "--genesis", str(network.genesis_path)])
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no INVALID: the receipt was never looked at
    assert captured.err == (
        f"lantan verify receipt: error: {printed} is a PDF, a receipt's printable copy; verify "
        "the JSON receipt (`lantan receipt get RETIREMENT_ID --out FILE.json` saves it)\n"
    )


def test_with_json_the_same_reason_is_the_document(
    network: Network, printed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["verify", "receipt", str(printed), "--genesis", str(network.genesis_path), "--json"]
    assert cli.main(argv) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["exit_code"] == 2 and "is a PDF" in document["error"]
