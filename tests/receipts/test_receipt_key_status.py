"""Each signing key's status in a receipt (ADR 0024, issue 16 item 3).

The Xiangshan case on an in-process chain, then the court revokes its key. The receipt of the
judicial retirement shows each signer's institution, roles and status at the tx's height
(in force, proven by the receipt), and a node's later answer on the court's key verifies as
"revoked at height H" with the note that earlier signatures stay valid.
"""

import dataclasses
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from client.cli.verify import report_receipt
from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.facts import ReceiptFacts, TxKey
from client.receipt.key_status import check_later_record, later_status, later_text
from client.receipt.pdf_rows import receipt_rows
from client.receipt.summary import facts_json, summary_lines
from client.receipt.verify import verify_receipt
from contracts.records import KeyRecord, KeyStatus
from genesis.document import parse_genesis
from node import proofs
from protocol.encoding import JsonObject, JsonValue, encode
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from tests.receipts.chain import ReceiptChain
from tests.receipts.test_witness_checker_js import NODE, run_js
from tests.unit.client.fake_node import FakeNode, serve

COURT = "xiangshan-court"
COUNTY = "xiangshan-county"


@dataclass(frozen=True)
class RevokedCase:
    chain: ReceiptChain
    judicial: Hash32
    receipt_before: JsonObject
    revoked_at: int


@pytest.fixture(scope="module")
def revoked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RevokedCase]:
    chain = ReceiptChain(tmp_path_factory.mktemp("key-status-chain"), chain_name="lantan-keys")
    try:
        judicial = chain.run_case()["credits.retire_judicial"]
        before = chain.receipt(judicial)
        court_key = chain.keys[COURT].public_key.hex()
        revoked_at = chain.commit((chain.tx(COURT, "key.revoke", {"public_key": court_key}),))
        chain.commit()
        yield RevokedCase(chain, judicial, before, revoked_at.block.header.height)
    finally:
        chain.close()


def facts_of(case: RevokedCase, receipt: JsonObject) -> ReceiptFacts:
    return verify_receipt(encode(receipt), case.chain.genesis_bytes)


def court_key(facts: ReceiptFacts, case: RevokedCase) -> TxKey:
    (key,) = [k for k in facts.signing_keys if k.public_key == public_hex(case, COURT)]
    return key


def public_hex(case: RevokedCase, name: str) -> str:
    return case.chain.keys[name].public_key.hex()


def node_answers(case: RevokedCase, key: str, height: int) -> tuple[JsonValue, ...]:
    """What GET /v1/proofs/state/key/<hex>, /v1/blocks/<height> and /v1/validator-sets give."""
    ledger = case.chain.ledger
    block, certificate, header = (
        ledger.block(height),
        ledger.certificate(height),
        ledger.header(height),
    )
    assert block is not None and certificate is not None and header is not None
    entry = proofs.state_entry(ledger, f"key/{key}", height)
    proof: JsonObject = {**entry, "height": height, "state_root": header.state_root.hex()}
    block_answer: JsonObject = {
        "block": block.to_json(),
        "certificate": certificate.to_json(),
        "results": [],
    }
    sets: JsonObject = {
        "genesis": ledger.genesis.document.validators.to_json(),
        "changes": proofs.validator_set_changes(ledger, height),
    }
    return proof, block_answer, sets


def check_later(
    case: RevokedCase, key: TxKey, height: int, answers: tuple[JsonValue, ...] = ()
) -> str:
    facts = facts_of(case, case.receipt_before)
    proof, block, sets = answers or node_answers(case, key.public_key, height)
    later = later_status(
        key,
        tx_height=facts.height,
        answers=(proof, block, sets),
        document=parse_genesis(case.chain.genesis_bytes),
        source="http://node.example",
    )
    return later_text(later)


def test_receipt_shows_each_signer_in_force_at_its_height(revoked: RevokedCase) -> None:
    facts = facts_of(revoked, revoked.receipt_before)
    court = court_key(facts, revoked)
    assert (court.institution_id, court.name_en) == (COURT, "Xiangshan County People's Court")
    assert "court" in court.roles
    assert [k.public_key for k in facts.signing_keys] == sorted(
        [public_hex(revoked, COURT), public_hex(revoked, COUNTY)]
    )
    text = "\n".join(summary_lines(facts))
    assert f"{public_hex(revoked, COURT)[:16]}… Xiangshan County People's Court" in text
    assert f"in force at height {facts.height}, when it signed" in text
    shown = facts_json(facts)["signing_keys"]
    assert isinstance(shown, list) and len(shown) == 2
    rows = {row.label_en: row.lines for row in receipt_rows(facts)}
    assert any(
        "象山县人民法院" in line and "in force" in line for line in rows["Retirement signed by"]
    )
    # The court signs as the court: its validator role (it may join the validator set) read
    # as "court, validator", as if it had certified the block (stop 48's finding).
    assert "validator" in court.roles
    assert any("象山县人民法院（法院）" in line for line in rows["Retirement signed by"])
    assert "Xiangshan County People's Court (象山县人民法院), roles court\n" in text + "\n"


