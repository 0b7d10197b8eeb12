"""Receipts from real node processes: the Xiangshan case on 3 and 4 validators, and after a
validator-set change. Served receipts verify in both verifiers and through the CLI; the
tamper corpus fails on them; served proofs agree with pymerkle."""

import json
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymerkle
import pytest

from client.receipt.codes import ReceiptError
from client.receipt.verify import verify_receipt
from genesis.network import GENESIS_FILE
from protocol.encoding import encode
from protocol.hashing import Hash32, sha256
from protocol.merkle import hash_leaf
from protocol.proofs import ConsistencyProof
from protocol.signing import SigningKey
from tests.integration.network import LocalNet, wait_for
from tests.integration.txs import (
    BATCH_ID,
    CASE_ID,
    NetKeys,
    TxBuilder,
    submit_to,
    wait_committed,
    xiangshan_case_on_net,
)
from tests.kit.lantan_cli import run_lantan
from tests.receipts import independent_verifier, network_vector
from tests.receipts.chain import ReceiptChain
from tests.receipts.tamper import TamperCase, field_cases, splice_cases

pytestmark = pytest.mark.slow
TOWNSHIP_KEY = SigningKey(sha256(b"receipts network test: township holder"))


@dataclass
class RunningCase:
    net: LocalNet
    builder: TxBuilder
    keys: NetKeys
    judicial: Hash32
    voluntary: Hash32
    rejected: Hash32

    @property
    def genesis(self) -> bytes:
        return (self.net.directory / GENESIS_FILE).read_bytes()

    @property
    def node(self) -> str:
        return self.net.validators[0]

    def receipt(self, tx_id: Hash32) -> dict[str, Any]:
        def served() -> dict[str, Any] | None:
            response = self.net.get(self.node, f"/v1/receipts/{tx_id.hex()}")
            if response.status_code == 409:
                return None
            assert response.status_code == 200, response.text
            value: dict[str, Any] = response.json()
            assert encode(value) == response.content  # canonical bytes on the wire
            return value

        return wait_for(served, 30, "a receipt")


def commit(
    net: LocalNet, builder: TxBuilder, tx_type: str, sender: Any, body: Any, *cos: Any
) -> tuple[Hash32, dict[str, Any]]:
    signed = builder.build(tx_type, sender, body, cos)
    submit_to(net, net.validators, encode(signed.to_json()))
    status = wait_committed(net, net.validators[0], signed.tx_id)
    return signed.tx_id, status


def run_case(net: LocalNet) -> RunningCase:
    keys = NetKeys(net.directory)
    builder = TxBuilder(net, keys)
    township = TOWNSHIP_KEY
    ids = {}
    for step in xiangshan_case_on_net(township, builder.eco):
        tx_id, status = commit(net, builder, step.tx_type, step.sender, step.body, *step.cosigners)
        assert status["result"]["status"] == "accepted", (step.label, status)
        ids[step.tx_type] = tx_id
    voluntary, _ = commit(
        net,
        builder,
        "credits.retire",
        township,
        {
            "account_id": "huangbiao-township",
            "batch_id": BATCH_ID,
            "quantity_kg": 1_000,
            "beneficiary": "Huangbi'ao Township",
            "purpose": "voluntary_offset",
            "reason": "events 2023",
        },
    )
    body = {
        "case_id": CASE_ID,
        "account_id": builder.eco.account_id,
        "batch_id": BATCH_ID,
        "quantity_kg": 1,
        "beneficiary": "eco",
    }
    rejected, status = commit(
        net, builder, "credits.retire_judicial", builder.eco.holder, body, "xiangshan-court"
    )
    assert status["result"]["status"] == "rejected"
    return RunningCase(
        net=net,
        builder=builder,
        keys=keys,
        judicial=ids["credits.retire_judicial"],
        voluntary=voluntary,
        rejected=rejected,
    )


def start(directory: Path, validators: int) -> Iterator[RunningCase]:
    net = LocalNet(directory)
    try:
        net.up(validators=validators)
        yield run_case(net)
    finally:
        net.close()


class LaterCase:
    """A network and its case built in a thread once start() is called, closed with the
    module: the 4-validator network is built while the 3-validator network's tests run
    (both mostly wait: node starts, one commit per step), not after them. Started only
    once the 3-validator case is committed, so neither network idles while the other is
    built."""

    def __init__(self, directory: Path, validators: int) -> None:
        self.net = LocalNet(directory)
        self.validators = validators
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="later-case")
        self._future: Future[RunningCase] | None = None

    def start(self) -> None:
        if self._future is None:
            self._future = self._pool.submit(self._build)

    def _build(self) -> RunningCase:
        self.net.up(validators=self.validators)
        return run_case(self.net)

    def result(self) -> RunningCase:
        self.start()
        assert self._future is not None
        return self._future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)  # net.up may still be starting nodes
        self.net.close()


@pytest.fixture(scope="module")
def later_case4(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaterCase]:
    later = LaterCase(tmp_path_factory.mktemp("net4"), 4)
    try:
        yield later
    finally:
        later.close()


