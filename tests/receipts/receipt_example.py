"""The worked receipt example of docs/PROTOCOL.md §14.5, computed from the code.

`python -m tests.receipts.receipt_example --rewrite` builds the Xiangshan case on an
in-process chain with fixed keys (tests/receipts/chain.py), takes the judicial retirement's
receipt (format 3, as nodes serve it) and writes every intermediate value of its
verification into PROTOCOL.md, the receipt into tests/vectors/receipt-v3.json, the same
receipt in format 2 (without format 3's log paths) into tests/vectors/receipt-v1.json and
its genesis into tests/vectors/receipt-v1-genesis.json. test_receipt_example.py fails when
any is stale.
"""

import base64
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from protocol.encoding import encode
from protocol.hashing import (
    TAG_GENESIS,
    TAG_HEADER,
    TAG_RECEIPT,
    TAG_TX,
    TAG_VALIDATORS,
    TAG_VOTE,
    sha256,
)
from protocol.merkle import hash_children, hash_leaf
from protocol.smt_proof import hash_leaf as smt_leaf
from protocol.smt_proof import hash_node as smt_node
from protocol.smt_proof import path_bit
from tests.receipts.chain import ReceiptChain
from tests.vectors.protocol_examples import DOC, ROOT

RECEIPT_FILE = ROOT / "tests" / "vectors" / "receipt-v1.json"
GENESIS_FILE = ROOT / "tests" / "vectors" / "receipt-v1-genesis.json"
FORMAT_1_FILE = ROOT / "tests" / "vectors" / "receipt-v1-format1.json"
"""The same receipt in receipt format 1, as served before format 2; kept unchanged."""
FORMAT_3_FILE = ROOT / "tests" / "vectors" / "receipt-v3.json"
"""The receipt in format 3 (ADR 0015); receipt-v1.json holds it in format 2."""
BEGIN, END = "<!-- receipt-example:begin -->", "<!-- receipt-example:end -->"
BEGIN_3, END_3 = "<!-- receipt-v3-example:begin -->", "<!-- receipt-v3-example:end -->"


def as_format_2(receipt: dict[str, Any]) -> dict[str, Any]:
    """A format-3 receipt without what format 3 added: the receipt as format 2 serves it."""
    changes = [
        {k: v for k, v in change.items() if k != "history_path"}
        for change in receipt["validator_sets"]
    ]
    rest = {k: v for k, v in receipt.items() if k != "checkpoint_header"}
    return {**rest, "receipt_version": 2, "validator_sets": changes}


class Lines:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, label: str, value: str | bytes) -> None:
        self.items.append((label, value.hex() if isinstance(value, bytes) else value))

    def render(self) -> str:
        return "\n".join(
            f"{label}:\n  {value}" if len(label) + len(value) > 90 else f"{label}: {value}"
            for label, value in self.items
        )


def build_example() -> tuple[dict[str, Any], bytes]:
    """The judicial retirement's receipt and the genesis document bytes."""
    with tempfile.TemporaryDirectory() as directory:
        chain = ReceiptChain(Path(directory))
        try:
            ids = chain.run_case()
            chain.commit()
            return chain.receipt(ids["credits.retire_judicial"]), chain.genesis_bytes
        finally:
            chain.close()


