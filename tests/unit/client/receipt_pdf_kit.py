"""What the receipt PDF tests share: hand-built Xiangshan facts, the font, poppler and zbar.

The facts are built by hand, not by the verifier, so the PDF tests stand alone; the values
follow the Xiangshan case (genesis/example/xiangshan_case.py) and genesis/network.py. Where a
font or a tool is missing the test is skipped, naming the Debian package scripts/system-deps
installs.
"""

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from client.errors import FontError
from client.receipt.facts import ReceiptFacts, ReceiptSigner, SerialRange
from client.receipt.fonts import FontChoice, find_cjk_font
from genesis.example.parties import ECO_ACCOUNT_NAME
from genesis.example.xiangshan_case import BATCH_ID, CASE_ID, PROJECT_ID, SUBSCRIBED_KG
from protocol.hashing import sha256


def xiangshan_facts() -> ReceiptFacts:
    """422,500 kg retired for the case, certified by 3 of 3 validators (quorum 2)."""
    return ReceiptFacts(
        receipt_id=sha256(b"example retirement tx").hex(),
        receipt_hash=sha256(b"example receipt file").hex(),
        receipt_version=2,
        receipt_digest=sha256(b"example receipt identity").hex(),
        chain_id=sha256(b"example chain").hex(),
        chain_name="lantan-xiangshan-example",
        kind="judicial",
        court_id="xiangshan-court",
        court_name_zh="象山县人民法院",
        court_name_en="Xiangshan County People's Court",
        case_id=CASE_ID,
        case_number="（2023）浙0225刑初001号（示例 illustrative）",
        case_type="刑事附带民事公益诉讼 criminal, incidental civil public-interest suit",
        obligors_masked=("王某某", "李某某"),
        quantity_kg=SUBSCRIBED_KG,
        serial_ranges=(SerialRange(batch_id=BATCH_ID, first_serial=1, last_serial=SUBSCRIBED_KG),),
        beneficiary=ECO_ACCOUNT_NAME,
        purpose="alternative_restoration",
        project_id=PROJECT_ID,
        project_name_zh="黄避岙乡海水养殖渔业碳汇项目",
        project_name_en="Huangbi'ao Township mariculture fishery carbon sink",
        ecosystem="mariculture",
        location="浙江省宁波市象山县黄避岙乡 Huangbi'ao, Xiangshan, Ningbo, Zhejiang",
        accounting_standard="HY/T 0305-2021",
        vintage=2022,
        batch_id=BATCH_ID,
        height=7,
        time_ms=1_700_000_123_456,
        signed_by=("xiangshan-county", "ningbo-ptc", "xiamen-ptc"),
        signers=(
            ReceiptSigner(
                key_name="xiangshan-county",
                name_zh="象山县发展和改革局",
                name_en="Xiangshan County Development and Reform Bureau",
            ),
            ReceiptSigner(key_name="ningbo-ptc", name_zh="宁波市公证处", name_en="Ningbo PTC"),
            ReceiptSigner(key_name="xiamen-ptc", name_zh=None, name_en=None),
        ),
        validator_count=3,
        quorum=2,
    )


def voluntary_facts() -> ReceiptFacts:
    """A voluntary retirement: no court, case or obligors."""
    return dataclasses.replace(
        xiangshan_facts(),
        kind="voluntary",
        court_id=None,
        court_name_zh=None,
        court_name_en=None,
        case_id=None,
        case_number=None,
        case_type=None,
        obligors_masked=(),
    )


def cjk_font_or_skip() -> FontChoice:
    """The font the CLI would pick; skips the test when there is none."""
    try:
        return find_cjk_font(None, os.environ)
    except FontError as error:
        pytest.skip(f"no TrueType CJK font (run scripts/system-deps): {error}")


def run_tool(tool: str, package: str, *args: str) -> str:
    """Run a poppler or zbar command line tool; skips the test, saying why, if it is missing."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed (Debian package {package}; run scripts/system-deps)")
    completed = subprocess.run(
        [tool, *args], capture_output=True, text=True, encoding="utf-8", check=False
    )
    assert completed.returncode == 0, f"{tool} failed: {completed.stderr}"
    return completed.stdout


def decode_qr_codes(pdf_path: Path, work_directory: Path) -> list[str]:
    """Rasterise page 1 at 150 dpi (pdftoppm) and decode its QR codes (zbarimg)."""
    prefix = str(work_directory / "page")
    run_tool("pdftoppm", "poppler-utils", "-r", "150", "-png", "-l", "1", str(pdf_path), prefix)
    (page,) = sorted(work_directory.glob("page*.png"))
    decoded = run_tool(
        "zbarimg", "zbar-tools", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(page)
    )
    return decoded.strip().splitlines()
