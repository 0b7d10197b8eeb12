"""Go's golang.org/x/mod/sumdb/tlog (the Go checksum database's transparency log) accepts
the history proofs nodes serve and rejects altered ones.

A chain of 12 headers: for every tree size, every header's inclusion proof as
`/v1/proofs/header/{h}?size=N` builds it (node/proofs.py header_inclusion), checked by
tlog.CheckRecord against the RFC 9162 root of that size, and every consistency proof as
`/v1/proofs/consistency` builds it, checked by tlog.CheckTree. Then each kind of change an
attacker could make (a hash, the leaf, the index, the size, a dropped or added hash) must
fail. The Go program is tests/interop/gotlog; it builds offline against Debian's
golang-golang-x-mod-dev (scripts/system-deps). Skipped, with the reason, where either is
missing.
"""

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.proofs import consistency, header_inclusion
from protocol.encoding import JsonObject, encode
from tests.interop.go_build import build_go, go_marks
from tests.receipts.chain import ReceiptChain

SOURCE = Path(__file__).parent / "gotlog"
HEADERS = 12

pytestmark = go_marks("sumdb/tlog")


@pytest.fixture(scope="module")
def gotlog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_go(SOURCE, tmp_path_factory.mktemp("gotlog"))


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiptChain]:
    built = ReceiptChain(tmp_path_factory.mktemp("go-tlog-chain"), chain_name="lantan-go-tlog")
    try:
        while built.ledger.height + 1 < HEADERS:
            built.commit()
        yield built
    finally:
        built.close()


def go_check(gotlog: Path, checks: list[JsonObject]) -> list[str]:
    completed = subprocess.run(
        [str(gotlog)],
        input=json.dumps(checks),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    results: list[str] = json.loads(completed.stdout)
    assert len(results) == len(checks)
    return results


def record_check(chain: ReceiptChain, height: int, size: int) -> JsonObject:
    served = header_inclusion(chain.ledger, height, size)
    proof = served["proof"]
    assert isinstance(proof, dict)
    return {
        "kind": "record",
        "leaf": encode(served["header"]).hex(),
        "index": proof["leaf_index"],
        "size": proof["tree_size"],
        "root": chain.ledger.history_root(size).hex(),
        "hashes": proof["hashes"],
    }


def tree_check(chain: ReceiptChain, first: int, second: int) -> JsonObject:
    served = consistency(chain.ledger, first, second)
    return {
        "kind": "tree",
        "size1": served["size1"],
        "root1": chain.ledger.history_root(first).hex(),
        "size": served["size2"],
        "root": chain.ledger.history_root(second).hex(),
        "hashes": served["hashes"],
    }


def _flip(hex_hash: str) -> str:
    raw = bytearray(bytes.fromhex(hex_hash))
    raw[0] ^= 0x01
    return raw.hex()


def test_go_tlog_accepts_every_inclusion_and_consistency_proof_nodes_serve(
    gotlog: Path, chain: ReceiptChain
) -> None:
    assert chain.ledger.height + 1 == HEADERS
    sizes = range(1, HEADERS + 1)
    records = [record_check(chain, h, size) for size in sizes for h in range(size)]
    trees = [tree_check(chain, first, second) for second in sizes for first in range(1, second + 1)]
    results = go_check(gotlog, records + trees)
    failed = [
        (check, result)
        for check, result in zip(records + trees, results, strict=True)
        if result != "ok"
    ]
    assert not failed, failed[:3]
    assert len(records) == HEADERS * (HEADERS + 1) // 2 and len(trees) == len(records)


def test_go_tlog_rejects_altered_proofs(gotlog: Path, chain: ReceiptChain) -> None:
    record = record_check(chain, 5, 11)
    tree = tree_check(chain, 5, 11)
    hashes = record["hashes"]
    tree_hashes = tree["hashes"]
    assert isinstance(hashes, list) and len(hashes) >= 3
    assert isinstance(tree_hashes, list) and len(tree_hashes) >= 3
    leaf = bytes.fromhex(str(record["leaf"]))
    altered: dict[str, JsonObject] = {
        "a path hash": record | {"hashes": [_flip(str(hashes[0])), *hashes[1:]]},
        "the last path hash": record | {"hashes": [*hashes[:-1], _flip(str(hashes[-1]))]},
        "the leaf": record | {"leaf": leaf.replace(b'"height":5', b'"height":6').hex()},
        "the index": record | {"index": 4},
        "the size": record | {"size": 12, "root": chain.ledger.history_root(12).hex()},
        "a dropped hash": record | {"hashes": hashes[:-1]},
        "an added hash": record | {"hashes": [*hashes, hashes[0]]},
        "the root": record | {"root": _flip(str(record["root"]))},
        "a consistency hash": tree | {"hashes": [_flip(str(tree_hashes[0])), *tree_hashes[1:]]},
        "the old root": tree | {"root1": _flip(str(tree["root1"]))},
        "the old size": tree | {"size1": 6},
        "a dropped consistency hash": tree | {"hashes": tree_hashes[:-1]},
    }
    assert leaf != bytes.fromhex(str(altered["the leaf"]["leaf"]))
    results = go_check(gotlog, list(altered.values()))
    accepted = [name for name, result in zip(altered, results, strict=True) if result == "ok"]
    assert not accepted, f"Go's tlog accepted an altered proof: {accepted}"
    assert go_check(gotlog, [record, tree]) == ["ok", "ok"]