@pytest.fixture(scope="module")
def case3(
    tmp_path_factory: pytest.TempPathFactory, later_case4: LaterCase
) -> Iterator[RunningCase]:
    for running in start(tmp_path_factory.mktemp("net3"), 3):
        later_case4.start()
        yield running


@pytest.fixture(scope="module")
def case4(later_case4: LaterCase) -> RunningCase:
    return later_case4.result()


def both_accept(receipt: dict[str, Any], genesis: bytes) -> Any:
    data = encode(receipt)
    started = time.perf_counter()
    facts = verify_receipt(data, genesis)
    elapsed_ms = (time.perf_counter() - started) * 1000
    code, independent = independent_verifier.verify(data, genesis)
    assert code is None
    assert independent["receipt_hash"] == facts.receipt_hash
    assert independent["receipt_digest"] == facts.receipt_digest
    print(f"receipt verified in {elapsed_ms:.2f} ms ({len(data)} bytes)")
    return facts


def test_the_case_receipt_verifies_on_three_validators(case3: RunningCase, tmp_path: Path) -> None:
    facts = both_accept(case3.receipt(case3.judicial), case3.genesis)
    assert facts.quantity_kg == 422_500
    assert facts.court_name_zh == "象山县人民法院"
    assert (facts.validator_count, facts.quorum) == (3, 2)
    assert len(facts.signed_by) >= 2
    both_accept(case3.receipt(case3.voluntary), case3.genesis)


def test_the_cli_fetches_and_verifies(case3: RunningCase, tmp_path: Path) -> None:
    genesis = case3.net.directory / GENESIS_FILE
    out = tmp_path / "receipt.json"
    url = case3.net.url(case3.node)
    args = ["receipt", "get", case3.judicial.hex(), "--node", url, "--out", str(out)]
    done = run_lantan(*args, "--genesis", str(genesis), "--json")
    assert done.returncode == 0, done
    assert json.loads(done.stdout)["quantity_kg"] == 422_500
    done = run_lantan("verify", "receipt", str(out), "--genesis", str(genesis))
    assert done.returncode == 0, done
    assert "VALID" in done.stdout and "象山县人民法院" in done.stdout
    assert "422,500 kg" in done.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(out.read_text().replace('"quantity_kg":422500', '"quantity_kg":422501', 1))
    done = run_lantan("verify", "receipt", str(bad), "--genesis", str(genesis))
    assert done.returncode == 1 and "INVALID" in done.stdout, done
    for tx_id, expected in ((case3.judicial, 0), (case3.rejected, 1)):
        done = run_lantan("verify", "tx", tx_id.hex(), "--node", url, "--genesis", str(genesis))
        assert done.returncode == expected, done
        assert (
            "ACCEPTED" if expected == 0 else "REJECTED (exceeds_case_requirement)"
        ) in done.stdout
        assert "xiangshan-court" in done.stdout
    # A first node that cannot be reached (nothing listens on port 1): the next one answers.
    nodes = f"http://127.0.0.1:1,{url}"
    done = run_lantan(
        "verify", "tx", case3.judicial.hex(), "--node", nodes, "--genesis", str(genesis)
    )
    assert done.returncode == 0 and "ACCEPTED" in done.stdout, done


def test_the_tamper_corpus_fails_on_a_served_receipt(case3: RunningCase, tmp_path: Path) -> None:
    receipt = case3.receipt(case3.judicial)
    height = receipt["tx"]["height"]
    other = ReceiptChain(tmp_path / "other")
    try:
        ids = other.run_case()
        other.commit()
        other_receipt = other.receipt(ids["credits.retire_judicial"])
    finally:
        other.close()
    params = case3.net.get_json(case3.node, "/v1/proofs/state/params", height=height)
    # No node serves a rejected retirement's receipt (it retired nothing): the corpus's
    # TX_NOT_ACCEPTED case is built offline (test_tamper_corpus.py).
    refused = case3.net.get(case3.node, f"/v1/receipts/{case3.rejected.hex()}")
    assert refused.status_code == 404, refused.text
    assert refused.json()["error"]["code"] == "NOT_A_RETIREMENT"
    cases = field_cases(receipt, checkpoint_quorum=2)
    cases += splice_cases(
        receipt,
        other_retirement=case3.receipt(case3.voluntary),
        other_chain=other_receipt,
        rejected=None,
        extra_entry={k: params[k] for k in ("key", "value", "proof")},
        outsider_key=case3.keys["xiangshan-court"],
        quorum=2,
    )
    for case in cases:
        check(case, case3.genesis)


def check(case: TamperCase, genesis: bytes) -> None:
    if not case.code:  # the corpus' valid controls (e.g. the same receipt as version 1)
        verify_receipt(case.receipt, genesis)
    else:
        with pytest.raises(ReceiptError) as raised:
            verify_receipt(case.receipt, genesis)
        assert raised.value.code.value == case.code, (case.name, raised.value)
    assert independent_verifier.verify(case.receipt, genesis)[0] == (case.code or None), case.name


