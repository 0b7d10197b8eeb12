"""Real format-3 receipts across a validator-set change, as a file in tests/vectors.

The corpus' set-change cases are forged (its in-process chain never changes its set), so
this file keeps receipts that real node processes served after a real `validators.update`:
one for a retirement before the change (the change listed between block and checkpoint)
and one after it (the block certified by the new set). The checker page has no network
with a set change of its own (the browser tier's two minutes do not allow one), so it
verifies this file instead. test_network_receipts.py writes it when run with
LANTAN_REWRITE_NETWORK_VECTOR=1 and otherwise checks the committed file: a network's keys
and clock differ on every run, so it is the file's bytes, not a fresh network's, that stay
fixed. The file is one canonical JSON object (RFC 8785) and a newline:
`{"genesis": <genesis document>, "receipts": {"after_change": ..., "before_change": ...}}`.
"""

import copy
import json
import os
from pathlib import Path
from typing import Any

from protocol.encoding import encode
from tests.receipts.tamper import TamperCase

ROOT = Path(__file__).resolve().parents[2]
VECTOR_FILE = ROOT / "tests" / "vectors" / "receipt-v3-network-set-change.json"
REWRITE_ENV = "LANTAN_REWRITE_NETWORK_VECTOR"
RECEIPT_NAMES = ("before_change", "after_change")


def rewriting() -> bool:
    return os.environ.get(REWRITE_ENV) == "1"


def render(genesis: bytes, receipts: dict[str, Any]) -> bytes:
    return encode({"genesis": json.loads(genesis), "receipts": receipts}) + b"\n"


def write(genesis: bytes, receipts: dict[str, Any], path: Path = VECTOR_FILE) -> None:
    path.write_bytes(render(genesis, receipts))


def load(path: Path = VECTOR_FILE) -> tuple[bytes, dict[str, Any]]:
    """The genesis bytes (canonical) and the receipts by name."""
    document = json.loads(path.read_bytes())
    return encode(document["genesis"]), dict(document["receipts"])


def stripped(receipt: dict[str, Any]) -> dict[str, Any]:
    """The receipt with its set change left out: what a forger hiding the change would send
    (the digest does not cover validator_sets, so it needs no re-sealing)."""
    tampered = copy.deepcopy(receipt)
    tampered["validator_sets"] = []
    return tampered


STRIPPED_CODES = {
    # Header N - 1 (checkpoint_header) names a set that no listed change gives.
    "before_change": "BAD_SET_CHANGE",
    # The block's validators_hash is not the set in force at its height without the change.
    "after_change": "BAD_CHAIN",
}
STRIPPED_RULES = {
    "before_change": "§14.4 step 5, version 3: header N - 1's validators_hash is the hash of V",
    "after_change": "§14.4 step 3: validators_hash is the hash of the set in force",
}


def cases(receipts: dict[str, Any]) -> list[TamperCase]:
    """Each real receipt (valid) and its copy with the change stripped."""
    out = []
    for name in RECEIPT_NAMES:
        receipt = receipts[name]
        out.append(TamperCase(f"network receipt {name}", encode(receipt), "", "§14.4"))
        out.append(
            TamperCase(
                f"network receipt {name}, set change stripped",
                encode(stripped(receipt)),
                STRIPPED_CODES[name],
                STRIPPED_RULES[name],
            )
        )
    return out
