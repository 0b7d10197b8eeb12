"""Receipts under a genesis that names witnesses (ADR 0021, PROTOCOL.md §14.4 step 5).

A chain whose genesis names the court's and an auditor's witnesses, one cosignature
required: a receipt verifies only when its checkpoint carries a valid cosignature, and a
checkpoint over a rewritten history signed by an old quorum cannot borrow one.
"""

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.pdf import render_receipt_pdf
from client.receipt.summary import summary_lines
from client.receipt.verify import verify_receipt
from protocol.encoding import encode
from protocol.hashing import Hash32, sha256
from protocol.note import checkpoint_at_height, format_signed_note, parse_signed_note, sign_note
from tests.receipts import independent_verifier as independent
from tests.receipts.chain import ReceiptChain
from tests.receipts.conftest import CaseChain, run_full_case
from tests.receipts.tamper import with_last_line_flipped
from tests.unit.client.receipt_pdf_kit import cjk_font_or_skip, run_tool

COURT_WITNESS = "xiangshan-court-witness"
AUDITOR_WITNESS = "zhejiang-auditor-witness"


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseChain]:
    chain = ReceiptChain(
        tmp_path_factory.mktemp("witnessed-chain"),
        chain_name="lantan-witnessed",
        witnesses=(COURT_WITNESS, AUDITOR_WITNESS),
    )
    try:
        yield run_full_case(chain)
    finally:
        chain.close()


def code_of(chain: ReceiptChain, receipt: dict[str, object]) -> ReceiptCode | None:
    """The verifier's code, after checking the spec-only verifier gives the same one."""
    try:
        verify_receipt(encode(receipt), chain.genesis_bytes)
    except ReceiptError as error:
        code: ReceiptCode | None = error.code
    else:
        code = None
    spec_only, _facts = independent.verify(encode(receipt), chain.genesis_bytes)
    assert spec_only == (None if code is None else code.value)
    return code


def test_cosigned_checkpoint_verifies(witnessed: CaseChain) -> None:
    chain = witnessed.chain
    size = chain.ledger.height + 1
    receipt = chain.receipt(witnessed.judicial, note=chain.cosign(size, COURT_WITNESS))
    assert code_of(chain, receipt) is None
    both = chain.cosign(size, COURT_WITNESS, AUDITOR_WITNESS)
    receipt = chain.receipt(witnessed.judicial, note=both)
    assert code_of(chain, receipt) is None
    facts = verify_receipt(encode(receipt), chain.genesis_bytes)
    assert (facts.witnessed_by, facts.witness_quorum) == ((COURT_WITNESS, AUDITOR_WITNESS), 1)
    shown = summary_lines(facts)[-3]  # then the plain verdict and what retired means
    assert shown.startswith("witnessed    2 witnesses cosigned") and COURT_WITNESS in shown


def test_the_pdf_names_the_witnesses_that_cosigned(witnessed: CaseChain, tmp_path: Path) -> None:
    """The printed receipt says who outside the validators cosigned its checkpoint, as
    `lantan verify receipt` does, and still fits one page."""
    cjk_font_or_skip()
    chain = witnessed.chain
    note = chain.cosign(chain.ledger.height + 1, COURT_WITNESS, AUDITOR_WITNESS)
    facts = verify_receipt(
        encode(chain.receipt(witnessed.judicial, note=note)), chain.genesis_bytes
    )
    out = tmp_path / "receipt.pdf"
    out.write_bytes(render_receipt_pdf(facts, cjk_font_or_skip()))
    text = " ".join(run_tool("pdftotext", "poppler-utils", "-enc", "UTF-8", str(out), "-").split())
    assert "见证联署" in text and "Witnessed by" in text
    assert "2 witnesses cosigned the checkpoint (genesis asks 1)" in text, text
    assert COURT_WITNESS in text and AUDITOR_WITNESS in text
    assert "Pages: 1" in " ".join(run_tool("pdfinfo", "poppler-utils", str(out)).split())


def test_checkpoint_without_cosignature_is_witness_quorum(witnessed: CaseChain) -> None:
    chain = witnessed.chain
    assert code_of(chain, chain.receipt(witnessed.judicial)) is ReceiptCode.WITNESS_QUORUM


def test_tampered_cosignature_is_bad_checkpoint(witnessed: CaseChain) -> None:
    chain = witnessed.chain
    size = chain.ledger.height + 1
    tampered = with_last_line_flipped(chain.cosign(size, COURT_WITNESS), 20)
    assert code_of(chain, chain.receipt(witnessed.judicial, note=tampered)) in (
        ReceiptCode.BAD_CHECKPOINT,
    )


def _cut_line(line: str, size: int) -> str:
    """A signature line with its decoded bytes cut to size (key id first, so it still
    names its key): it parses, and cannot verify."""
    name, encoded = line.rsplit(" ", 1)
    return f"{name} {base64.b64encode(base64.b64decode(encoded)[:size]).decode()}"


def _with_lines(note: str, lines: list[str], text: str | None = None) -> str:
    body, _, _ = note.rpartition("\n\n")
    return f"{text if text is not None else body}\n\n" + "".join(f"{line}\n" for line in lines)


