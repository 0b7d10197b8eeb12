"""Receipt verification time: the worked-example receipt of PROTOCOL.md §14, verified offline.

Run: .venv/bin/python scripts/bench_receipt.py [--count N]. Target (issue 6): <= 5 ms.
"""

import argparse
import time
from pathlib import Path

from client.receipt.verify import verify_receipt

VECTORS = Path(__file__).resolve().parents[1] / "tests" / "vectors"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    count = parser.parse_args().count
    receipt = (VECTORS / "receipt-v1.json").read_bytes()
    genesis = (VECTORS / "receipt-v1-genesis.json").read_bytes()
    verify_receipt(receipt, genesis)
    started = time.perf_counter()
    for _ in range(count):
        verify_receipt(receipt, genesis)
    elapsed_ms = (time.perf_counter() - started) * 1000 / count
    print(f"verify a receipt ({len(receipt):,} bytes) offline: {elapsed_ms:.2f} ms ({count} runs)")


if __name__ == "__main__":
    main()
