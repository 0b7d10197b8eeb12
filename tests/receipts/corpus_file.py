"""The shared tamper corpus as one file: tests/vectors/receipt-corpus.jsonl.

`python -m tests.receipts.corpus_file --rewrite` builds the corpus of test_tamper_corpus on
two in-process chains with fixed keys (the same bytes on every run) and writes it. The
first line is `{"genesis": <the genesis document>}`; every other line is one case:
`{"name", "code", "rule", "receipt"}` with `receipt` the file's text, or `receipt_base64`
for the few cases that are not UTF-8. `code` is what every verifier must report ("" for a
receipt that verifies) and `rule` the PROTOCOL.md sentence that decides it. A verifier in
any language can run it; ours do in test_corpus_file.py and tests/browser/test_checker.py.
"""

import base64
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.receipts.attested_case import attested_case_steps
from tests.receipts.chain import ReceiptChain
from tests.receipts.conftest import run_full_case
from tests.receipts.tamper import TamperCase

ROOT = Path(__file__).resolve().parents[2]
CORPUS_FILE = ROOT / "tests" / "vectors" / "receipt-corpus.jsonl"

STEP_RULES = {
    "": "§14.4: a receipt that passes every step is VALID",
    "MALFORMED": "§14.1 and §14.4 step 1: exactly the fields and types shown",
    "BAD_SET_CHANGE": "§14.4 step 2: each set change, in order",
    "WRONG_CHAIN": "§14.4 steps 3-4: the header's and the tx's chain_id is this chain's",
    "BAD_CHAIN": "§14.4 step 3: the header at tx.height, certified by the set in force",
    "BAD_CERTIFICATE": "§14.4 step 3, certificate rules: signatures over this block",
    "DUPLICATE_SIGNER": "§14.4 step 3, certificate rules: a key listed twice",
    "NOT_A_VALIDATOR": "§14.4 step 3, certificate rules: a key not in the set",
    "QUORUM_NOT_REACHED": "§14.4 step 3, certificate rules: fewer than q signatures",
    "WRONG_RETIREMENT": "§14.4 step 4: H(TAG_TX || JCS(signed_tx.tx)) = retirement_id",
    "NOT_A_RETIREMENT": "§14.4 step 4: the tx type is a retirement",
    "BAD_TX_SIGNATURE": "§14.4 step 4: tx signatures sorted, the sender's among them, valid",
    "BAD_TX_PROOF": "§14.4 step 4: the tx's path to tx_root",
    "BAD_RESULT_PROOF": "§14.4 step 4: the result's path to results_root",
    "TX_NOT_ACCEPTED": "§14.4 step 4: result.status is accepted",
    "BAD_CHECKPOINT": "§14.4 step 5 and §10: the tlog-proof and its signed note",
    "CHECKPOINT_WRONG_CHAIN": "§14.4 step 5: the note's origin is this chain",
    "CHECKPOINT_QUORUM": "§14.4 step 5: q validators of the set in force signed the note",
    "BAD_HISTORY_PROOF": "§14.4 step 5: the header's path to the checkpoint root",
    "BAD_STATE_PROOF": "§14.4 step 6: each state entry's proof against state_root",
    "MISSING_RECORD": "§14.4 step 7: the records the retirement needs",
    "UNEXPECTED_RECORD": "§14.4 step 7: no other records",
    "RETIREMENT_MISMATCH": "§14.4 step 8: R agrees with the tx",
    "QUANTITY_MISMATCH": "§14.4 step 8: ranges add up to R.quantity_kg",
    "SERIALS_MISMATCH": "§14.4 step 8: the serial blocks are retired by T",
    "RECORD_MISMATCH": "§14.4 step 8: batch, project, key and institution records",
    "CASE_MISMATCH": "§14.4 step 8: the case lists T",
    "COURT_ROLE_MISSING": "§14.4 step 8: confirmed by a key of the case's court",
    "DIGEST_MISMATCH": "§14.4 step 9 and §14.6: the stored digest",
}


def rule_of(case: TamperCase) -> str:
    return case.rule or STEP_RULES[case.code]


def build() -> tuple[bytes, list[TamperCase]]:
    """The genesis bytes and every case of the corpus, from fresh in-process chains."""
    from tests.receipts.test_tamper_corpus import corpus

    with tempfile.TemporaryDirectory() as directory:
        first = ReceiptChain(Path(directory) / "case")
        second = ReceiptChain(Path(directory) / "other", chain_name="another-network")
        third = ReceiptChain(Path(directory) / "attested")
        try:
            return first.genesis_bytes, corpus(
                run_full_case(first),
                run_full_case(second),
                run_full_case(third, attested_case_steps()),
            )
        finally:
            first.close()
            second.close()
            third.close()


def render(genesis: bytes, cases: list[TamperCase]) -> str:
    lines = [json.dumps({"genesis": json.loads(genesis)}, ensure_ascii=False)]
    for case in cases:
        entry: dict[str, Any] = {"name": case.name, "code": case.code, "rule": rule_of(case)}
        try:
            entry["receipt"] = case.receipt.decode("utf-8")
        except UnicodeDecodeError:
            entry["receipt_base64"] = base64.b64encode(case.receipt).decode()
        lines.append(json.dumps(entry, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def load(path: Path = CORPUS_FILE) -> tuple[bytes, list[TamperCase]]:
    """The genesis bytes (canonical) and the cases of the corpus file."""
    from protocol.encoding import encode

    head, *rows = path.read_text(encoding="utf-8").splitlines()
    genesis = encode(json.loads(head)["genesis"])
    cases = []
    for row in rows:
        entry = json.loads(row)
        raw = (
            entry["receipt"].encode("utf-8")
            if "receipt" in entry
            else base64.b64decode(entry["receipt_base64"])
        )
        cases.append(TamperCase(entry["name"], raw, entry["code"], entry["rule"]))
    return genesis, cases


if __name__ == "__main__":
    if sys.argv[1:] != ["--rewrite"]:
        sys.exit("usage: python -m tests.receipts.corpus_file --rewrite")
    genesis_bytes, built = build()
    CORPUS_FILE.write_text(render(genesis_bytes, built), encoding="utf-8")
    print(f"wrote {CORPUS_FILE} ({len(built)} cases)")