def test_a_receipt_made_after_the_revocation_still_verifies(revoked: RevokedCase) -> None:
    after = revoked.chain.receipt(revoked.judicial)
    assert after["checkpoint_header"] != revoked.receipt_before["checkpoint_header"]
    facts = facts_of(revoked, after)
    assert facts.receipt_digest == facts_of(revoked, revoked.receipt_before).receipt_digest
    assert court_key(facts, revoked).later is None


def test_the_node_proves_the_court_key_revoked_later(revoked: RevokedCase) -> None:
    key = court_key(facts_of(revoked, revoked.receipt_before), revoked)
    text = check_later(revoked, key, revoked.chain.ledger.height)
    height = revoked.revoked_at
    assert text.startswith(
        f"revoked at height {height}: signatures before height {height} stay valid"
    )
    assert "not part of the receipt" in text


def test_a_key_still_active_is_in_force_at_the_node_height(revoked: RevokedCase) -> None:
    facts = facts_of(revoked, revoked.receipt_before)
    (county,) = [k for k in facts.signing_keys if k.institution_id == COUNTY]
    height = revoked.chain.ledger.height
    assert check_later(revoked, county, height).startswith(f"still in force at height {height}")


def test_a_forged_or_stale_node_answer_is_refused(revoked: RevokedCase) -> None:
    key = court_key(facts_of(revoked, revoked.receipt_before), revoked)
    height = revoked.chain.ledger.height
    proof, block, sets = node_answers(revoked, key.public_key, height)
    assert isinstance(proof, dict) and isinstance(proof["value"], dict)
    active: JsonObject = {f: proof["value"][f] for f in ("public_key", "institution_id")}
    forged = ({**proof, "value": active}, block, sets)
    with pytest.raises(ReceiptError) as caught:
        check_later(revoked, key, height, forged)
    assert caught.value.code is ReceiptCode.BAD_STATE_PROOF
    # A block from before the tx proves nothing about what came after it.
    with pytest.raises(ReceiptError) as caught:
        check_later(revoked, key, 2)
    assert caught.value.code is ReceiptCode.BAD_CHAIN
    # Another key's record, with its own proof, does not answer for this one.
    other = node_answers(revoked, public_hex(revoked, COUNTY), height)
    with pytest.raises(ReceiptError) as caught:
        check_later(revoked, key, height, other)
    assert caught.value.code is ReceiptCode.BAD_STATE_PROOF


def test_a_state_answer_that_contradicts_itself_is_refused(revoked: RevokedCase) -> None:
    """The state proof's answer names its key, height and root beside the proof; an answer
    whose names are not the ones its proof and block are checked against is refused, even
    where what it shows would stay true (found by an outside verifier's tampering proxy)."""
    key = court_key(facts_of(revoked, revoked.receipt_before), revoked)
    height = revoked.chain.ledger.height
    proof, block, sets = node_answers(revoked, key.public_key, height)
    assert isinstance(proof, dict)
    check_later(revoked, key, height, (proof, block, sets))
    other_root = "00" * 32
    wrong = {
        "height": ({**proof, "height": height - 1}, ReceiptCode.BAD_CHAIN),
        "state_root": ({**proof, "state_root": other_root}, ReceiptCode.BAD_CHAIN),
        "key": (
            {**proof, "key": f"key/{public_hex(revoked, COUNTY)}"},
            ReceiptCode.BAD_STATE_PROOF,
        ),
    }
    for field, (answer, code) in wrong.items():
        with pytest.raises(ReceiptError) as caught:
            check_later(revoked, key, height, (answer, block, sets))
        assert caught.value.code is code, field


def test_a_record_that_contradicts_the_receipt_is_refused(revoked: RevokedCase) -> None:
    facts = facts_of(revoked, revoked.receipt_before)
    key = court_key(facts, revoked)
    record = KeyRecord(
        public_key=PublicKey(bytes.fromhex(key.public_key)),
        institution_id=COURT,
        status=KeyStatus.REVOKED,
        status_height=facts.height,
    )
    # Revoked at the tx's height: later in the same block, after the key signed.
    check_later_record(key, record, tx_height=facts.height, at_height=facts.height + 3)
    cases = {
        "changed before the tx": dataclasses.replace(record, status_height=facts.height - 1),
        "another institution's": dataclasses.replace(record, institution_id=COUNTY),
    }
    for label, wrong in cases.items():
        with pytest.raises(ReceiptError) as caught:
            check_later_record(key, wrong, tx_height=facts.height, at_height=facts.height + 3)
        assert caught.value.code is ReceiptCode.RECORD_MISMATCH, label


