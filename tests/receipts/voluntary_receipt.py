"""A VALID voluntary retirement whose free text imitates the judicial receipt (h57 F12):
the account holder's beneficiary, purpose and reason read like the Xiangshan case's line,
so every face of the receipt must say it is voluntary, not a court's."""

from dataclasses import dataclass
from pathlib import Path

from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from protocol.encoding import encode
from tests.receipts.chain import ReceiptChain

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
    chain = ReceiptChain(directory)
    try:
        chain.run_case()
        retirement = chain.tx(
            TOWNSHIP_ACCOUNT,
            "credits.retire",
            {
                "account_id": TOWNSHIP_ACCOUNT,
                "batch_id": BATCH_ID,
                "quantity_kg": 4_225,
                "beneficiary": BENEFICIARY,
                "purpose": PURPOSE,
                "reason": REASON,
            },
        )
        chain.commit((retirement,))
        chain.commit()
        return VoluntaryReceipt(
            receipt=encode(chain.receipt(retirement.tx_id, version=4)),
            genesis=chain.genesis_bytes,
        )
    finally:
        chain.close()
