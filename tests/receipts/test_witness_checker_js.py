"""The checker page's verifier (node/web/static/verify.js) applies the witness policy too.

Run under Node.js (no browser needed): the same receipts as test_witness_receipts.py get
the same codes as client/receipt/verify.py. Skipped, with the reason, where `node` is absent.
"""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from client.receipt.summary import summary_lines
from client.receipt.verify import verify_receipt
from protocol.encoding import encode
from protocol.hashing import Hash32, sha256
from protocol.note import checkpoint_at_height, format_signed_note, parse_signed_note, sign_note
from tests.kit.processes import json_output_of
from tests.receipts.chain import ReceiptChain
from tests.receipts.conftest import CaseChain, run_full_case
from tests.receipts.tamper import python_code, with_last_line_flipped
from tests.receipts.test_witness_receipts import (  # noqa: F401
    AUDITOR_WITNESS,
    COURT_WITNESS,
    downgraded_and_stripped,
    raise_quorum,
    witnessed,
)

ROOT = Path(__file__).parents[2]
RUNNER = Path(__file__).parent / "js" / "run_verify.js"
STATIC = ROOT / "node" / "web" / "static"
NODE = shutil.which("node")
WITNESS_FACTS = ("witnessed_by", "witness_keys", "witness_quorum")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="Node.js is not installed (apt-get install nodejs)"
)


def js_codes(genesis: bytes, receipts: dict[str, bytes]) -> dict[str, str]:
    result: dict[str, str] = run_js(genesis, receipts)
    return result


def run_js(
    genesis: bytes,
    receipts: dict[str, bytes],
    show: tuple[str, ...] = (),
    files: dict[str, str] | None = None,
    *,
    details: bool = False,
) -> Any:
    """run_verify.js's answer: codes, or the facts named in show of the valid receipts;
    files (name -> base64 bytes) go through verifyReceiptBytes, as a picked file does;
    details: each refusal as "CODE: detail"."""
    assert NODE is not None
    payload: dict[str, Any] = {
        "genesis": genesis.decode(),
        "receipts": {name: receipt.decode() for name, receipt in receipts.items()},
    }
    if show:
        payload["show"] = list(show)
    if files:
        payload["files"] = files
    if details:
        payload["details"] = True
    command = [NODE, str(RUNNER), str(STATIC)]
    return json_output_of(command, input_text=json.dumps(payload), timeout_s=300)


def test_checker_applies_the_witness_policy(witnessed: CaseChain) -> None:  # noqa: F811
    chain = witnessed.chain
    size = chain.ledger.height + 1
    cosigned = chain.cosign(size, COURT_WITNESS)
    text = checkpoint_at_height(
        chain_id=chain.chain_id, height=size - 1, root_hash=Hash32(sha256(b"rewritten"))
    ).body()
    two = [sign_note(text, n, chain.keys[n]) for n in ("xiangshan-county", "ningbo-ptc")]
    borrowed = format_signed_note(text, [*two, parse_signed_note(cosigned).signatures[-1]])
    notes = {
        "cosigned": cosigned,
        "plain": chain.notes[size],
        "tampered": with_last_line_flipped(cosigned, 30),
        "rewritten": format_signed_note(text, two),
        "borrowed": borrowed,
    }
    receipts = {k: encode(chain.receipt(witnessed.judicial, note=v)) for k, v in notes.items()}
    expected = {k: python_code(r, chain.genesis_bytes) for k, r in receipts.items()}
    assert expected == {
        "cosigned": "",
        "plain": "WITNESS_QUORUM",
        "tampered": "BAD_CHECKPOINT",
        "rewritten": "WITNESS_QUORUM",
        "borrowed": "BAD_CHECKPOINT",
    }
    assert js_codes(chain.genesis_bytes, receipts) == expected