def test_an_uncertified_block_is_refused(revoked: RevokedCase, tmp_path: Path) -> None:
    key = court_key(facts_of(revoked, revoked.receipt_before), revoked)
    height = revoked.chain.ledger.height
    proof, block, sets = node_answers(revoked, key.public_key, height)
    _, other_block, _ = node_answers(revoked, key.public_key, height - 1)
    assert isinstance(block, dict) and isinstance(other_block, dict)
    mixed: JsonObject = {**block, "certificate": other_block["certificate"]}
    with pytest.raises(ReceiptError) as caught:
        check_later(revoked, key, height, (proof, mixed, sets))
    assert caught.value.code is ReceiptCode.BAD_CERTIFICATE


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed (apt-get install nodejs)")
def test_the_checker_page_shows_the_same_signing_keys(revoked: RevokedCase) -> None:
    answer = run_js(
        revoked.chain.genesis_bytes, {"before": encode(revoked.receipt_before)}, ("tx_keys",)
    )
    shown = answer["before"]["tx_keys"]
    expected = [
        {
            "public_key": k.public_key,
            "institution_id": k.institution_id,
            "name_zh": k.name_zh,
            "name_en": k.name_en,
            "roles": list(k.roles),
        }
        for k in facts_of(revoked, revoked.receipt_before).signing_keys
    ]
    assert shown == expected


class ProofNode:
    """Serves the three answers `--key-status` asks for, from the chain's ledger."""

    def __init__(self, case: RevokedCase, *, forge: bool = False, chain_id: str = "") -> None:
        self.case = case
        self.forge = forge
        self.chain_id = chain_id or parse_genesis(case.chain.genesis_bytes).chain_id().hex()

    def handle(self, _method: str, path: str, _body: bytes) -> tuple[int, str, bytes]:
        if path == "/v1/status":
            return 200, "application/json", encode({"chain_id": self.chain_id})
        height = self.case.chain.ledger.height
        key = path.rsplit("/", 1)[-1]
        proof, block, sets = node_answers(self.case, key, height)
        if path.startswith("/v1/proofs/state/key/"):
            answer = proof
            if self.forge and isinstance(proof, dict) and isinstance(proof["value"], dict):
                answer = {**proof, "value": {**proof["value"], "status_height": height}}
        else:
            answer = sets if path == "/v1/validator-sets" else block
        return 200, "application/json", encode(answer)


def report_with_key_status(revoked: RevokedCase, url: str, *, as_json: bool = False) -> int:
    """`lantan verify receipt --key-status url` of the receipt made before the revocation."""
    receipt_bytes = encode(revoked.receipt_before)
    return report_receipt(
        receipt_bytes, revoked.chain.genesis_bytes, as_json=as_json, key_status_node=url
    )


def test_verify_receipt_with_key_status_asks_a_node(
    revoked: RevokedCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(cast(FakeNode, ProofNode(revoked))) as url:
        code = report_with_key_status(revoked, url)
    out = capsys.readouterr().out
    assert code == 0 and out.endswith("VALID\n")
    height = revoked.revoked_at
    assert f"revoked at height {height}: signatures before height {height} stay valid" in out
    assert f"(node {url}, certified block {revoked.chain.ledger.height};" in out
    forged = serve(cast(FakeNode, ProofNode(revoked, forge=True)))
    with forged as url:
        code = report_with_key_status(revoked, url)
    shown = capsys.readouterr()
    assert code == 1 and shown.out.endswith("VALID\n"), shown
    assert "error: the receipt verifies, but" in shown.err, shown.err


def test_a_key_status_node_that_does_not_answer_leaves_the_offline_verdict_shown(
    revoked: RevokedCase, capsys: pytest.CaptureFixture[str]
) -> None:
    """The clerk still reads VALID (the receipt checked offline); the missing key status
    is an error on stderr and exit 1."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    code = report_with_key_status(revoked, url, as_json=True)
    shown = capsys.readouterr()
    assert code == 1
    answer = json.loads(shown.out)
    assert answer["valid"] is True and "later key status is unknown" in answer["key_status_error"]
    assert (
        f"lantan verify receipt: error: the receipt is VALID, but its later key status is "
        f"unknown: {url}"
    ) in shown.err


def test_a_key_status_node_of_another_chain_is_named_as_such(
    revoked: RevokedCase, capsys: pytest.CaptureFixture[str]
) -> None:
    """A node of another network answered `MALFORMED: the node's answer: value: expected an
    object, got null` (it holds no such key); the offline verdict stays VALID, and the
    error now says the node serves another chain, as the other commands do."""
    other = "ab" * 32
    with serve(cast(FakeNode, ProofNode(revoked, chain_id=other))) as url:
        code = report_with_key_status(revoked, url)
    shown = capsys.readouterr()
    assert code == 1 and shown.out.endswith("VALID\n")
    ours = parse_genesis(revoked.chain.genesis_bytes).chain_id().hex()
    assert f"{url} serves chain {other[:16]}, but the genesis file is chain {ours[:16]}" in (
        shown.err
    )