def test_a_known_keys_line_of_the_wrong_length_is_checked_where_its_key_is(
    witnessed: CaseChain,
) -> None:
    """PROTOCOL.md §14.4 step 5: a validator's line that is not 68 bytes or a witness's that
    is not 76 parses; it is a line that does not verify, found in step 5's order, after
    the origin and, for a witness, after the validators' quorum (C verifier, stop 49)."""
    chain = witnessed.chain
    note = chain.cosign(chain.ledger.height + 1, COURT_WITNESS)
    *validators, witness = note.rstrip("\n").rpartition("\n\n")[2].split("\n")
    short_witness = _cut_line(witness, 68)
    cases = {
        "witness line of 68 bytes": ([*validators, short_witness], ReceiptCode.BAD_CHECKPOINT),
        "and one validator line": ([*validators[:1], short_witness], ReceiptCode.CHECKPOINT_QUORUM),
        "validator line of 5 bytes": (
            [_cut_line(validators[0], 5), *validators[1:], witness],
            ReceiptCode.BAD_CHECKPOINT,
        ),
    }
    for name, (lines, want) in cases.items():
        receipt = chain.receipt(witnessed.judicial, note=_with_lines(note, lines))
        assert code_of(chain, receipt) is want, name
    text = note.rpartition("\n\n")[0]
    other_origin = "lantan/" + "00" * 32 + text[text.index("\n") :]
    lines = [_cut_line(validators[0], 5), *validators[1:], short_witness]
    receipt = chain.receipt(witnessed.judicial, note=_with_lines(note, lines, other_origin))
    assert code_of(chain, receipt) is ReceiptCode.CHECKPOINT_WRONG_CHAIN


def test_rewritten_history_cannot_borrow_a_cosignature(witnessed: CaseChain) -> None:
    """Two validators sign another root for the same size: the real cosignature does not
    verify over it (BAD_CHECKPOINT), and without it the witness quorum is missing."""
    chain = witnessed.chain
    size = chain.ledger.height + 1
    real = parse_signed_note(chain.cosign(size, COURT_WITNESS))
    forged_root = Hash32(sha256(b"a rewritten history"))
    text = checkpoint_at_height(chain_id=chain.chain_id, height=size - 1, root_hash=forged_root)
    signers = ("xiangshan-county", "ningbo-ptc")
    lines = [sign_note(text.body(), name, chain.keys[name]) for name in signers]
    forged = format_signed_note(text.body(), lines)
    receipt = chain.receipt(witnessed.judicial, note=forged)
    # The inclusion proof would fail too, later; the witness check comes first.
    assert code_of(chain, receipt) is ReceiptCode.WITNESS_QUORUM
    borrowed = format_signed_note(text.body(), [*lines, real.signatures[-1]])
    receipt = chain.receipt(witnessed.judicial, note=borrowed)
    assert code_of(chain, receipt) is ReceiptCode.BAD_CHECKPOINT


def test_genesis_without_witnesses_still_needs_none(case_chain: CaseChain) -> None:
    chain = case_chain.chain
    assert code_of(chain, chain.receipt(case_chain.judicial)) is None


def test_witness_genesis_file_is_what_the_chain_id_hashes(
    witnessed: CaseChain, tmp_path: Path
) -> None:
    chain = witnessed.chain
    assert b'"witnesses":{"quorum":1,"witnesses":[' in chain.genesis_bytes


def downgraded_and_stripped(receipt: dict[str, object], note: str) -> dict[str, object]:
    """The issue-16 attack: the receipt as format 2 (no log binding), its set change left
    out, and its checkpoint cut to the first two validator lines (an old-quorum note)."""
    forged: dict[str, Any] = json.loads(json.dumps(receipt))
    forged["receipt_version"] = 2
    del forged["checkpoint_header"]
    forged["validator_sets"] = []
    proof, _, _ = forged["history_proof"].partition("\n\n")
    parsed = parse_signed_note(note)
    forged["history_proof"] = f"{proof}\n\n{format_signed_note(parsed.text, parsed.signatures[:2])}"
    return forged


def raise_quorum(chain: ReceiptChain) -> None:
    """validators.update q 2 -> 3 (same three validators), then two more blocks."""
    current = chain.ledger.validators_for_next_height().to_json()
    update = chain.tx(
        "xiangshan-county",
        "validators.update",
        {"validator_set": dict(current, quorum=3), "evidence_hashes": []},
        ("ningbo-ptc",),
    )
    chain.commit((update,))
    chain.commit()
    chain.commit()


@pytest.mark.parametrize("with_witnesses", [False, True])
def test_rewritten_history_receipt_needs_the_witness(tmp_path: Path, with_witnesses: bool) -> None:
    """Without witnesses the stripped, cut receipt still verifies (the hole of issue 16);
    with them it is WITNESS_QUORUM in both Python verifiers."""
    chain = ReceiptChain(
        tmp_path / "chain",
        chain_name="lantan-rewritten",
        witnesses=(COURT_WITNESS,) if with_witnesses else (),
    )
    try:
        case = run_full_case(chain)
        raise_quorum(chain)
        size = chain.ledger.height + 1
        note = chain.cosign(size, COURT_WITNESS) if with_witnesses else chain.notes[size]
        real = chain.receipt(case.judicial, note=note)
        assert [c["header"]["height"] for c in real["validator_sets"]]
        assert code_of(chain, real) is None
        forged = downgraded_and_stripped(real, note)
        expected = ReceiptCode.WITNESS_QUORUM if with_witnesses else None
        assert code_of(chain, forged) is expected
    finally:
        chain.close()
