"""A receipt's "committed by" time is the bound of THIS copy's checkpoint (stop 57, F8):
two copies of one receipt (one digest) carry different checkpoints and print different
bounds, so every face says whose bound it is and how to get the tightest
(`lantan receipt get ID --size N`, the smallest cosigned N above the height)."""

from pathlib import Path

from client.cli.main import main
from client.receipt.pdf_rows import witnessed_at_lines
from client.receipt.summary import summary_lines
from client.receipt.verify import verify_receipt
from protocol.encoding import encode
from tests.receipts.conftest import CaseChain
from tests.receipts.test_witness_receipts import COURT_WITNESS, witnessed  # noqa: F401
from tests.unit.client.fake_node import Answer, serve_answers


def test_two_copies_say_whose_bound_they_print(witnessed: CaseChain) -> None:  # noqa: F811
    chain = witnessed.chain
    first = chain.receipt(witnessed.judicial)
    height = first["tx"]["height"]
    early, late = height + 1, chain.ledger.height + 1
    assert early < late
    copies = {
        size: verify_receipt(
            encode(
                chain.receipt(
                    witnessed.judicial, size, chain.cosign(size, COURT_WITNESS, timestamp_s=stamp)
                )
            ),
            chain.genesis_bytes,
        )
        for size, stamp in ((early, 1_764_115_300), (late, 1_764_115_900))
    }
    assert copies[early].receipt_digest == copies[late].receipt_digest
    for size, facts in copies.items():
        assert facts.checkpoint_size == size
        text = "\n".join(summary_lines(facts))
        assert f"when a witness cosigned this copy's checkpoint (size {size})" in text
        assert "an upper bound that depends on the copy" in text
        assert f"above height {height} gives the tightest" in text
        assert "lantan receipt get RETIREMENT_ID --size N" in text
        shown = " ".join(witnessed_at_lines(facts))
        assert f"this copy's checkpoint (size {size})" in shown
        assert f"本副本检查点（大小 {size}）" in shown


def test_receipt_get_asks_for_the_size_given(
    witnessed: CaseChain,  # noqa: F811
    tmp_path: Path,
) -> None:
    chain = witnessed.chain
    size = chain.receipt(witnessed.judicial)["tx"]["height"] + 1
    asked: list[str] = []

    def handle(_method: str, path: str, _body: bytes) -> Answer:
        asked.append(path)
        if path.startswith("/v1/receipts/"):
            note = chain.cosign(size, COURT_WITNESS)
            return 200, "application/json", encode(chain.receipt(witnessed.judicial, size, note))
        return 404, "application/json", encode({"error": {"code": "NOT_FOUND", "detail": path}})

    with serve_answers(handle) as url:
        code = main(
            [
                *("receipt", "get", witnessed.judicial.hex(), "--size", str(size)),
                *("--node", url, "--out", str(tmp_path / "r.json")),
            ]
        )
    assert code == 0
    assert f"/v1/receipts/{witnessed.judicial.hex()}?size={size}" in asked
