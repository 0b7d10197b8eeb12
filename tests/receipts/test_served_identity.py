"""A node's answer must be for what was asked: `lantan receipt get ID` and `lantan verify tx
ID` compare the served retirement and tx with ID before anything is shown or saved.

Stop 56's JS auditor put a proxy before a node that asked it for another id than the
client's and passed the answer on untouched: every signature and proof in it genuine, of
another retirement (or tx). `receipt get` saved a voluntary retirement's receipt under the
name asked for the court's, and called it VALID; `verify tx` printed ACCEPTED for any id,
one never committed too. The answers of `verify tx` are read as strict JSON too: a
duplicate key read ACCEPTED here (Python keeps the last member) and rejected to a tool that
keeps the first.
"""

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from client.cli.main import main
from node.proofs import SignedCheckpoint, build_receipt
from protocol.encoding import encode
from protocol.hashing import Hash32
from tests.receipts.conftest import CaseChain
from tests.unit.client.fake_node import Answer, serve_answers


@dataclass
class SwappingNode:
    """Serves, for whatever id it is asked, the receipt and tx proof of `serves`; with
    `duplicate`, the tx proof's result says `"status"` twice, rejected first."""

    case: CaseChain
    serves: Hash32
    duplicate: bool = False

    def handle(self, _method: str, path: str, _body: bytes) -> Answer:
        chain = self.case.chain
        ledger = chain.ledger
        size = ledger.height + 1
        receipt: Any = build_receipt(
            ledger, self.serves, SignedCheckpoint(size=size, note=chain.notes[size])
        )
        if path == "/v1/status":
            return 200, "application/json", encode({"chain_id": ledger.chain_id.hex()})
        if path.startswith("/v1/receipts/"):
            return 200, "application/json", encode(receipt)
        if path == "/v1/validator-sets":
            validators = json.loads(chain.genesis_bytes)["validators"]
            return 200, "application/json", encode({"genesis": validators, "changes": []})
        if path.startswith("/v1/proofs/tx/"):
            answer = {
                **receipt["tx"],
                "header": receipt["block"]["header"],
                "certificate": receipt["block"]["certificate"],
            }
            text = encode(answer)
            if self.duplicate:
                text = text.replace(b'"result":{', b'"result":{"status":"rejected",', 1)
            return 200, "application/json", text
        if path.startswith("/v1/proofs/state/key/"):
            key = "key/" + path.split("?", maxsplit=1)[0].rsplit("/", 1)[-1]
            entry = next(e for e in receipt["state"] if e["key"] == key)
            return 200, "application/json", encode(entry)
        return 404, "application/json", encode({"error": {"code": "NOT_FOUND", "detail": path}})


@pytest.fixture
def genesis(case_chain: CaseChain, tmp_path: Path) -> Path:
    path = tmp_path / "genesis.json"
    path.write_bytes(case_chain.chain.genesis_bytes)
    return path


def served_by(node: SwappingNode) -> AbstractContextManager[str]:
    return serve_answers(node.handle)


def test_a_receipt_of_another_retirement_is_refused_and_not_saved(
    case_chain: CaseChain, genesis: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked, other = case_chain.judicial.hex(), case_chain.voluntary.hex()
    out = tmp_path / "court.json"
    for with_genesis in ([], ["--genesis", str(genesis)]):
        with served_by(SwappingNode(case_chain, serves=case_chain.voluntary)) as url:
            code = main(["receipt", "get", asked, "--node", url, "--out", str(out), *with_genesis])
        captured = capsys.readouterr()
        assert code == 1, captured
        assert f"asked for the receipt of {asked[:16]}…, it served the one of {other[:16]}…" in (
            captured.err
        )
        assert "VALID" not in captured.out and not out.exists()


def test_the_receipt_asked_for_is_saved(
    case_chain: CaseChain, genesis: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = case_chain.judicial.hex()
    out = tmp_path / "court.json"
    with served_by(SwappingNode(case_chain, serves=case_chain.judicial)) as url:
        code = main(
            ["receipt", "get", asked, "--node", url, "--out", str(out), "--genesis", str(genesis)]
        )
    assert code == 0, capsys.readouterr()
    assert json.loads(out.read_bytes())["retirement_id"] == asked


@pytest.mark.parametrize("asked", ["judicial", "never committed"])
def test_a_tx_proof_of_another_tx_is_refused(
    case_chain: CaseChain, genesis: Path, capsys: pytest.CaptureFixture[str], asked: str
) -> None:
    asked_id = case_chain.judicial.hex() if asked == "judicial" else "f" * 64
    node = SwappingNode(case_chain, serves=case_chain.voluntary)
    with served_by(node) as url:
        code = main(["verify", "tx", asked_id, "--node", url, "--genesis", str(genesis)])
    captured = capsys.readouterr()
    assert code == 1, captured
    other = case_chain.voluntary.hex()
    assert f"asked for the tx proof of {asked_id[:16]}…, it served the one of {other[:16]}…" in (
        captured.err
    )
    assert "ACCEPTED" not in captured.out


def test_the_tx_asked_for_is_accepted_and_a_duplicate_key_refused(
    case_chain: CaseChain, genesis: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = case_chain.judicial.hex()
    with served_by(SwappingNode(case_chain, serves=case_chain.judicial)) as url:
        assert main(["verify", "tx", asked, "--node", url, "--genesis", str(genesis)]) == 0
    assert capsys.readouterr().out.endswith("ACCEPTED\n")
    node = SwappingNode(case_chain, serves=case_chain.judicial, duplicate=True)
    with served_by(node) as url:
        code = main(["verify", "tx", asked, "--node", url, "--genesis", str(genesis)])
    captured = capsys.readouterr()
    assert code == 1, captured
    assert "the answer is not strict JSON: duplicate key 'status'" in captured.err
    assert "ACCEPTED" not in captured.out
