"""A VALID voluntary retirement whose free text imitates the judicial receipt (h57 F12):
the account holder's beneficiary, purpose and reason read like the Xiangshan case's line,
so every face of the receipt must say it is voluntary, not a court's."""

from dataclasses import dataclass
from pathlib import Path

from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from protocol.encoding import encode
from tests.kit.lantan_cli import run_lantan
from tests.receipts.chain import ReceiptChain
from tests.unit.client.receipt_pdf_kit import run_tool

CASE_LINE = "（2023）浙0225刑初001号（示例 illustrative）"
BENEFICIARY = f"case {CASE_LINE} (Xiangshan County People's Court)"
PURPOSE = "替代性生态修复 alternative ecological restoration"
REASON = f"刑事附带民事公益诉讼 criminal, incidental civil public-interest suit: {CASE_LINE}"


@dataclass(frozen=True)
class VoluntaryReceipt:
    receipt: bytes
    genesis: bytes


def voluntary_receipt(directory: Path) -> VoluntaryReceipt:
    """The Xiangshan case's chain, then the township's voluntary retirement of 4,225 kg
    with the imitating words above; its format-4 receipt and the chain's genesis."""
    return retired_voluntarily(
        directory, quantity_kg=4_225, beneficiary=BENEFICIARY, purpose=PURPOSE, reason=REASON
    )


def retired_voluntarily(
    directory: Path, *, quantity_kg: int, beneficiary: str, purpose: str, reason: str
) -> VoluntaryReceipt:
    """The Xiangshan case's chain in directory, then the township's voluntary retirement of
    quantity_kg with these words, committed; its format-4 receipt and the chain's genesis."""
    chain = ReceiptChain(directory)
    try:
        chain.run_case()
        body = {"account_id": TOWNSHIP_ACCOUNT, "batch_id": BATCH_ID, "quantity_kg": quantity_kg}
        words = {"beneficiary": beneficiary, "purpose": purpose, "reason": reason}
        retirement = chain.tx(TOWNSHIP_ACCOUNT, "credits.retire", body | words)
        chain.commit((retirement,))
        chain.commit()
        return VoluntaryReceipt(
            receipt=encode(chain.receipt(retirement.tx_id, version=4)),
            genesis=chain.genesis_bytes,
        )
    finally:
        chain.close()


def pdf_text(receipt: VoluntaryReceipt, directory: Path) -> str:
    """`lantan receipt pdf` of the receipt (it must render), read back by pdftotext."""
    (directory / "receipt.json").write_bytes(receipt.receipt)
    (directory / "genesis.json").write_bytes(receipt.genesis)
    out = directory / "receipt.pdf"
    printed = run_lantan(
        "receipt",
        "pdf",
        directory / "receipt.json",
        "--genesis",
        directory / "genesis.json",
        "--out",
        out,
    )
    assert printed.returncode == 0, printed
    return run_tool("pdftotext", "poppler-utils", "-enc", "UTF-8", str(out), "-")
