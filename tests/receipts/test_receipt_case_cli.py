"""`lantan receipt case` (ADR 0030): the case-satisfied receipt, fetched from a node that
serves the case and the format-4 receipt of its last retirement; an unsatisfied case is
refused with a clear message and exit 1. `lantan verify receipt` prints the status line."""

from pathlib import Path
from typing import Any, cast

from contracts.state_keys import case_key
from contracts.state_tree import state_tree_key
from genesis.example.xiangshan_case import CASE_ID
from node.proofs import SignedCheckpoint, build_receipt
from protocol.encoding import decode, encode
from protocol.hashing import Hash32
from protocol.smt import SparseMerkleTree
from tests.kit.lantan_cli import run_lantan
from tests.receipts.conftest import CaseChain
from tests.unit.client.fake_node import FakeNode, serve

SATISFIED_LINE = f"case {CASE_ID}: SATISFIED 422,500 of 422,500 kg"


class CaseNode:
    """GET /v1/status (its chain id: `receipt case` compares it with --genesis first),
    GET /v1/cases/{id} (the case at the head, as `case_says` edits it) and GET
    /v1/receipts/{id} (format 4, as nodes serve it)."""

    def __init__(self, case: CaseChain, *, forged: bool = False, **case_says: Any) -> None:
        self.chain = case.chain
        self.case_says = case_says
        self.forged = forged
        """Serve receipts whose retired quantity is one kg more than the tx's."""

    def handle(self, _method: str, path: str, _body: bytes) -> tuple[int, str, bytes]:
        ledger = self.chain.ledger
        name = path.rsplit("/", 1)[-1]
        if path == "/v1/status":
            return 200, "application/json", encode({"chain_id": ledger.chain_id.hex()})
        if path.startswith("/v1/cases/"):
            return 200, "application/json", encode({**self._case(name), **self.case_says})
        size = ledger.height + 1
        checkpoint = SignedCheckpoint(size=size, note=self.chain.notes[size])
        receipt = build_receipt(ledger, Hash32(bytes.fromhex(name)), checkpoint)
        if self.forged:
            body = cast(dict[str, Any], receipt)["tx"]["signed_tx"]["tx"]["body"]
            body["quantity_kg"] += 1
        return 200, "application/json", encode(receipt)

    def _case(self, case_id: str) -> dict[str, Any]:
        tree = SparseMerkleTree(self.chain.ledger.store.smt)
        raw = tree.get(state_tree_key(case_key(case_id)), version=self.chain.ledger.height)
        assert raw is not None, case_id
        return cast(dict[str, Any], decode(raw))


def test_a_satisfied_case_gets_its_receipt_verified(
    attested_chain: CaseChain, tmp_path: Path
) -> None:
    genesis = tmp_path / "genesis.json"
    genesis.write_bytes(attested_chain.chain.genesis_bytes)
    out = tmp_path / "case.json"
    with serve(cast(FakeNode, CaseNode(attested_chain))) as url:
        done = run_lantan(
            "receipt", "case", CASE_ID, "--node", url, "--out", out, "--genesis", genesis
        )
    printed = done.stdout
    assert done.returncode == 0, done
    assert SATISFIED_LINE in printed and printed.endswith("VALID\n")
    receipt = decode(out.read_bytes())
    assert isinstance(receipt, dict) and receipt["receipt_version"] == 4
    assert receipt["retirement_id"] == attested_chain.judicial.hex()
    verified = run_lantan("verify", "receipt", out, "--genesis", genesis)
    assert verified.returncode == 0, verified
    assert SATISFIED_LINE in verified.stdout


def test_an_unsatisfied_case_is_refused(attested_chain: CaseChain, tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    node = CaseNode(attested_chain, required_kg=500_000)
    with serve(cast(FakeNode, node)) as url:
        done = run_lantan("receipt", "case", CASE_ID, "--node", url, "--out", out)
    error = done.stderr
    assert done.returncode == 1
    assert f"case {CASE_ID} is not satisfied: 422,500 of 500,000 kg retired" in error
    assert not out.exists()


def test_a_receipt_that_does_not_prove_the_case_satisfied_is_not_saved(
    attested_chain: CaseChain, tmp_path: Path
) -> None:
    """The node names the voluntary retirement as the case's last: the receipt verifies, but
    it proves no case, so nothing is saved."""
    genesis = tmp_path / "genesis.json"
    genesis.write_bytes(attested_chain.chain.genesis_bytes)
    out = tmp_path / "case.json"
    node = CaseNode(attested_chain, retirement_ids=[attested_chain.voluntary.hex()])
    with serve(cast(FakeNode, node)) as url:
        done = run_lantan(
            "receipt", "case", CASE_ID, "--node", url, "--out", out, "--genesis", genesis
        )
    assert done.returncode == 1
    assert "does not prove case" in done.stderr
    assert not out.exists()


def test_a_receipt_that_does_not_verify_is_not_saved(
    attested_chain: CaseChain, tmp_path: Path
) -> None:
    """Stop 55 (the auditor's pass): a node's forged receipt was written under --out before
    it was found INVALID, and the retry its hint asked for was refused as `--out exists`."""
    genesis = tmp_path / "genesis.json"
    genesis.write_bytes(attested_chain.chain.genesis_bytes)
    out = tmp_path / "case.json"
    retirement = attested_chain.judicial.hex()
    with serve(cast(FakeNode, CaseNode(attested_chain, forged=True))) as url:
        for command in (
            ("receipt", "case", CASE_ID),
            ("receipt", "get", retirement, "--pdf", tmp_path / "case.pdf"),
        ):
            done = run_lantan(*command, "--node", url, "--out", out, "--genesis", genesis)
            assert done.returncode == 1, done
            assert done.stdout.startswith("INVALID: "), done.stdout
            assert "A node served this receipt" in done.stdout
            assert not out.exists() and not (tmp_path / "case.pdf").exists()
    with serve(cast(FakeNode, CaseNode(attested_chain))) as url:
        done = run_lantan(
            "receipt", "case", CASE_ID, "--node", url, "--out", out, "--genesis", genesis
        )
    assert done.returncode == 0, done
    assert out.exists()
