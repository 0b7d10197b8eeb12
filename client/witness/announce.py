"""A witness announces its own address on chain once (`lantan witness --announce`, ADR 0025).

The witness's cosigning key is also the registered key of its institution (role `witness`),
so it signs node.announce {public_key: its key, address} itself. Before its first round
the witness reads the address the chain holds for its key and sends the tx only when that
differs, so a restart does not send it again. Nodes never dial the address: it tells
auditors where the witness is (GET /v1/witnesses). I/O over the nodes' public API.
"""

import enum
from dataclasses import dataclass
from typing import Final

from client.api import NodeClient
from client.errors import ClientError, NodeRejectedError, NodeResponseError, SubmitError
from client.node_pool import NodePool
from client.tx.flow import build_tx, now_ms, sign_with, submit_tx
from client.tx.signing_keys import UnlockedKey
from contracts.records import NodeAddress
from contracts.state_keys import node_address_key
from protocol.encoding import JsonObject
from protocol.errors import ProtocolError
from protocol.hashing import Hash32
from protocol.signing import PublicKey

ANNOUNCE_TYPE: Final = "node.announce"
EXPIRES_IN_MS: Final = 10 * 60 * 1000
WAIT_MS: Final = 20_000
"""How long the witness waits for the commit before its first round (then it moves on and
tries again before the next round)."""
RETRIED: Final = frozenset({"wrong_nonce", "expired"})
"""Admission refusals that a fresh tx may not meet again."""
ROLE_HINT: Final = (
    "the witness key must be an active key of an institution holding the witness role "
    "(`lantan genesis init --witness NAME` writes one; otherwise a validator quorum sends "
    "role.grant, ADR 0025)"
)


class Announced(enum.Enum):
    """How an attempt ended: DONE and REFUSED are final, RETRY tries again next round."""

    DONE = "done"
    REFUSED = "refused"
    RETRY = "retry"

    def said(self, message: str) -> "AnnounceOutcome":
        return AnnounceOutcome(result=self, message=message)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnounceOutcome:
    """The outcome and the line the witness prints about it."""

    result: Announced
    message: str


def announced_address(pool: NodePool, public_key: PublicKey) -> tuple[str, int] | None:
    """The (address, height) the chain holds for public_key, from the first node that
    answers; None when it holds none. Raises NodeError."""
    return pool.first_answer(lambda client: node_address_of(client, public_key))


def node_address_of(node: NodeClient, public_key: PublicKey) -> tuple[str, int] | None:
    """The (address, height) node says public_key announced last, or None. The address
    is checked as node.announce checks it. Raises NodeError."""
    path = f"/v1/state/{node_address_key(public_key)}"
    try:
        answer = node.get_json(path)
    except NodeRejectedError as error:
        if error.status_code == 404:
            return None
        raise
    try:
        record = NodeAddress.from_json(answer["value"])
    except (KeyError, TypeError, ProtocolError):
        raise NodeResponseError(node.url, f"{path}: not a node address record") from None
    if record.public_key != public_key:
        raise NodeResponseError(node.url, f"{path}: the record of another key")
    return record.address, record.height


def announce_once(
    pool: NodePool, *, key: UnlockedKey, address: str, chain_id: Hash32
) -> AnnounceOutcome:
    """Send node.announce for key's own address unless the chain already has it; wait for
    the commit (at most WAIT_MS). Never raises ClientError: the outcome says what happened."""
    try:
        held = announced_address(pool, key.key.public_key)
        if held is not None and held[0] == address:
            return Announced.DONE.said(f"address {address} announced at height {held[1]}")
        return _send(pool, key=key, address=address, chain_id=chain_id)
    except SubmitError as error:
        return _refused_at_admission(error)
    except ClientError as error:
        return Announced.RETRY.said(f"announce: {error}")


def _send(pool: NodePool, *, key: UnlockedKey, address: str, chain_id: Hash32) -> AnnounceOutcome:
    body: JsonObject = {"public_key": key.public_key_hex, "address": address}
    tx = build_tx(
        tx_type=ANNOUNCE_TYPE,
        body=body,
        sender=key.key.public_key,
        nonce=pool.next_nonce(key.public_key_hex),
        chain_id=chain_id,
        expires_at_ms=now_ms() + EXPIRES_IN_MS,
    )
    outcome = submit_tx(pool, sign_with(tx, [key]), wait=True, timeout_ms=WAIT_MS)
    status = outcome.status
    assert status is not None
    if status.accepted:
        return Announced.DONE.said(f"announced {address} at height {status.height}")
    if status.status == "committed":
        reason = status.result_reason or "rejected"
        hint = f": {ROLE_HINT}" if reason == "signer_lacks_role" else ""
        return Announced.REFUSED.said(f"node.announce refused: {reason}{hint}")
    detail = f" ({status.reason})" if status.reason else ""
    return Announced.RETRY.said(f"node.announce not committed: {status.status}{detail}")


def _refused_at_admission(error: SubmitError) -> AnnounceOutcome:
    """No node took the tx. A node's refusal of this tx (HTTP 400, e.g. unknown_sender for
    a key genesis did not register) is final; a busy or unreachable node, or a nonce
    raced by another tx, is tried again next round."""
    refusals = [
        e
        for e in error.failures.values()
        if isinstance(e, NodeRejectedError) and e.status_code == 400 and e.code not in RETRIED
    ]
    if not refusals:
        return Announced.RETRY.said(f"announce: {error}")
    codes = sorted({refusal.code for refusal in refusals})
    codes_text = ", ".join(codes)
    return Announced.REFUSED.said(
        f"node.announce refused at admission ({codes_text}): {error}; {ROLE_HINT}"
    )