def test_served_proofs_agree_with_pymerkle(case3: RunningCase) -> None:
    net, node = case3.net, case3.node
    height = net.height(node)
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for h in range(height + 1):
        tree.append_entry(encode(net.block(node, h)["block"]["header"]))
    size = height + 1
    for index in (0, size // 2, size - 1):
        served = net.get_json(node, f"/v1/proofs/header/{index}", size=size)
        theirs = tree.prove_inclusion(index + 1, size)
        assert served["proof"]["hashes"] == [h.hex() for h in theirs.path[1:]]
        assert hash_leaf(encode(served["header"])) == theirs.path[0]
    for first in (1, size // 2, size):
        served = net.get_json(node, "/v1/proofs/consistency", first=first, second=size)
        assert set(served) == {"size1", "size2", "hashes"}
        ConsistencyProof.from_json(served).verify(tree.get_root(first), tree.get_root(size))
    bad = net.get(node, "/v1/proofs/consistency", first=0, second=size)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "BAD_REQUEST"
    tx = net.get_json(node, f"/v1/proofs/tx/{case3.judicial.hex()}")
    block = net.block(node, tx["height"])
    txs = pymerkle.InmemoryTree(algorithm="sha256")
    for signed in block["block"]["txs"]:
        txs.append_entry(encode(signed))
    assert txs.get_root(txs.get_size()).hex() == tx["header"]["tx_root"]
    missing = net.get_json(node, "/v1/proofs/state/case/no-such-case")
    assert missing["value"] is None and missing["proof"]["siblings"] is not None
    assert net.get(node, "/v1/receipts/" + "00" * 32).json()["error"]["code"] == "NOT_FOUND"
    # A size that can never hold the retirement's height: 400, not "retry shortly" (409).
    height = case3.receipt(case3.judicial)["tx"]["height"]
    early = net.get(node, f"/v1/receipts/{case3.judicial.hex()}", size=height)
    assert early.status_code == 400, early.text
    assert early.json()["error"]["code"] == "BAD_RANGE"
    assert f"not the retirement's height {height}" in early.json()["error"]["detail"]


def test_receipts_verify_after_a_validator_set_change(case3: RunningCase) -> None:
    net, builder = case3.net, case3.builder
    sets = net.get_json(case3.node, "/v1/validator-sets")
    assert sets["changes"] == []
    new_set = dict(sets["genesis"], quorum=3)
    names = [v["name"] for v in new_set["validators"]]
    _, status = commit(
        net,
        builder,
        "validators.update",
        names[0],
        {"validator_set": new_set, "evidence_hashes": []},
        names[1],
    )
    assert status["result"]["status"] == "accepted", status
    change_height = status["height"]
    wait_for(lambda: net.height(case3.node) > change_height + 2 or None, 30, "blocks after")
    receipt = case3.receipt(case3.judicial)
    assert [c["header"]["height"] for c in receipt["validator_sets"]] == [change_height]
    # Format 3 on (ADR 0015; nodes serve 4, ADR 0030): the real change comes with its path
    # in the checkpoint's log.
    assert receipt["receipt_version"] == 4 and receipt["validator_sets"][0]["history_path"]
    both_accept(receipt, case3.genesis)
    before_change = receipt
    later, _ = commit(
        net,
        builder,
        "credits.retire",
        TOWNSHIP_KEY,
        {
            "account_id": "huangbiao-township",
            "batch_id": BATCH_ID,
            "quantity_kg": 500,
            "beneficiary": "Huangbi'ao Township",
            "purpose": "voluntary_offset",
            "reason": "after the set change",
        },
    )
    after_change = case3.receipt(later)
    facts = both_accept(after_change, case3.genesis)
    assert (facts.validator_count, facts.quorum, len(facts.signed_by)) == (3, 3, 3)
    for case in field_cases(after_change, checkpoint_quorum=3):
        check(case, case3.genesis)
    fresh = {"before_change": before_change, "after_change": after_change}
    if network_vector.rewriting():
        network_vector.write(case3.genesis, fresh)
    check_network_vector(fresh)


def shape(value: Any) -> Any:
    """A JSON value with its strings and numbers left out: field names, nesting and which
    lists are empty, what a real receipt of the same situation must share."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def check_network_vector(fresh: dict[str, Any]) -> None:
    """The committed vector (the checker page's real set-change receipts) is canonical, has
    the shape of what this network served, and verifies in both Python verifiers; with the
    change stripped both give the code network_vector.cases states."""
    data = network_vector.VECTOR_FILE.read_bytes()
    genesis, receipts = network_vector.load()
    assert network_vector.render(genesis, receipts) == data, f"set {network_vector.REWRITE_ENV}=1"
    for name in network_vector.RECEIPT_NAMES:
        assert shape(receipts[name]) == shape(fresh[name]), name
    for case in network_vector.cases(receipts):
        check(case, genesis)


def test_the_case_receipt_verifies_on_four_validators(case4: RunningCase) -> None:
    facts = both_accept(case4.receipt(case4.judicial), case4.genesis)
    assert (facts.validator_count, facts.quorum) == (4, 3)
    assert len(facts.signed_by) >= 3