def test_checker_names_the_witnesses_that_cosigned(witnessed: CaseChain) -> None:  # noqa: F811
    """The page shows who cosigned the checkpoint ("Witnessed by"), as the CLI and the PDF
    do: the same names as client/receipt/verify.py, with the keys it looks institutions up by."""
    chain = witnessed.chain
    note = chain.cosign(chain.ledger.height + 1, COURT_WITNESS, AUDITOR_WITNESS)
    receipt = encode(chain.receipt(witnessed.judicial, note=note))
    facts = verify_receipt(receipt, chain.genesis_bytes)
    shown = run_js(chain.genesis_bytes, {"r": receipt}, show=WITNESS_FACTS)["r"]
    keys = {
        w["name"]: w["public_key"]
        for w in json.loads(chain.genesis_bytes)["witnesses"]["witnesses"]
    }
    assert shown == {
        "witnessed_by": list(facts.witnessed_by),
        "witness_keys": [keys[name] for name in facts.witnessed_by],
        "witness_quorum": facts.witness_quorum,
    }
    assert shown["witnessed_by"] == [COURT_WITNESS, AUDITOR_WITNESS]


def test_checker_still_verifies_without_witnesses(case_chain: CaseChain) -> None:
    chain = case_chain.chain
    receipt = encode(chain.receipt(case_chain.judicial))
    assert js_codes(chain.genesis_bytes, {"plain": receipt}) == {"plain": ""}
    shown = run_js(chain.genesis_bytes, {"plain": receipt}, show=WITNESS_FACTS)["plain"]
    assert shown == {"witnessed_by": [], "witness_keys": [], "witness_quorum": 0}


def test_checker_refuses_a_null_witnesses_field(case_chain: CaseChain) -> None:
    value = json.loads(case_chain.chain.genesis_bytes)
    broken = json.dumps({**value, "witnesses": None}).encode()
    assert js_codes(broken, {}) == {"genesis": "BAD_GENESIS"}


def test_checker_refuses_the_rewritten_history_receipt(tmp_path: Path) -> None:
    """The issue-16 receipt (format 2, set change stripped, two old-quorum lines) on a
    witnessed chain: the checker page says WITNESS_QUORUM, as the CLI's verifier does."""
    chain = ReceiptChain(
        tmp_path / "chain", chain_name="lantan-rewritten-js", witnesses=(COURT_WITNESS,)
    )
    try:
        case = run_full_case(chain)
        raise_quorum(chain)
        note = chain.cosign(chain.ledger.height + 1, COURT_WITNESS)
        real = chain.receipt(case.judicial, note=note)
        receipts = {
            "real": encode(real),
            "rewritten": encode(downgraded_and_stripped(real, note)),
        }
        expected = {"real": "", "rewritten": "WITNESS_QUORUM"}
        assert {k: python_code(r, chain.genesis_bytes) for k, r in receipts.items()} == expected
        assert js_codes(chain.genesis_bytes, receipts) == expected
    finally:
        chain.close()


def test_both_say_when_the_latest_witness_cosigned(witnessed: CaseChain) -> None:  # noqa: F811
    """PROTOCOL.md §5: a block was committed by the latest time a verified cosignature of
    its checkpoint signs; the CLI, the PDF and the checker page show it (stop 55: only the
    proposer's own time was shown, the auditor's pass). Two witnesses a minute apart, then
    the earlier one's cosignature alone."""
    chain = witnessed.chain
    size = chain.ledger.height + 1
    court = parse_signed_note(chain.cosign(size, COURT_WITNESS, timestamp_s=1_764_115_300))
    auditor = parse_signed_note(chain.cosign(size, AUDITOR_WITNESS, timestamp_s=1_764_115_360))
    both = format_signed_note(court.text, [*court.signatures, auditor.signatures[-1]])
    receipts = {
        "both": encode(chain.receipt(witnessed.judicial, note=both)),
        "court": encode(
            chain.receipt(witnessed.judicial, note=format_signed_note(court.text, court.signatures))
        ),
    }
    python = {
        name: verify_receipt(receipt, chain.genesis_bytes).witnessed_at_s
        for name, receipt in receipts.items()
    }
    assert python == {"both": 1_764_115_360, "court": 1_764_115_300}
    lines = summary_lines(verify_receipt(receipts["both"], chain.genesis_bytes))
    assert "committed    by 2025-11-26 00:02:40 UTC (2025-11-26 08:02:40 Beijing), when a" in (
        "\n".join(lines)
    )
    shown = run_js(chain.genesis_bytes, receipts, show=("witnessed_at_s",))
    assert {name: facts["witnessed_at_s"] for name, facts in shown.items()} == python
