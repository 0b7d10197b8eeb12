"""tests/vectors/receipt-v4.json: a format-4 receipt (ADR 0030), computed from the code.

`python -m tests.receipts.receipt_v4_example --rewrite` runs the Xiangshan case with an
accredited verification and the court's judgment (tests/receipts/attested_case.py) on an
in-process chain with the fixed keys and genesis of receipt-v1-genesis.json, and writes the
judicial retirement's receipt in format 4: the case-satisfied receipt. test_receipt_v4.py
fails when the file is stale; receipt-v1*.json and receipt-v3.json are left alone.
"""

import sys
import tempfile
from pathlib import Path
from typing import Any

from protocol.encoding import encode
from tests.receipts.attested_case import attested_case_steps
from tests.receipts.chain import ReceiptChain
from tests.vectors.protocol_examples import ROOT

FORMAT_4_FILE = ROOT / "tests" / "vectors" / "receipt-v4.json"


def build_v4_example() -> tuple[dict[str, Any], bytes]:
    """The judicial retirement's format-4 receipt and the genesis document bytes."""
    with tempfile.TemporaryDirectory() as directory:
        chain = ReceiptChain(Path(directory))
        try:
            ids = chain.run_case(attested_case_steps())
            chain.commit()
            return chain.receipt(ids["credits.retire_judicial"], version=4), chain.genesis_bytes
        finally:
            chain.close()


if __name__ == "__main__":
    if sys.argv[1:] != ["--rewrite"]:
        sys.exit("usage: python -m tests.receipts.receipt_v4_example --rewrite")
    receipt, _genesis = build_v4_example()
    FORMAT_4_FILE.write_bytes(encode(receipt))
    print(f"wrote {FORMAT_4_FILE}")
