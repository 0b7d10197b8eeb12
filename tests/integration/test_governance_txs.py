"""Role and key governance txs on a running 3-validator network (ADR 0019, issue 16 item 1).

A role granted by q validators commits; the court's key is rotated (both keys sign) and the
new key later revoked by its holder. Every validator then refuses, at intake, a tx signed
by the rotated key (`key_rotated`) or the revoked one (`key_revoked`), while the txs those
keys signed before stay committed and accepted.
"""

from collections.abc import Sequence
from hashlib import sha256

import httpx
import pytest

from protocol.encoding import JsonObject
from protocol.signing import SigningKey
from protocol.tx import SignedTx
from tests.integration.network import LocalNet
from tests.integration.txs import NetKeys, TxBuilder, submit_to, wait_committed, wire

pytestmark = pytest.mark.slow
COURT = "xiangshan-court"


def commit(net: LocalNet, signed: SignedTx) -> int:
    """Submit to every validator; the tx must be accepted on each. Returns its height."""
    answers = submit_to(net, net.validators, wire(signed))
    assert any(a.status_code == 202 for a in answers.values()), {
        n: a.text for n, a in answers.items()
    }
    heights = set()
    for name in net.validators:
        status = wait_committed(net, name, signed.tx_id)
        assert status["result"]["status"] == "accepted", (name, status)
        heights.add(status["height"])
    (height,) = heights
    return int(height)


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
    commit(net, grant)

    old, new = keys[COURT], SigningKey(sha256(b"integration: court key 2027").digest())
    body: JsonObject = {"public_key": old.public_key.hex(), "new_public_key": new.public_key.hex()}
    rotation = builder.build("key.rotate", old, body, cosigners=[new])
    rotated_at = commit(net, rotation)

    # The old key signs no more, on any validator; the new one does.
    stale = builder.build("key.revoke", old, {"public_key": old.public_key.hex()})
    assert refused_everywhere(net, stale, net.validators) == {"key_rotated"}
    revoked_at = commit(net, builder.build("key.revoke", new, {"public_key": new.public_key.hex()}))
    assert revoked_at > rotated_at
    late = builder.build("key.revoke", new, {"public_key": new.public_key.hex()})
    assert refused_everywhere(net, late, net.validators) == {"key_revoked"}

    # What the old key signed before its rotation stays committed and accepted.
    for name in net.validators:
        assert wait_committed(net, name, rotation.tx_id)["result"]["status"] == "accepted"