def fold_rfc9162(
    out: Lines, what: str, *, index: int, size: int, leaf: bytes, path: list[str]
) -> None:
    """The steps of RFC 9162 §2.1.3.2, each intermediate hash shown."""
    fn, sn, r = index, size - 1, hash_leaf(leaf)
    out.add(f"{what} leaf hash H(0x00 || leaf), index {index} of {size}", r)
    for step, p_hex in enumerate(path, start=1):
        p = bytes.fromhex(p_hex)
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            out.add(f"{what} step {step}: H(0x01 || path[{step - 1}] || r)", r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hash_children(r, p)
            out.add(f"{what} step {step}: H(0x01 || r || path[{step - 1}])", r)
        fn, sn = fn >> 1, sn >> 1


def fold_block_proof(out: Lines, what: str, index: int, proof: dict[str, Any], leaf: bytes) -> None:
    """fold_rfc9162 over a receipt's {tree_size, hashes} proof of a leaf under a block root."""
    fold_rfc9162(out, what, index=index, size=proof["tree_size"], leaf=leaf, path=proof["hashes"])


def fold_smt(out: Lines, entry: dict[str, Any]) -> None:
    key = entry["key"]
    key_hash = sha256(key.encode())
    value_bytes = encode(entry["value"])
    out.add(f"{key}: key_hash", key_hash)
    out.add(f"{key}: JCS(value)", value_bytes.decode())
    out.add(f"{key}: value_hash", sha256(value_bytes))
    c = smt_leaf(key_hash, sha256(value_bytes))
    out.add(f"{key}: leaf H(0x02 || key_hash || value_hash)", c)
    siblings = entry["proof"]["siblings"]
    for depth in range(len(siblings) - 1, -1, -1):
        sibling = bytes.fromhex(siblings[depth])
        bit = path_bit(key_hash, depth)
        c = smt_node(sibling, c) if bit else smt_node(c, sibling)
        order = "sibling || c" if bit else "c || sibling"
        out.add(f"{key}: depth {depth}, bit {bit}: H(0x03 || {order})", c)


def render(receipt: dict[str, Any], genesis_bytes: bytes) -> str:
    out = Lines()
    genesis = json.loads(genesis_bytes)
    chain_id = sha256(TAG_GENESIS + encode(genesis))
    out.add("chain_id = H(TAG_GENESIS || JCS(genesis))", chain_id)
    out.add(
        "V0 hash = H(TAG_VALIDATORS || JCS(genesis.validators))",
        sha256(TAG_VALIDATORS + encode(genesis["validators"])),
    )
    tx = receipt["tx"]
    unsigned = tx["signed_tx"]["tx"]
    out.add("JCS(signed_tx.tx)", encode(unsigned).decode())
    out.add("tx_id = H(TAG_TX || JCS(tx)) = retirement_id", sha256(TAG_TX + encode(unsigned)))
    for signature in tx["signed_tx"]["signatures"]:
        out.add(f"tx signature by {signature['public_key'][:16]}…", signature["signature"])
    fold_block_proof(out, "tx_root", tx["index"], tx["tx_proof"], encode(tx["signed_tx"]))
    out.add("JCS(result)", encode(tx["result"]).decode())
    fold_block_proof(out, "results_root", tx["index"], tx["result_proof"], encode(tx["result"]))
    header = receipt["block"]["header"]
    out.add("JCS(header)", encode(header).decode())
    block_hash = sha256(TAG_HEADER + encode(header))
    out.add("block_hash = H(TAG_HEADER || JCS(header))", block_hash)
    certificate = receipt["block"]["certificate"]
    vote = {
        "type": "precommit",
        "chain_id": chain_id.hex(),
        "height": header["height"],
        "round": certificate["round"],
        "block_hash": block_hash.hex(),
    }
    out.add("precommit signing bytes = TAG_VOTE || JCS(vote)", TAG_VOTE + encode(vote))
    for signature in certificate["signatures"]:
        out.add(f"precommit by {signature['validator'][:16]}…", signature["signature"])
    head, _, note = receipt["history_proof"].partition("\n\n")
    lines = head.split("\n")
    path = [base64.b64decode(line).hex() for line in lines[2:]]
    size = int(note.split("\n")[1])
    fold_rfc9162(out, "history", index=header["height"], size=size, leaf=encode(header), path=path)
    out.add("checkpoint root (base64, line 3 of the note)", note.split("\n")[2])
    out.add("history_proof (\\n shown as \\n)", receipt["history_proof"].replace("\n", "\\n"))
    for entry in receipt["state"]:
        if entry["value"] is not None:
            fold_smt(out, entry)
    out.add("state_root of the header", header["state_root"])
    identity = {
        "block_hash": sha256(TAG_HEADER + encode(header)).hex(),
        "result": tx["result"],
        "retirement_id": receipt["retirement_id"],
        "signed_tx": tx["signed_tx"],
        "state": [{"key": e["key"], "value": e["value"]} for e in receipt["state"]],
    }
    out.add("receipt identity (§14.6), JCS", encode(identity).decode())
    out.add(
        "receipt_digest = H(TAG_RECEIPT || JCS(identity))", sha256(TAG_RECEIPT + encode(identity))
    )
    out.add("receipt file hash = H(JCS(receipt))", sha256(encode(receipt)))
    intro = (
        "Every value below is recomputed by the test from the receipt file, whose inputs (path "
        "hashes, SMT siblings, signatures, the note) are in tests/vectors/receipt-v1.json; "
        "each fold ends at the root the header or checkpoint carries. The validator set does "
        "not change on this chain, so `validator_sets` is empty."
    )
    return f"{intro}\n\n```\n{out.render()}\n```"


def render_format_3(receipt: dict[str, Any]) -> str:
    """What format 3 adds to the example: the checkpoint's last header and its path."""
    out = Lines()
    last = receipt["checkpoint_header"]
    size = last["header"]["height"] + 1
    out.add("JCS(checkpoint_header.header)", encode(last["header"]).decode())
    fold_rfc9162(
        out,
        "checkpoint_header",
        index=size - 1,
        size=size,
        leaf=encode(last["header"]),
        path=last["history_path"],
    )
    out.add(
        "its validators_hash (= V0 hash: no set change is listed)",
        last["header"]["validators_hash"],
    )
    out.add("receipt file hash = H(JCS(receipt)), format 3", sha256(encode(receipt)))
    intro = (
        "The same receipt in format 3 (tests/vectors/receipt-v3.json) has `receipt_version` 3 "
        "and the field `checkpoint_header`: header N - 1 of the checkpoint (size N) with its "
        "path, which folds to the checkpoint root above. Its receipt digest is the one above."
    )
    return f"{intro}\n\n```\n{out.render()}\n```"


def document_with_example(document: str, example: str, begin: str = BEGIN, end: str = END) -> str:
    start, stop = document.index(begin) + len(begin), document.index(end)
    return document[:start] + "\n" + example + "\n" + document[stop:]


def current_document(document: str, receipt: dict[str, Any], genesis_bytes: bytes) -> str:
    """PROTOCOL.md with both worked examples recomputed from the format-3 receipt."""
    document = document_with_example(document, render(as_format_2(receipt), genesis_bytes))
    return document_with_example(document, render_format_3(receipt), BEGIN_3, END_3)


def main(argv: list[str]) -> int:
    receipt, genesis_bytes = build_example()
    if "--rewrite" not in argv:
        print(render(as_format_2(receipt), genesis_bytes))
        print(render_format_3(receipt))
        return 0
    DOC.write_text(current_document(DOC.read_text(), receipt, genesis_bytes))
    RECEIPT_FILE.write_bytes(encode(as_format_2(receipt)))
    FORMAT_3_FILE.write_bytes(encode(receipt))
    GENESIS_FILE.write_bytes(genesis_bytes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
