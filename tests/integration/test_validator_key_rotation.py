"""Rotating the Ningbo PTC validator key on a running network (ADR 0022, issue 16 acceptance).

The operator writes the new key beside the node's keystore with `lantan keys rotate` (the
node keeps running), then submits key.rotate signed by both keys while a stream of txs
commits. The block holding it is certified with the old key; from the next height the new
key votes and signs checkpoints; no height is skipped; the receipt of a retirement made
before the rotation verifies before and after it, and so does one made after it.
"""

import json
import threading
import time
from pathlib import Path

import pytest

from client.receipt.verify import verify_receipt
from genesis.keystore import read_keystore, unlock_keystore
from genesis.layout import GENESIS_FILE, PASSPHRASE_FILE, PENDING_KEYSTORE_FILE
from protocol.encoding import JsonObject
from protocol.hashing import sha256
from protocol.signing import SigningKey
from tests.integration.lantan_cli import lantan
from tests.integration.network import LocalNet, wait_for
from tests.integration.txs import (
    NetKeys,
    TxBuilder,
    certificate_signers,
    commit_everywhere,
    submit_batch,
    xiangshan_case_on_net,
)

pytestmark = pytest.mark.slow
NINGBO = "ningbo-ptc"


def receipt(net: LocalNet, name: str, retirement_id: str, after_height: int) -> bytes:
    """A receipt against a checkpoint above after_height (retried while it is pending)."""

    def fetch() -> bytes | None:
        answer = net.get(name, f"/v1/receipts/{retirement_id}")
        if answer.status_code != 200:
            return None
        last = json.loads(answer.content)["checkpoint_header"]["header"]["height"]
        return answer.content if last > after_height else None

    return wait_for(fetch, 60, f"a receipt of {retirement_id[:12]} after {after_height}")


def pending_key(directory: Path) -> SigningKey:
    passphrase = (directory / PASSPHRASE_FILE).read_bytes().rstrip(b"\r\n")
    return unlock_keystore(read_keystore(directory / PENDING_KEYSTORE_FILE), passphrase)


def test_ningbo_rotates_its_validator_key_while_txs_commit(
    net: LocalNet, keys: NetKeys, builder: TxBuilder
) -> None:
    genesis = (net.directory / GENESIS_FILE).read_bytes()
    names = net.validators
    old = keys[NINGBO]

    # A judicial retirement before the rotation, and its receipt.
    township = SigningKey(sha256(b"integration: key rotation township"))
    judicial_id = ""
    for step in xiangshan_case_on_net(township, builder.eco):
        signed = builder.build(step.tx_type, step.sender, step.body, step.cosigners)
        commit_everywhere(net, net.validators, signed)
        if step.tx_type == "credits.retire_judicial":
            judicial_id = signed.tx_id.hex()
    started_at = net.height(names[0])
    before = receipt(net, names[0], judicial_id, started_at - 1)
    verify_receipt(before, genesis)

    # The operator writes the pending key while the node runs.
    completed = lantan("keys", "rotate", str(net.directory / NINGBO), "--kdf", "interactive")
    assert completed.returncode == 0, completed.stderr
    new = pending_key(net.directory / NINGBO)
    assert new.public_key.hex() in completed.stdout

    # Txs commit throughout: a stream before, around and after the rotation.
    stop = threading.Event()

    def stream() -> None:
        index = 0
        while not stop.is_set():
            batch = builder.attest_stream("xiamen-ptc", f"rotation-{index}", 10)
            submit_batch(net, names, batch)
            index += 1
            time.sleep(0.2)

    streamer = threading.Thread(target=stream, daemon=True)
    streamer.start()
    try:
        body: JsonObject = {
            "public_key": old.public_key.hex(),
            "new_public_key": new.public_key.hex(),
        }
        rotated_at = commit_everywhere(
            net, net.validators, builder.build("key.rotate", old, body, cosigners=[new])
        )
        net.wait_heights(names, rotated_at + 3, timeout_s=60)
    finally:
        stop.set()
        streamer.join(timeout=30)

    # Every node shows the new key in the set, same name and quorum.
    for name in names:
        shown = net.status(name)
        members = {v["name"]: v["public_key"] for v in shown["validators"]}
        assert members[NINGBO] == new.public_key.hex(), (name, members)
        assert shown["quorum"] == 2

    # No height lost; the old key signs up to the rotation's block, the new one after.
    def new_key_voted() -> int | None:
        last = net.height(names[0])
        for height in range(rotated_at + 1, last + 1):
            if new.public_key.hex() in certificate_signers(net, names[0], height):
                return height
        builder.forget_nonce("xiamen-ptc")
        submit_batch(net, names, builder.attest_stream("xiamen-ptc", f"vote-{last}", 5))
        return None

    voted_at = wait_for(new_key_voted, 60, "the new Ningbo key in a certificate")
    last = net.wait_synced(names)
    hashes = [net.block_hashes(name, started_at, last) for name in names]
    assert all(h == hashes[0] for h in hashes[1:])
    assert sorted(hashes[0]) == list(range(started_at, last + 1))
    for height in range(started_at, last + 1):
        found = certificate_signers(net, names[0], height)
        assert len(found) >= 2, (height, found)
        if height > rotated_at:
            assert old.public_key.hex() not in found, height
        else:
            assert new.public_key.hex() not in found, height
    assert voted_at > rotated_at

    # A retirement after the rotation; both receipts verify against genesis alone, through
    # the set change the rotation made.
    retire = builder.build(
        "credits.retire",
        township,
        {
            "account_id": "huangbiao-township",
            "batch_id": "huangbiao-mariculture-2022-v1",
            "quantity_kg": 1000,
            "beneficiary": "Huangbi'ao Township",
            "purpose": "voluntary offset",
            "reason": "after the key rotation",
        },
    )
    retired_at = commit_everywhere(net, net.validators, retire)
    verify_receipt(receipt(net, names[1], judicial_id, retired_at), genesis)
    after = receipt(net, names[2], retire.tx_id.hex(), retired_at)
    verify_receipt(after, genesis)
    changes = json.loads(after)["validator_sets"]
    assert any(
        NINGBO in {v["name"] for v in c["next_validators"]["validators"]}
        and new.public_key.hex() in {v["public_key"] for v in c["next_validators"]["validators"]}
        for c in changes
    ), changes
    verify_receipt(before, genesis)
