"""Role and key governance txs on a running 3-validator network (ADR 0019, issue 16 item 1).

A role granted by q validators commits; the court's key is rotated (both keys sign) and the
new key later revoked by its holder. Every validator then refuses, at intake, a tx signed
by the rotated key (`key_rotated`) or the revoked one (`key_revoked`), while the txs those
keys signed before stay committed and accepted.

Then (issue 16 item 3, ADR 0024) the court gets a fresh key, confirms the Xiangshan case's
judicial retirement with it, and revokes it: a judicial retirement it signs afterwards is
refused (`key_revoked`) at every validator, while the receipt made before still verifies
with `lantan verify receipt` and shows the key in force when it signed, and revoked later.
"""

from collections.abc import Sequence
from hashlib import sha256
from pathlib import Path

import httpx
import pytest

from genesis.layout import GENESIS_FILE
from protocol.encoding import JsonObject
from protocol.signing import SigningKey
from protocol.tx import SignedTx
from tests.integration import txs
from tests.integration.lantan_cli import lantan
from tests.integration.network import LocalNet
from tests.integration.test_validator_key_rotation import receipt
from tests.integration.txs import (
    NetKeys,
    TxBuilder,
    commit_everywhere,
    submit_to,
    wait_committed,
    wire,
)

pytestmark = pytest.mark.slow
COURT = "xiangshan-court"


def refusals(answers: dict[str, httpx.Response]) -> set[tuple[int, str]]:
    return {(a.status_code, a.json()["error"]["code"]) for a in answers.values()}


def refused_everywhere(net: LocalNet, signed: SignedTx, names: Sequence[str]) -> set[str]:
    answers = submit_to(net, names, wire(signed))
    found = refusals(answers)
    assert all(code // 100 == 4 for code, _ in found), found
    return {reason for _, reason in found}


def test_grant_rotate_revoke(net: LocalNet, keys: NetKeys, builder: TxBuilder) -> None:
    grant = builder.build(
        "role.grant",
        "xiangshan-county",
        {"institution_id": COURT, "role": "auditor"},
        cosigners=["ningbo-ptc"],
    )
    commit_everywhere(net, net.validators, grant)

    old, new = keys[COURT], SigningKey(sha256(b"integration: court key 2027").digest())
    body: JsonObject = {"public_key": old.public_key.hex(), "new_public_key": new.public_key.hex()}
    rotation = builder.build("key.rotate", old, body, cosigners=[new])
    rotated_at = commit_everywhere(net, net.validators, rotation)

    # The old key signs no more, on any validator; the new one does.
    stale = builder.build("key.revoke", old, {"public_key": old.public_key.hex()})
    assert refused_everywhere(net, stale, net.validators) == {"key_rotated"}
    revoked_at = commit_everywhere(
        net, net.validators, builder.build("key.revoke", new, {"public_key": new.public_key.hex()})
    )
    assert revoked_at > rotated_at
    late = builder.build("key.revoke", new, {"public_key": new.public_key.hex()})
    assert refused_everywhere(net, late, net.validators) == {"key_revoked"}

    # What the old key signed before its rotation stays committed and accepted.
    for name in net.validators:
        assert wait_committed(net, name, rotation.tx_id)["result"]["status"] == "accepted"


def judicial_case_with(net: LocalNet, builder: TxBuilder, court_key: SigningKey) -> SignedTx:
    """The Xiangshan case, its judicial retirement confirmed by court_key; returns that tx."""
    township = SigningKey(sha256(b"integration: key status township").digest())
    judicial = None
    for step in txs.xiangshan_case_on_net(township, builder.eco):
        cosigners = [court_key if c == COURT else c for c in step.cosigners]
        signed = builder.build(step.tx_type, step.sender, step.body, cosigners)
        commit_everywhere(net, net.validators, signed)
        if step.tx_type == "credits.retire_judicial":
            judicial = signed
    assert judicial is not None
    return judicial


def verify_cli(receipt_file: Path, genesis: Path, *options: str) -> str:
    """`lantan verify receipt` as a real process: VALID, exit 0; returns its output."""
    done = lantan("verify", "receipt", str(receipt_file), "--genesis", str(genesis), *options)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stdout.rstrip().endswith("VALID"), done.stdout
    return done.stdout


def test_receipt_shows_the_revoked_court_key(
    net: LocalNet, builder: TxBuilder, tmp_path: Path
) -> None:
    court = SigningKey(sha256(b"integration: court key for the case").digest())
    register: JsonObject = {"institution_id": COURT, "public_key": court.public_key.hex()}
    commit_everywhere(
        net,
        net.validators,
        builder.build("key.register", "xiangshan-county", register, ["ningbo-ptc"]),
    )
    judicial = judicial_case_with(net, builder, court)
    retired_at = wait_committed(net, net.validators[0], judicial.tx_id)["height"]
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(receipt(net, net.validators[0], judicial.tx_id.hex(), retired_at))

    revoked_at = commit_everywhere(
        net,
        net.validators,
        builder.build("key.revoke", court, {"public_key": register["public_key"]}),
    )
    late = builder.build("credits.retire_judicial", builder.eco.holder, judicial.tx.body, [court])
    assert refused_everywhere(net, late, net.validators) == {"key_revoked"}

    genesis = net.directory / GENESIS_FILE
    key_line = f"{court.public_key.hex()[:16]}… Xiangshan County People's Court"
    offline = verify_cli(receipt_file, genesis)
    assert key_line in offline
    assert f"in force at height {retired_at}, when it signed (proven by the receipt)" in offline
    live = verify_cli(receipt_file, genesis, "--key-status", net.url(net.validators[1]))
    assert (
        f"revoked at height {revoked_at}: signatures before height {revoked_at} stay valid" in live
    ), live
